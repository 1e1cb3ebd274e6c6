package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * How to run the demo: its directory (absolute; kubeconfig, bootstrap, Cassandra data and
 * {@value DemoInfo#FILE} live there), the ports of the control plane's servers, and the command
 * prefix that the printed commands use to reach this demo from another terminal. Immutable.
 */
public record DemoSettings(Path dir, int xdsPort, int adminPort, String endpointsCommand) {

  public DemoSettings {
    requireNonNull(dir, "dir");
    requireNonNull(endpointsCommand, "endpointsCommand");
    dir = dir.toAbsolutePath().normalize();
    if (xdsPort < 1 || xdsPort > 65535 || adminPort < 1 || adminPort > 65535) {
      throw new IllegalArgumentException("ports must be 1-65535, were xDS " + xdsPort + " and admin " + adminPort);
    }
    if (xdsPort == adminPort) {
      throw new IllegalArgumentException("the xDS and admin ports must differ, both were " + xdsPort);
    }
  }
}
