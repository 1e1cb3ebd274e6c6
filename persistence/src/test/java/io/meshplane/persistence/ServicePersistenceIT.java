package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ServiceState;
import io.meshplane.service.ServiceEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Service entity on the Cassandra journal: its state survives a whole new actor system, and
 * after 100 events recovery starts from a snapshot.
 */
class ServicePersistenceIT {

  private static final Duration ASK = Duration.ofSeconds(15);
  private static LocalCassandra cassandra;

  @BeforeAll
  static void start() {
    cassandra = LocalCassandra.start(LocalCassandra.Settings.defaults(TestDirs.fresh("service-persistence")));
  }

  @AfterAll
  static void stop() {
    if (cassandra != null) {
      cassandra.kill(); // its data is thrown away: no clean stop (5-7 s)
    }
  }

  /** A single-node cluster on the shared Cassandra, schema ensured and the Service entity started. */
  private static ActorTestKit startNode() {
    Config config = ConfigFactory.parseString("""
        pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
        pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        # Nobody subscribes to the service-changes topic here; its publications are dead letters.
        pekko.log-dead-letters = off
        datastax-java-driver.basic.contact-points = ["%s"]
        datastax-java-driver.basic.load-balancing-policy.local-datacenter = "%s"
        """.formatted(cassandra.contactPoint(), cassandra.datacenter()))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create("meshplane", config);
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    CassandraSchema.ensure(kit.system(), Duration.ofSeconds(60));
    ActorRef<Topic.Command<ServiceEntity.ServiceChanged>> changes = kit.system().systemActorOf(
        Topic.create(ServiceEntity.ServiceChanged.class, ServiceEntity.CHANGES_TOPIC), "service-changes",
        Props.empty());
    ServiceEntity.init(kit.system(), changes, Clock.systemUTC());
    await().atMost(Duration.ofSeconds(20)).until(() -> cluster.selfMember().status() == MemberStatus.up());
    return kit;
  }

  private static EntityRef<ServiceEntity.Command> service(ActorSystem<?> system, String hostname) {
    return ClusterSharding.get(system).entityRefFor(ServiceEntity.ENTITY_KEY, hostname);
  }

  private static void replace(ActorSystem<?> system, String hostname, ClusterShare share) throws Exception {
    AskPattern.<ServiceEntity.Command, Done>askWithStatus(service(system, hostname),
            replyTo -> new ServiceEntity.ReplaceShare(share, replyTo), ASK, system.scheduler())
        .toCompletableFuture().get(ASK.toSeconds(), TimeUnit.SECONDS);
  }

  private static ServiceState get(ActorSystem<?> system, String hostname) throws Exception {
    return AskPattern.<ServiceEntity.Command, ServiceState>ask(service(system, hostname),
            ServiceEntity.Get::new, ASK, system.scheduler())
        .toCompletableFuture().get(ASK.toSeconds(), TimeUnit.SECONDS);
  }

  private static Endpoint endpoint(String address, String cluster, int port) {
    return new Endpoint(address, List.of(new EndpointPort("http", port)), cluster, "net-" + cluster,
        new Locality("eu-west-1", "eu-west-1" + cluster.charAt(0), ""), Map.of("app", "reviews"),
        "reviews", true, "reviews-" + address);
  }

  private static CqlSession cql() {
    return cassandra.session();
  }

  @Test
  void schema_is_created_once_with_the_plugin_tables_and_ensure_is_idempotent() {
    ActorTestKit node = startNode();
    try {
      CassandraSchema.ensure(node.system(), Duration.ofSeconds(30));
      try (CqlSession session = cql()) {
        List<String> tables = session.execute("SELECT keyspace_name, table_name FROM system_schema.tables "
                + "WHERE keyspace_name IN ('meshplane_journal', 'meshplane_snapshot')").all().stream()
            .map(r -> r.getString(0) + "." + r.getString(1)).toList();
        assertThat(tables).contains("meshplane_journal.messages", "meshplane_journal.metadata",
            "meshplane_journal.all_persistence_ids", "meshplane_snapshot.snapshots");
        Map<String, String> replication = session.execute("SELECT replication FROM system_schema.keyspaces "
            + "WHERE keyspace_name = 'meshplane_journal'").one().getMap(0, String.class, String.class);
        assertThat(replication).containsEntry("replication_factor", "1");
      }
    } finally {
      node.shutdownTestKit();
    }
  }

  @Test
  void a_new_actor_system_recovers_the_same_service_state() throws Exception {
    String hostname = "reviews.bookinfo.svc.cluster.local";
    ServiceState before;
    ActorTestKit first = startNode();
    try {
      replace(first.system(), hostname, new ClusterShare("east", Optional.of(MeshplaneEventSerializerTest.spec()),
          List.of(endpoint("10.0.0.1", "east", 9080), endpoint("10.0.0.2", "east", 9080))));
      replace(first.system(), hostname, new ClusterShare("west", Optional.of(MeshplaneEventSerializerTest.spec()),
          List.of(endpoint("10.1.0.1", "west", 9080))));
      replace(first.system(), hostname, new ClusterShare("east", Optional.of(MeshplaneEventSerializerTest.spec()),
          List.of(endpoint("10.0.0.3", "east", 9081))));
      before = get(first.system(), hostname);
    } finally {
      first.shutdownTestKit();
    }
    assertThat(before.version()).isEqualTo(5);
    assertThat(before.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.3", "10.1.0.1");

    ActorTestKit second = startNode();
    try {
      ServiceState after = get(second.system(), hostname);
      assertThat(after).isEqualTo(before);
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void more_than_100_events_write_a_snapshot_that_recovery_starts_from() throws Exception {
    String hostname = "busy.bookinfo.svc.cluster.local";
    String persistenceId = "Service|" + hostname;
    ServiceState before;
    ActorTestKit first = startNode();
    try {
      var spec = new io.meshplane.model.ServiceSpec("busy", "bookinfo",
          MeshplaneEventSerializerTest.spec().ports(), List.of());
      replace(first.system(), hostname, new ClusterShare("east", Optional.of(spec), List.of()));
      for (int i = 1; i <= 110; i++) {
        replace(first.system(), hostname, new ClusterShare("east", Optional.of(spec),
            List.of(endpoint("10.0.0." + (i % 250 + 1), "east", 8000 + i))));
      }
      before = get(first.system(), hostname);
      try (CqlSession session = cql()) {
        await().atMost(Duration.ofSeconds(20)).until(() -> session.execute(
            "SELECT sequence_nr FROM meshplane_snapshot.snapshots WHERE persistence_id = ?", persistenceId)
            .one() != null);
        Row snapshot = session.execute("SELECT sequence_nr, ser_id, ser_manifest FROM meshplane_snapshot.snapshots "
            + "WHERE persistence_id = ? LIMIT 1", persistenceId).one();
        assertThat(snapshot.getLong("sequence_nr")).isEqualTo(100);
        assertThat(snapshot.getInt("ser_id")).isEqualTo(MeshplaneEventSerializer.IDENTIFIER);
        assertThat(snapshot.getString("ser_manifest")).isEqualTo("SVS");
        Row event = session.execute("SELECT ser_id, ser_manifest FROM meshplane_journal.messages "
            + "WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = 1", persistenceId).one();
        assertThat(event.getInt("ser_id")).isEqualTo(MeshplaneEventSerializer.IDENTIFIER);
        assertThat(event.getString("ser_manifest")).isEqualTo("SS");
      }
    } finally {
      first.shutdownTestKit();
    }
    assertThat(before.version()).isEqualTo(111);

    // Remove the events the snapshot covers: only a recovery that starts from it gets the spec back.
    try (CqlSession session = cql()) {
      session.execute("DELETE FROM meshplane_journal.messages WHERE persistence_id = ? AND partition_nr = 0 "
          + "AND sequence_nr <= 100", persistenceId);
    }
    ActorTestKit second = startNode();
    try {
      ServiceState after = get(second.system(), hostname);
      assertThat(after).isEqualTo(before);
      assertThat(after.spec()).isPresent();
    } finally {
      second.shutdownTestKit();
    }
  }
}
