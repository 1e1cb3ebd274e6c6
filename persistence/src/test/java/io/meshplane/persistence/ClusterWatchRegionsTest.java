package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.cluster.Regions;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.WriteFence;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.service.LateWrites;
import io.meshplane.service.ServiceEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two regions as two Pekko data centers of one cluster (two actor systems in this JVM, real
 * remoting and Meshplane's serializers between them), each with its own ClusterWatch shards, an
 * in-memory journal per region and fake Service entities that record what each region's state
 * holds. Cluster {@code east} is homed in {@code eu}: {@code us} takes its watch over while
 * {@code eu} is away, gives it back when {@code eu} comes, and ends with exactly eu's view.
 */
class ClusterWatchRegionsTest {

  private static final String CLUSTER = "east";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** Per region: the share each fake Service entity holds, by hostname. */
  private final Map<String, Map<String, ClusterShare>> held = new ConcurrentHashMap<>();
  /** Per region: the registry the region's watch started last, and whether it is closed. */
  private final Map<String, FakeRegistry> registries = new ConcurrentHashMap<>();
  private ActorTestKit eu;
  private ActorTestKit us;

  static final class FakeRegistry implements MemberRegistry {
    volatile Listener listener;
    volatile boolean closed;

    @Override
    public void start(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  @AfterEach
  void stop() {
    // Leaving a cluster whose other region just left takes the leader a few gossip rounds more than
    // the test kit's default 10 s allows on a loaded host.
    for (ActorTestKit kit : new ActorTestKit[] {us, eu}) {
      if (kit != null) {
        ActorTestKit.shutdown(kit.system(), Duration.ofSeconds(60), true);
      }
    }
  }

  private static Config config(String region) {
    return ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.cluster.periodic-tasks-initial-delay = 100ms
        pekko.cluster.gossip-interval = 200ms
        pekko.cluster.leader-actions-interval = 200ms
        pekko.cluster.sharding.retry-interval = 200ms
        pekko.cluster.sharding.number-of-shards = 1
        pekko.cluster.sharding.distributed-data.durable.keys = []
        pekko.cluster.multi-data-center.failure-detector.heartbeat-interval = 500ms
        pekko.cluster.multi-data-center.failure-detector.acceptable-heartbeat-pause = 2s
        pekko.cluster.multi-data-center.self-data-center = %s
        pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
        pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
        """.formatted(region)).withFallback(ConfigFactory.load());
  }

  /** A region: its system, its fake Service entities and its ClusterWatch shards. */
  private ActorTestKit region(String name) {
    return region(name, Duration.ZERO);
  }

  private ActorTestKit region(String name, Duration startupGrace) {
    ActorTestKit kit = ActorTestKit.create("Regions", config(name));
    Map<String, ClusterShare> state = held.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
    ClusterSharding.get(kit.system()).init(Entity.of(ServiceEntity.ENTITY_KEY,
        ctx -> fakeService(ctx.getEntityId(), state)));
    Regions regions = new Regions(name, List.of("eu", "us"), id -> Optional.of("eu"), startupGrace);
    ClusterWatch.init(kit.system(), id -> {
      FakeRegistry r = new FakeRegistry();
      registries.put(name, r);
      return r;
    }, regions, Clock.systemUTC());
    return kit;
  }

  private static Behavior<ServiceEntity.Command> fakeService(String hostname, Map<String, ClusterShare> state) {
    return Behaviors.receive(ServiceEntity.Command.class)
        .onMessage(ServiceEntity.ReplaceShare.class, cmd -> {
          if (cmd.share().isEmpty()) {
            state.remove(hostname);
          } else {
            state.put(hostname, cmd.share());
          }
          cmd.replyTo().tell(StatusReply.ack());
          return Behaviors.same();
        })
        .build();
  }

  private static void join(ActorTestKit kit, ActorTestKit seed) {
    Cluster.get(kit.system()).manager().tell(Join.create(Cluster.get(seed.system()).selfMember().address()));
    await().atMost(WAIT).until(() -> Cluster.get(kit.system()).selfMember().status().equals(MemberStatus.up()));
  }

  private static void ensure(ActorTestKit kit) {
    ClusterSharding.get(kit.system()).entityRefFor(ClusterWatch.ENTITY_KEY, CLUSTER).tell(ClusterWatch.Ensure.INSTANCE);
  }

  private static ClusterWatch.Status status(ActorTestKit kit) {
    TestProbe<ClusterWatch.Status> probe = kit.createTestProbe();
    ClusterSharding.get(kit.system()).entityRefFor(ClusterWatch.ENTITY_KEY, CLUSTER)
        .tell(new ClusterWatch.GetStatus(probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  private static ClusterWatch.Catalog catalog(ActorTestKit kit) {
    TestProbe<ClusterWatch.Catalog> probe = kit.createTestProbe();
    ClusterSharding.get(kit.system()).entityRefFor(ClusterWatch.ENTITY_KEY, CLUSTER)
        .tell(new ClusterWatch.GetCatalog(probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  private FakeRegistry startedRegistry(String region) {
    await().atMost(WAIT).until(() -> registries.get(region) != null && registries.get(region).listener != null
        && !registries.get(region).closed);
    return registries.get(region);
  }

  private static String host(String name) {
    return name + ".default.svc.cluster.local";
  }

  private static ClusterShare share(String name, String address) {
    ServiceSpec spec = new ServiceSpec(name, "default", List.of(new ServicePort("http", 8080, 8080, "TCP")),
        List.of());
    Endpoint e = new Endpoint(address, List.of(new EndpointPort("http", 8080)), CLUSTER, "net-a", Locality.UNKNOWN,
        Map.of(), "default", true, "workload-" + address);
    return new ClusterShare(CLUSTER, Optional.of(spec), List.of(e));
  }

  @Test
  void the_home_region_watches_and_replicates_a_stand_in_takes_over_and_hands_back_converging_on_the_home_view() {
    // us starts alone: its cluster's home, eu, is not there, so after the take-over delay us watches.
    us = region("us");
    join(us, us);
    ensure(us);
    MemberRegistry.Listener usWatch = startedRegistry("us").listener;
    assertThat(status(us).watcher()).isEqualTo("us");
    usWatch.shareChanged(host("greeter"), share("greeter", "10.0.0.1"));
    usWatch.shareChanged(host("legacy"), share("legacy", "10.0.0.9"));
    usWatch.synced();
    await().atMost(WAIT).until(() -> held.get("us").size() == 2);

    // eu comes: it watches its own cluster, us hands the watch back and becomes a replica.
    eu = region("eu");
    join(eu, us);
    ensure(eu);
    MemberRegistry.Listener euWatch = startedRegistry("eu").listener;
    await().atMost(WAIT).until(() -> registries.get("us").closed);
    await().atMost(WAIT).until(() -> status(us).watcher().equals("eu"));
    // Meanwhile the API server moved greeter, and legacy was deleted while eu was away.
    euWatch.shareChanged(host("greeter"), share("greeter", "10.0.0.2"));
    euWatch.shareChanged(host("billing"), share("billing", "10.0.1.1"));
    euWatch.synced();

    // Both regions end with exactly eu's view: legacy is gone from us too (reconciled).
    Map<String, ClusterShare> expected = Map.of(host("greeter"), share("greeter", "10.0.0.2"),
        host("billing"), share("billing", "10.0.1.1"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(held.get("eu")).isEqualTo(expected));
    await().atMost(WAIT).untilAsserted(() -> assertThat(held.get("us")).isEqualTo(expected));
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(catalog(us).hostnames()).containsExactlyInAnyOrder(host("greeter"), host("billing")));

    // A later change flows to us through replication alone.
    euWatch.shareChanged(host("billing"), share("billing", "10.0.1.2"));
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(held.get("us")).containsEntry(host("billing"), share("billing", "10.0.1.2")));
    assertThat(status(us).detail()).contains("replica");

    // eu leaves: us takes the watch over again and relists.
    CompletableFutureHolder.terminate(eu);
    eu = null;
    FakeRegistry again = startedRegistry("us");
    await().atMost(WAIT).until(() -> status(us).watcher().equals("us"));
    again.listener.shareChanged(host("greeter"), share("greeter", "10.0.0.3"));
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(held.get("us")).containsEntry(host("greeter"), share("greeter", "10.0.0.3")));
  }

  @Test
  void a_region_started_before_the_home_region_holds_the_take_over_back_until_the_startup_grace_ends() {
    Duration grace = Duration.ofSeconds(15);
    us = region("us", grace);
    join(us, us);
    ensure(us);
    assertThat(status(us).watcher()).as("eu was never seen: us waits for it").isEqualTo("eu");
    // Past the usual take-over delay (3 s), us still has not started a watch of its own.
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
        .until(() -> !registries.containsKey("us"));
    assertThat(status(us).detail()).contains("replica");

    // eu never comes: once the grace is over, us takes the watch over.
    startedRegistry("us");
    await().atMost(WAIT).until(() -> status(us).watcher().equals("us"));
  }

  @Test
  void a_replica_watch_ignores_a_replica_older_than_the_last_it_accepted_from_that_region() {
    eu = region("eu");
    join(eu, eu);
    ensure(eu);
    startedRegistry("eu").listener.synced();
    us = region("us");
    join(us, eu);
    ensure(us);
    await().atMost(WAIT).until(() -> status(us).watcher().equals("eu"));
    long ignoredBefore = LateWrites.get(us.system()).replicas();

    // eu's watch moved (epoch 1000); its write 2 arrives first, then its earlier write 1.
    assertThat(replicate(us, share("fenced", "10.0.5.2"), new WriteFence(1000, 2)).isSuccess()).isTrue();
    assertThat(held.get("us")).containsEntry(host("fenced"), share("fenced", "10.0.5.2"));
    assertThat(replicate(us, share("fenced", "10.0.5.1"), new WriteFence(1000, 1)).isSuccess())
        .as("a late replica is acknowledged").isTrue();

    // A replica is answered once us's Service entity has it; the late one was answered without it.
    assertThat(held.get("us")).containsEntry(host("fenced"), share("fenced", "10.0.5.2"));
    assertThat(LateWrites.get(us.system()).replicas()).as("counted for /metrics").isEqualTo(ignoredBefore + 1);
    assertThat(replicate(us, share("fenced", "10.0.5.3"), new WriteFence(1000, 3)).isSuccess()).isTrue();
    assertThat(held.get("us")).as("a newer replica is still applied")
        .containsEntry(host("fenced"), share("fenced", "10.0.5.3"));
  }

  private static StatusReply<Done> replicate(ActorTestKit kit, ClusterShare share, WriteFence fence) {
    TestProbe<StatusReply<Done>> reply = kit.createTestProbe();
    ClusterSharding.get(kit.system()).entityRefFor(ClusterWatch.ENTITY_KEY, CLUSTER)
        .tell(new ClusterWatch.Replicate(host("fenced"), share, "eu", fence, reply.ref()));
    return reply.receiveMessage(Duration.ofSeconds(10));
  }

  /** Leaves the cluster and stops the system, waiting for both. */
  private static final class CompletableFutureHolder {
    static void terminate(ActorTestKit kit) {
      Cluster cluster = Cluster.get(kit.system());
      cluster.manager().tell(org.apache.pekko.cluster.typed.Leave.create(cluster.selfMember().address()));
      await().atMost(WAIT).until(() -> cluster.selfMember().status().equals(MemberStatus.removed())
          || kit.system().whenTerminated().isCompleted());
      ActorTestKit.shutdown(kit.system(), Duration.ofSeconds(60), true);
    }
  }
}
