package io.meshplane.demo;

import java.util.List;
import java.util.Optional;

/**
 * The two-region demo ({@code meshplane demo --regions 2}): regions {@value #EU} and {@value #US},
 * Pekko data centers of one cluster, each with its own Cassandra data center (named as the region:
 * {@value #EU} on 127.0.0.1, {@value #US} on 127.0.0.2, one Cassandra cluster), its own nodes and
 * its own stable address (a TCP front that prefers the region's nodes and fails over to the other
 * region's). The member clusters join through remote secrets in a third, empty config cluster
 * ({@value #CONFIG_CLUSTER}) and each has a home region: {@link DemoNetworks#EAST}'s cluster in
 * {@value #EU}, {@link DemoNetworks#WEST}'s in {@value #US}; each site's clients use the front of
 * its cluster's home region. Stateless.
 */
public final class DemoRegions {

  public static final String EU = "eu";
  public static final String US = "us";
  public static final List<String> NAMES = List.of(EU, US);
  /** The config cluster of the two-region demo: it holds the remote secrets and nothing else. */
  public static final String CONFIG_CLUSTER = "demo-config";

  private DemoRegions() {}

  /** The home region of {@code site}'s member cluster. */
  public static String home(DemoNetworks.Site site) {
    return site.equals(DemoNetworks.WEST) ? US : EU;
  }

  /** The loopback address of {@code region}'s Cassandra node. */
  public static String cassandraHost(String region) {
    return region.equals(US) ? "127.0.0.2" : "127.0.0.1";
  }

  /** The region that takes over when {@code region} is gone. */
  public static String other(String region) {
    return region.equals(EU) ? US : EU;
  }

  /** {@code name} if it is one of {@code regions}. */
  public static Optional<String> find(List<String> regions, String name) {
    return regions.stream().filter(r -> r.equals(name)).findFirst();
  }

  /** The node config line that makes the nodes one control plane across both regions. */
  public static String nodeConfig() {
    return "meshplane.regions = [" + String.join(", ", NAMES) + "]\n";
  }
}
