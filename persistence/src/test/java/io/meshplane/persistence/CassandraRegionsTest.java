package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CassandraRegionsTest {

  @Test
  void sets_network_topology_for_journal_and_snapshot_and_the_local_data_center() {
    Config config = CassandraRegions.config("us", Map.of("us", 1, "eu", 1)).withFallback(ConfigFactory.load());

    for (String section : List.of("journal", "snapshot")) {
      String path = "pekko.persistence.cassandra." + section;
      assertThat(config.getString(path + ".replication-strategy")).isEqualTo("NetworkTopologyStrategy");
      assertThat(config.getStringList(path + ".data-center-replication-factors")).containsExactly("eu:1", "us:1");
    }
    assertThat(config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter")).isEqualTo("us");
    // The plugin's own keyspace names and the consistency profiles of reference.conf stay.
    assertThat(config.getString("pekko.persistence.cassandra.journal.keyspace")).isEqualTo("meshplane_journal");
    assertThat(config.getString(
        "datastax-java-driver.profiles.pekko-persistence-cassandra-profile.basic.request.consistency"))
        .isEqualTo("LOCAL_QUORUM");
  }

  @Test
  void rejects_no_data_centers() {
    assertThatThrownBy(() -> CassandraRegions.config("eu", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected at least one data center");
  }

  @Test
  void rejects_a_factor_below_one_naming_the_data_center() {
    assertThatThrownBy(() -> CassandraRegions.config("eu", Map.of("eu", 1, "us", 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replication factor >= 1 for data center us, got 0");
    Map<String, Integer> withNull = new HashMap<>();
    withNull.put("eu", null);
    assertThatThrownBy(() -> CassandraRegions.config("eu", withNull))
        .hasMessageContaining("replication factor >= 1 for data center eu, got null");
  }

  @Test
  void rejects_data_center_names_that_would_break_the_dc_colon_factor_form() {
    assertThatThrownBy(() -> CassandraRegions.config("eu", Map.of("eu:west", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("letters, digits")
        .hasMessageContaining("'eu:west'");
    assertThatThrownBy(() -> CassandraRegions.config("", Map.of("eu", 1)))
        .hasMessageContaining("local data center name");
  }

  @Test
  void rejects_a_local_data_center_without_replicas() {
    assertThatThrownBy(() -> CassandraRegions.config("ap", Map.of("eu", 1, "us", 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one of [eu, us]")
        .hasMessageContaining("got 'ap'");
  }

  @Test
  void local_cassandra_settings_reject_malformed_seeds_and_data_centers() {
    LocalCassandra.Settings settings = LocalCassandra.Settings.defaults(Path.of("target", "unused"));
    assertThat(settings.seeds()).isEmpty();
    assertThat(settings.withSeeds(List.of("127.0.0.1:7000")).seeds()).containsExactly("127.0.0.1:7000");
    assertThatThrownBy(() -> settings.withSeeds(List.of("127.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("host:storagePort");
    assertThatThrownBy(() -> settings.withSeeds(List.of("127.0.0.1:70000")))
        .hasMessageContaining("host:storagePort");
    assertThatThrownBy(() -> settings.withDatacenter("eu west"))
        .hasMessageContaining("datacenter must be letters");
  }
}
