package io.meshplane.persistence;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration of a region's control plane for a multi-region Cassandra: journal and snapshot
 * keyspaces with NetworkTopologyStrategy and a replication factor per data center (each region is
 * one Cassandra data center), and the driver's local data center, which keeps LOCAL_QUORUM and
 * LOCAL_ONE (see {@code reference.conf}) inside the region. {@link CassandraSchema} then creates
 * the keyspaces with these settings. Stateless.
 */
public final class CassandraRegions {

  private static final String JOURNAL = CassandraSchema.PLUGIN_PATH + ".journal";
  private static final String SNAPSHOT = CassandraSchema.PLUGIN_PATH + ".snapshot";
  private static final String LOCAL_DC = "datastax-java-driver.basic.load-balancing-policy.local-datacenter";

  private CassandraRegions() {}

  /**
   * Overrides to put in front of the application's configuration ({@code withFallback}).
   *
   * @param localDc this region's Cassandra data center; must be one of {@code factors}' keys
   * @param factors replicas per data center, for example {@code {eu=1, us=1}} (3 in production)
   * @throws IllegalArgumentException for no data centers, a name Cassandra would not take, a factor
   *     below 1, or a local data center that holds no replica
   */
  public static Config config(String localDc, Map<String, Integer> factors) {
    requireNonNull(factors, "factors");
    if (factors.isEmpty()) {
      throw new IllegalArgumentException("expected at least one data center with its replication factor, "
          + "for example {eu=1, us=1}; got none");
    }
    Map<String, Integer> sorted = new TreeMap<>();
    factors.forEach((dc, factor) -> {
      checkName("data center", dc);
      if (factor == null || factor < 1) {
        throw new IllegalArgumentException("expected a replication factor >= 1 for data center " + dc + ", got "
            + factor);
      }
      sorted.put(dc, factor);
    });
    checkName("local data center", localDc);
    if (!sorted.containsKey(localDc)) {
      throw new IllegalArgumentException("expected the local data center to be one of " + sorted.keySet()
          + " (the data centers with replicas), got '" + localDc + "'");
    }
    List<String> dcFactors = sorted.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList();
    Config config = ConfigFactory.empty()
        .withValue(LOCAL_DC, ConfigValueFactory.fromAnyRef(localDc));
    for (String section : List.of(JOURNAL, SNAPSHOT)) {
      config = config
          .withValue(section + ".replication-strategy", ConfigValueFactory.fromAnyRef("NetworkTopologyStrategy"))
          .withValue(section + ".data-center-replication-factors", ConfigValueFactory.fromIterable(dcFactors));
    }
    return config;
  }

  private static void checkName(String what, String name) {
    if (name == null || !CassandraFiles.DATACENTER_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("expected a " + what + " name of letters, digits, '_' or '-' "
          + "(for example eu), got " + (name == null ? "null" : "'" + name + "'"));
    }
  }
}
