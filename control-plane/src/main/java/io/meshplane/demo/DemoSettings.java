package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;

/**
 * How to run the demo: its directory (absolute; kubeconfig, bootstrap, Cassandra data, logs and
 * {@value DemoInfo#FILE} live there), the port of the TCP front that the proxies use as the
 * control plane's xDS address (the first region's front with two regions), node-1's admin port,
 * how many regions ({@value #MIN_REGIONS} or {@value #MAX_REGIONS}: {@link DemoRegions}), how many
 * nodes in each region, and the command prefix that the printed commands use to reach this demo
 * from another terminal ({@code --dir} when it is not the default, else empty). Immutable.
 */
public record DemoSettings(Path dir, int xdsPort, int adminPort, int regions, int nodes, String dirOption) {

  public static final int MIN_NODES = 1;
  public static final int MAX_NODES = 5;
  /** With two regions every node runs twice over, beside two Cassandra servers. */
  public static final int MAX_NODES_PER_REGION = 3;
  public static final int MIN_REGIONS = 1;
  public static final int MAX_REGIONS = 2;

  public DemoSettings {
    requireNonNull(dir, "dir");
    requireNonNull(dirOption, "dirOption");
    dir = dir.toAbsolutePath().normalize();
    if (xdsPort < 1 || xdsPort > 65535 || adminPort < 1 || adminPort > 65535) {
      throw new IllegalArgumentException("ports must be 1-65535, were xDS " + xdsPort + " and admin " + adminPort);
    }
    if (regions < MIN_REGIONS || regions > MAX_REGIONS) {
      throw new IllegalArgumentException("regions must be " + MIN_REGIONS + "-" + MAX_REGIONS + ", was " + regions);
    }
    if (nodes < MIN_NODES || nodes > maxNodes(regions)) {
      throw new IllegalArgumentException("nodes must be " + MIN_NODES + "-" + maxNodes(regions) + " with " + regions
          + " region" + (regions == 1 ? "" : "s") + ", was " + nodes);
    }
    if (xdsPort == adminPort) {
      throw new IllegalArgumentException("the xDS and admin ports must differ, both were " + xdsPort);
    }
  }

  /** One region, as the demo ran before regions. */
  public DemoSettings(Path dir, int xdsPort, int adminPort, int nodes, String dirOption) {
    this(dir, xdsPort, adminPort, MIN_REGIONS, nodes, dirOption);
  }

  /** The most nodes (per region) a demo of {@code regions} regions runs. */
  public static int maxNodes(int regions) {
    return regions == 1 ? MAX_NODES : MAX_NODES_PER_REGION;
  }

  /** The region names: empty for one region (no {@code meshplane.regions}), else {@link DemoRegions#NAMES}. */
  public List<String> regionNames() {
    return regions == 1 ? List.of() : DemoRegions.NAMES;
  }

  /** How to run {@code meshplane demo <subcommand> <arguments>} against this demo from its working directory. */
  public String command(String subcommandAndArguments) {
    return "./meshplane demo " + subcommandAndArguments + (dirOption.isEmpty() ? "" : " " + dirOption);
  }
}
