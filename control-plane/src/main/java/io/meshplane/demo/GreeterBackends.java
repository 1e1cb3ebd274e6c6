package io.meshplane.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's backends {@code greeter-1..n}, on loopback addresses {@code 127.0.0.11},
 * {@code 127.0.0.12}, ... and ONE common port. Meshplane tells endpoints apart by address, as
 * Kubernetes does with pod IPs, so each backend needs its own address; Linux routes all of
 * 127.0.0.0/8 to the loopback interface, so no setup is needed. Not thread-safe: created and
 * closed by the demo's main thread.
 */
public final class GreeterBackends implements AutoCloseable {

  private static final int ATTEMPTS = 10;

  private final List<GreeterBackend> backends;

  private GreeterBackends(List<GreeterBackend> backends) {
    this.backends = List.copyOf(backends);
  }

  /** The name of backend {@code i} (1-based). */
  public static String name(int i) {
    return "greeter-" + i;
  }

  /** The loopback address of backend {@code i} (1-based). */
  public static String address(int i) {
    return "127.0.0." + (10 + i);
  }

  /**
   * Starts {@code count} backends on a port that is free on all of their addresses: the first one
   * picks a free port, the others follow it; when one of them finds the port taken, all are
   * stopped and a new port is tried.
   */
  public static GreeterBackends start(int count) {
    return start(count, "greeter-", 10);
  }

  /**
   * Starts {@code count} backends named {@code prefix1, prefix2, ...} on {@code 127.0.0.<base+1>},
   * {@code 127.0.0.<base+2>}, ..., as {@link #start(int)} does.
   */
  public static GreeterBackends start(int count, String prefix, int base) {
    if (count < 1 || base < 1 || base + count > 254) {
      throw new IllegalArgumentException("backends must fit in 127.0.0.2-254, were " + count + " from " + base);
    }
    IOException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      List<GreeterBackend> started = new ArrayList<>();
      try {
        started.add(GreeterBackend.start(prefix + 1, "127.0.0." + (base + 1), 0));
        int port = started.get(0).port();
        for (int i = 2; i <= count; i++) {
          started.add(GreeterBackend.start(prefix + i, "127.0.0." + (base + i), port));
        }
        return new GreeterBackends(started);
      } catch (IOException e) {
        last = e;
        started.forEach(GreeterBackend::close);
      }
    }
    throw new UncheckedIOException("could not start " + count + " greeter backends on one common port of "
        + "127.0.0." + (base + 1) + ".." + "127.0.0." + (base + count) + " in " + ATTEMPTS + " attempts", last);
  }

  public List<GreeterBackend> all() {
    return backends;
  }

  /** The port all backends listen on. */
  public int port() {
    return backends.get(0).port();
  }

  @Override
  public void close() {
    for (int i = backends.size() - 1; i >= 0; i--) {
      backends.get(i).close();
    }
  }
}
