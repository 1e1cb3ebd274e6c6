package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * How to run the demo: its directory (absolute; kubeconfig, bootstrap, Cassandra data, logs and
 * {@value DemoInfo#FILE} live there), the port of the TCP front that the proxies use as the
 * control plane's xDS address, node-1's admin port, how many nodes, and the command prefix that
 * the printed commands use to reach this demo from another terminal ({@code --dir} when it is not
 * the default, else empty). Immutable.
 */
public record DemoSettings(Path dir, int xdsPort, int adminPort, int nodes, String dirOption) {

  public static final int MIN_NODES = 1;
  public static final int MAX_NODES = 5;

  public DemoSettings {
    requireNonNull(dir, "dir");
    requireNonNull(dirOption, "dirOption");
    dir = dir.toAbsolutePath().normalize();
    if (xdsPort < 1 || xdsPort > 65535 || adminPort < 1 || adminPort > 65535) {
      throw new IllegalArgumentException("ports must be 1-65535, were xDS " + xdsPort + " and admin " + adminPort);
    }
    if (nodes < MIN_NODES || nodes > MAX_NODES) {
      throw new IllegalArgumentException("nodes must be " + MIN_NODES + "-" + MAX_NODES + ", was " + nodes);
    }
    if (xdsPort == adminPort) {
      throw new IllegalArgumentException("the xDS and admin ports must differ, both were " + xdsPort);
    }
  }

  /** How to run {@code meshplane demo <subcommand> <arguments>} against this demo from its working directory. */
  public String command(String subcommandAndArguments) {
    return "./meshplane demo " + subcommandAndArguments + (dirOption.isEmpty() ? "" : " " + dirOption);
  }
}
