package io.meshplane.testing;

import io.meshplane.demo.LocalPorts;

/**
 * Free TCP ports for servers a test starts itself: {@link LocalPorts#free()}, below the ephemeral
 * range and each handed out at most once per JVM (MultiNetworkIT once lost its admin port to an
 * outgoing connection between the check and the bind). Thread-safe.
 */
public final class Ports {

  private Ports() {}

  public static int free() {
    return LocalPorts.free();
  }
}
