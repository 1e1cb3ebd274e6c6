package io.meshplane.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Finds TCP ports for the demo's servers. A port found free can be taken by someone else before
 * the demo binds it; the demo accepts that race (the bind then fails with a clear message).
 * Stateless.
 */
public final class LocalPorts {

  private LocalPorts() {}

  /** {@code preferred} when nothing listens on it on any local address, else any free port. */
  public static int preferredOrFree(int preferred) {
    return isFree(preferred) ? preferred : free("127.0.0.1");
  }

  /**
   * Whether {@code port} can be bound on the wildcard address. Linux refuses that bind while any
   * local address listens on the port, so one check covers 0.0.0.0 and every loopback address.
   */
  public static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new java.net.InetSocketAddress(port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A port that is free on {@code host} right now. */
  public static int free(String host) {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + host, e);
    }
  }
}
