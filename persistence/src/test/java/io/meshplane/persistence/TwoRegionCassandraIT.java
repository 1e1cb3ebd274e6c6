package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.NodeState;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two regions as two Cassandra data centers: 127.0.0.1 in {@code eu} (the seed) and 127.0.0.2 in
 * {@code us}, which joins through its seed list. The keyspaces come from {@link CassandraSchema}
 * with {@link CassandraRegions} ({eu:1, us:1}); each region writes and reads at LOCAL_QUORUM,
 * {@code eu} keeps doing so while {@code us} is killed with SIGKILL, and what {@code eu} wrote
 * meanwhile reaches {@code us} once it is back (hints).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoRegionCassandraIT {

  private static final Map<String, Integer> FACTORS = Map.of("eu", 1, "us", 1);
  private static final String PROBE = "meshplane_journal.region_probe";

  private static LocalCassandra eu;
  private static LocalCassandra us;
  private static CqlSession euSession;
  private static CqlSession usSession;

  @BeforeAll
  static void start() {
    eu = LocalCassandra.start(LocalCassandra.Settings.defaults(TestDirs.fresh("regions-eu")).withDatacenter("eu"));
    us = LocalCassandra.start(LocalCassandra.Settings.defaults(TestDirs.fresh("regions-us"))
        .withHost("127.0.0.2").withDatacenter("us").withSeeds(List.of(eu.seed())));
    euSession = session(eu);
    usSession = session(us);
  }

  @AfterAll
  static void stop() {
    // The servers' data is thrown away: SIGKILL, no clean stop (5-7 s each).
    for (AutoCloseable c : new AutoCloseable[] {euSession, usSession, us == null ? null : us::kill,
        eu == null ? null : eu::kill}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // Best effort: the next resource still gets closed.
      }
    }
  }

  private static CqlSession session(LocalCassandra node) {
    return node.session();
  }

  private static void write(CqlSession session, String id, String value) {
    session.execute(SimpleStatement.newInstance("INSERT INTO " + PROBE + " (id, value) VALUES (?, ?)", id, value)
        .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM));
  }

  private static Optional<String> read(CqlSession session, String id, ConsistencyLevel level) {
    Row row = session.execute(SimpleStatement.newInstance("SELECT value FROM " + PROBE + " WHERE id = ?", id)
        .setConsistencyLevel(level)).one();
    return Optional.ofNullable(row).map(r -> r.getString("value"));
  }

  @Test
  @Order(1)
  void the_us_node_joins_the_eu_node_as_a_second_data_center() {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(euSession.execute("SELECT data_center FROM system.peers_v2").all())
            .extracting(r -> r.getString("data_center")).containsExactly("us"));
    assertThat(usSession.execute("SELECT data_center FROM system.local").one().getString(0)).isEqualTo("us");
  }

  @Test
  @Order(2)
  void the_schema_is_created_up_front_with_a_replica_in_each_region() {
    Config config = CassandraRegions.config("eu", FACTORS)
        .withFallback(ConfigFactory.parseString(
            "datastax-java-driver.basic.contact-points = [\"" + eu.contactPoint() + "\"]"))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create("two-regions-schema", config);
    try {
      CassandraSchema.ensure(kit.system(), Duration.ofSeconds(60));
    } finally {
      kit.shutdownTestKit();
    }
    // A plain table in the same keyspace (same replication) for the reads and writes below.
    euSession.execute("CREATE TABLE IF NOT EXISTS " + PROBE + " (id text PRIMARY KEY, value text)");
    // The driver waited for schema agreement as eu's gossip saw it (and gives up silently after
    // its timeout); us may apply the last change later, so the probe table is awaited there too.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      for (String keyspace : List.of("meshplane_journal", "meshplane_snapshot")) {
        Row row = usSession.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace).one();
        assertThat(row).as("keyspace %s as seen in us", keyspace).isNotNull();
        assertThat(row.getMap("replication", String.class, String.class))
            .containsEntry("class", "org.apache.cassandra.locator.NetworkTopologyStrategy")
            .containsEntry("eu", "1").containsEntry("us", "1");
      }
      assertThat(usSession.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = "
          + "'meshplane_journal' AND table_name = 'messages'").one()).isNotNull();
      assertThat(usSession.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = "
          + "'meshplane_journal' AND table_name = 'region_probe'").one()).as("the probe table as seen in us")
          .isNotNull();
    });
  }

  @Test
  @Order(3)
  void each_region_writes_and_reads_at_local_quorum_and_sees_the_other_region() {
    write(euSession, "written-in-eu", "eu-1");
    write(usSession, "written-in-us", "us-1");
    assertThat(read(euSession, "written-in-eu", DefaultConsistencyLevel.LOCAL_QUORUM)).contains("eu-1");
    assertThat(read(usSession, "written-in-us", DefaultConsistencyLevel.LOCAL_QUORUM)).contains("us-1");
    // Cassandra replicates each write to the other data center in the background; a replica write
    // that times out on a loaded machine is kept as a hint and handed off later (a clean-clone run
    // on 2 cores: hinted handoff 12 s after the write, past the 15 s this wait had then).
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      assertThat(read(usSession, "written-in-eu", DefaultConsistencyLevel.LOCAL_ONE)).contains("eu-1");
      assertThat(read(euSession, "written-in-us", DefaultConsistencyLevel.LOCAL_ONE)).contains("us-1");
    });
  }

  @Test
  @Order(4)
  void eu_keeps_writing_and_reading_at_local_quorum_while_us_is_killed() {
    long pid = us.pid();
    us.kill();
    assertThat(ProcessHandle.of(pid)).isEmpty();
    write(euSession, "written-during-outage", "eu-2");
    assertThat(read(euSession, "written-during-outage", DefaultConsistencyLevel.LOCAL_QUORUM)).contains("eu-2");
    // Again once eu's failure detector has convicted us (Cassandra pushes the DOWN event to the
    // driver): the coordinator then stores the hint without trying us at all.
    await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(() ->
        euSession.getMetadata().getNodes().values().stream()
            .filter(n -> "us".equals(n.getDatacenter()))
            .allMatch(n -> n.getState() == NodeState.DOWN));
    write(euSession, "written-after-down", "eu-3");
    assertThat(read(euSession, "written-after-down", DefaultConsistencyLevel.LOCAL_QUORUM)).contains("eu-3");
  }

  @Test
  @Order(5)
  void what_eu_wrote_meanwhile_reaches_us_once_it_is_back() {
    us = LocalCassandra.start(us.boundSettings());
    usSession.close();
    usSession = session(us);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      assertThat(read(usSession, "written-during-outage", DefaultConsistencyLevel.LOCAL_ONE)).contains("eu-2");
      assertThat(read(usSession, "written-after-down", DefaultConsistencyLevel.LOCAL_ONE)).contains("eu-3");
    });
    assertThat(read(usSession, "written-in-us", DefaultConsistencyLevel.LOCAL_QUORUM)).contains("us-1");
  }
}
