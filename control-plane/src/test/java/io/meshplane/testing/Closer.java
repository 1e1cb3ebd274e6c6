package io.meshplane.testing;

import io.meshplane.persistence.LocalCassandra;
import java.util.ArrayList;
import java.util.List;

/** What a test started, closed in reverse order; a failing close is reported and the rest still close. */
public final class Closer implements AutoCloseable {

  private final List<AutoCloseable> resources = new ArrayList<>();

  public <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  /** Keeps a Cassandra whose data the test throws away, closed by {@link #killing(LocalCassandra)}. */
  public LocalCassandra keepKilled(LocalCassandra cassandra) {
    resources.add(killing(cassandra));
    return cassandra;
  }

  /** Keeps a control-plane process the test is done with at its end, closed by {@link #killing(ControlPlaneProcess)}. */
  public ControlPlaneProcess keepKilled(ControlPlaneProcess node) {
    resources.add(killing(node));
    return node;
  }

  /**
   * {@code cassandra}'s close for a test that throws its data away: SIGKILL ({@link LocalCassandra#kill}),
   * not the clean stop, which drains and flushes for 5-7 s that no test needs at its end. Null: null.
   */
  public static AutoCloseable killing(LocalCassandra cassandra) {
    return cassandra == null ? null : cassandra::kill;
  }

  /**
   * {@code node}'s close for a test that is done with it: SIGKILL ({@link ControlPlaneProcess#kill9}),
   * not the graceful leave, which waits on the cluster (seconds per node) for nothing a test checks.
   * Null: null.
   */
  public static AutoCloseable killing(ControlPlaneProcess node) {
    return node == null ? null : node::kill9;
  }

  @Override
  public void close() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        System.err.println("closing " + resources.get(i) + ": " + e);
      }
    }
    resources.clear();
  }
}
