package io.meshplane.testing;

import java.util.ArrayList;
import java.util.List;

/** What a test started, closed in reverse order; a failing close is reported and the rest still close. */
public final class Closer implements AutoCloseable {

  private final List<AutoCloseable> resources = new ArrayList<>();

  public <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
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
