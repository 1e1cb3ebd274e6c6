package io.meshplane.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds TCP ports for the servers the demo, the benchmarks and the tests start. Ports come from
 * below Linux's default ephemeral range (32768-60999), so that the kernel never gives one to an
 * outgoing connection between the check and the server's bind, and each port is handed out at
 * most once per JVM: a port found through port 0 is ephemeral, and the kernel hands the same one
 * out again once its probe socket is closed (the demo once gave two nodes one admin port). The
 * starting point depends on the process id, so that JVMs running side by side start apart. A
 * port found free can still be taken by another process before the bind; the bind then fails with
 * a clear message. Thread-safe.
 */
public final class LocalPorts {

  private static final int FIRST = 20_000;
  private static final int COUNT = 12_000;
  private static final AtomicInteger NEXT =
      new AtomicInteger((int) (ProcessHandle.current().pid() * 131 % COUNT));

  private LocalPorts() {}

  /** {@code preferred} when nothing listens on it on any local address, else a free port. */
  public static int preferredOrFree(int preferred) {
    return isFree(preferred) ? preferred : free();
  }

  /**
   * Whether {@code port} can be bound on the wildcard address. Linux refuses that bind while any
   * local address listens on the port, so one check covers 0.0.0.0 and every loopback address.
   */
  public static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A port in 20000-31999 that nothing listens on, on any local address, and that this JVM has
   * not handed out before.
   */
  public static int free() {
    for (int i = 0; i < COUNT; i++) {
      int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), COUNT);
      if (isFree(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free TCP port in " + FIRST + "-" + (FIRST + COUNT - 1));
  }
}
