package io.meshplane.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports for servers a test starts itself. They come from below Linux's default ephemeral
 * range (32768-60999), so that the kernel never gives one to an outgoing connection between the
 * check and the server's bind: a port found through port 0 is ephemeral, and MultiNetworkIT once
 * lost its admin port that way ("Address already in use"). Each port is handed out at most once per
 * JVM; the starting point depends on the process id, so that JVMs running side by side start apart.
 * Thread-safe.
 */
public final class Ports {

  private static final int FIRST = 20_000;
  private static final int COUNT = 12_000;
  private static final AtomicInteger NEXT = new AtomicInteger((int) (ProcessHandle.current().pid() * 131 % COUNT));

  private Ports() {}

  public static int free() {
    for (int i = 0; i < COUNT; i++) {
      int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), COUNT);
      if (isFree(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free TCP port in " + FIRST + "-" + (FIRST + COUNT - 1));
  }

  /** Whether nothing listens on {@code port} on any local address (Linux refuses the wildcard bind then). */
  private static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
