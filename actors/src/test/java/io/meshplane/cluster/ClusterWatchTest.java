package io.meshplane.cluster;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.endpoint;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.service.ServiceEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ClusterWatch on a one-node cluster, with a registry the test drives and a fake Service entity
 * (registered under {@link ServiceEntity#ENTITY_KEY}) that hands every write to the test, which
 * acknowledges or fails it.
 */
class ClusterWatchTest {

  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
  private static final ServiceSpec GREETER_SPEC = spec("greeter", "default");
  private static final ServiceSpec BILLING_SPEC = spec("billing", "default");
  private static final AtomicInteger CLUSTERS = new AtomicInteger();

  private static ActorTestKit testKit;
  /** Where the fake Service entities hand their writes; each test installs its own probe. */
  private static volatile ActorRef<Write> writeSink;

  /** One ReplaceShare that reached a Service entity. */
  record Write(String hostname, ServiceEntity.ReplaceShare command) {
    ClusterShare share() {
      return command.share();
    }

    void ack() {
      command.replyTo().tell(StatusReply.ack());
    }

    void fail(String why) {
      command.replyTo().tell(StatusReply.error(why));
    }
  }

  /** A registry whose listener the test holds. */
  static final class FakeRegistry implements MemberRegistry {
    final CompletableFuture<Listener> started = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    @Override
    public void start(Listener listener) {
      started.complete(listener);
    }

    @Override
    public void close() {
      closed.complete(null);
    }

    Listener listener() throws Exception {
      return started.get(10, TimeUnit.SECONDS);
    }
  }

  private final BlockingQueue<FakeRegistry> registries = new LinkedBlockingQueue<>();
  private final MemberRegistry.Factory factory = clusterId -> {
    FakeRegistry r = new FakeRegistry();
    registries.add(r);
    return r;
  };
  private TestProbe<Write> writes;
  private String clusterId;
  private ActorRef<ClusterWatch.Command> watch;

  private static Behavior<ServiceEntity.Command> fakeService(String hostname) {
    return Behaviors.receive(ServiceEntity.Command.class)
        .onMessage(ServiceEntity.ReplaceShare.class, cmd -> {
          writeSink.tell(new Write(hostname, cmd));
          return Behaviors.same();
        })
        .build();
  }

  @BeforeAll
  static void startCluster() {
    testKit = ActorTestKit.create("ClusterWatchTest", SingleNodeCluster.config());
    SingleNodeCluster.awaitUp(testKit);
    ClusterSharding.get(testKit.system())
        .init(Entity.of(ServiceEntity.ENTITY_KEY, ctx -> fakeService(ctx.getEntityId())));
  }

  @AfterAll
  static void stopCluster() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newWatch() {
    writes = testKit.createTestProbe(Write.class);
    writeSink = writes.ref();
    clusterId = "east-" + CLUSTERS.incrementAndGet();
    watch = start();
  }

  @AfterEach
  void stopWatch() {
    testKit.stop(watch);
  }

  private ActorRef<ClusterWatch.Command> start() {
    return testKit.spawn(ClusterWatch.create(clusterId, factory,
        PersistenceId.of(ClusterWatch.ENTITY_KEY.name(), clusterId)));
  }

  private MemberRegistry.Listener nextRegistry() throws Exception {
    FakeRegistry registry = registries.poll(10, TimeUnit.SECONDS);
    assertThat(registry).as("the watch started a registry").isNotNull();
    return registry.listener();
  }

  private ClusterShare greeterShare(String... addresses) {
    return share(clusterId, GREETER_SPEC, Arrays.stream(addresses)
        .map(a -> endpoint(clusterId, a, 9000)).toArray(Endpoint[]::new));
  }

  private Write nextWrite() {
    return writes.receiveMessage(WRITE_TIMEOUT);
  }

  /** The watch's persisted events but the {@link ClusterWatch.WatchStarted} of each incarnation. */
  private List<Object> journal() {
    return everyEvent().stream().filter(e -> e != ClusterWatch.WatchStarted.INSTANCE).toList();
  }

  private List<Object> everyEvent() {
    return PersistenceTestKit.create(testKit.system())
        .persistedInStorage(PersistenceId.of(ClusterWatch.ENTITY_KEY.name(), clusterId).id());
  }

  private ClusterWatch.Status status() {
    TestProbe<ClusterWatch.Status> probe = testKit.createTestProbe(ClusterWatch.Status.class);
    watch.tell(new ClusterWatch.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  private ClusterWatch.Catalog catalog() {
    TestProbe<ClusterWatch.Catalog> probe = testKit.createTestProbe(ClusterWatch.Catalog.class);
    watch.tell(new ClusterWatch.GetCatalog(probe.ref()));
    return probe.receiveMessage();
  }

  @Test
  void a_reported_share_reaches_the_service_entity() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();

    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));

    Write write = nextWrite();
    assertThat(write.hostname()).isEqualTo(GREETER);
    assertThat(write.share()).isEqualTo(greeterShare("10.0.0.1"));
    write.ack();
    assertThat(catalog().hostnames()).containsExactly(GREETER);
  }

  @Test
  void an_identical_second_report_sends_nothing() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));
    nextWrite().ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());

    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));
    ClusterShare marker = share(clusterId, BILLING_SPEC, endpoint(clusterId, "10.9.0.1", 9000));
    registry.shareChanged(BILLING_SPEC.hostname(), marker);

    Write next = nextWrite();
    assertThat(next.hostname()).as("only the marker is written").isEqualTo(BILLING_SPEC.hostname());
    assertThat(next.share()).isEqualTo(marker);
    next.ack();
    writes.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void a_share_of_another_cluster_is_dropped() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();

    registry.shareChanged(GREETER, share("west", GREETER_SPEC, endpoint("west", "10.1.0.1", 9000)));
    registry.shareChanged(BILLING_SPEC.hostname(), share(clusterId, BILLING_SPEC));

    Write next = nextWrite();
    assertThat(next.hostname()).isEqualTo(BILLING_SPEC.hostname());
    next.ack();
    assertThat(catalog().hostnames()).containsExactly(BILLING_SPEC.hostname());
  }

  @Test
  void a_failed_write_is_retried_until_acknowledged() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));

    nextWrite().fail("journal unavailable");
    writes.awaitAssert(() -> assertThat(status().pending()).isEqualTo(1));

    Write retry = nextWrite();
    assertThat(retry.hostname()).isEqualTo(GREETER);
    assertThat(retry.share()).isEqualTo(greeterShare("10.0.0.1"));
    retry.ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
    writes.expectNoMessage(Duration.ofMillis(1500));
  }

  @Test
  void an_unanswered_write_is_resent_when_a_member_is_removed_and_the_stale_answer_is_ignored()
      throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));
    Write lost = nextWrite();

    // The write went to a node that then died: its answer never comes before the ask times out.
    watch.tell(new ClusterWatch.MemberRemoved("pekko://ClusterWatchTest@127.0.0.1:1"));
    Write resent = writes.receiveMessage(ClusterWatch.ASK_TIMEOUT.minusMillis(500));
    assertThat(resent.share()).isEqualTo(greeterShare("10.0.0.1"));

    lost.fail("the node hosting the entity died");
    resent.ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
    // The stale failure scheduled no retry: nothing more is written.
    writes.expectNoMessage(ClusterWatch.RETRY_DELAY.plusMillis(500));
  }

  @Test
  void a_member_removed_with_nothing_in_flight_writes_nothing() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));
    nextWrite().ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());

    watch.tell(new ClusterWatch.MemberRemoved("pekko://ClusterWatchTest@127.0.0.1:1"));
    writes.expectNoMessage(ClusterWatch.RESEND_AFTER_REMOVAL.plusMillis(700));
  }

  @Test
  void a_share_changed_while_a_write_is_in_flight_is_written_after_the_ack() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));
    Write first = nextWrite();

    registry.shareChanged(GREETER, greeterShare("10.0.0.2"));
    writes.expectNoMessage(Duration.ofMillis(300));
    first.ack();

    Write second = nextWrite();
    assertThat(second.share()).isEqualTo(greeterShare("10.0.0.2"));
    second.ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
  }

  @Test
  void no_more_writes_than_the_limit_are_in_flight_and_each_answer_lets_the_next_one_go() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    int services = ClusterWatch.MAX_WRITES_IN_FLIGHT + 3;
    for (int i = 0; i < services; i++) {
      ServiceSpec spec = spec("svc-" + i, "default");
      registry.shareChanged(spec.hostname(), share(clusterId, spec, endpoint(clusterId, "10.0.0." + i, 9000)));
    }

    List<Write> inFlight = new ArrayList<>(
        writes.receiveSeveralMessages(ClusterWatch.MAX_WRITES_IN_FLIGHT, WRITE_TIMEOUT));
    writes.expectNoMessage(Duration.ofMillis(300));
    assertThat(status().pending()).isEqualTo(services);

    Set<String> written = new HashSet<>();
    inFlight.get(0).ack();
    Write next = nextWrite();
    writes.expectNoMessage(Duration.ofMillis(200));
    inFlight.add(next);
    for (int i = 1; i < inFlight.size(); i++) {
      inFlight.get(i).ack();
    }
    for (Write w : writes.receiveSeveralMessages(2, WRITE_TIMEOUT)) {
      inFlight.add(w);
      w.ack();
    }
    inFlight.forEach(w -> written.add(w.hostname()));
    assertThat(written).as("every service written exactly once").hasSize(services);
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
    writes.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void after_the_first_listing_a_tracked_service_not_reported_is_removed() throws Exception {
    MemberRegistry.Listener first = nextRegistry();
    first.shareChanged(GREETER, greeterShare("10.0.0.1"));
    first.shareChanged(BILLING_SPEC.hostname(), share(clusterId, BILLING_SPEC));
    for (Write w : writes.receiveSeveralMessages(2, WRITE_TIMEOUT)) {
      w.ack();
    }
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
    assertThat(journal()).containsExactlyInAnyOrder(new ClusterWatch.ServiceTracked(GREETER),
        new ClusterWatch.ServiceTracked(BILLING_SPEC.hostname()));

    // The watch moves: a new incarnation recovers what it tracked and lists the cluster again.
    testKit.stop(watch);
    watch = start();
    MemberRegistry.Listener second = nextRegistry();
    second.shareChanged(BILLING_SPEC.hostname(), share(clusterId, BILLING_SPEC));
    Write billing = nextWrite();
    assertThat(billing.hostname()).isEqualTo(BILLING_SPEC.hostname());
    billing.ack();
    writes.expectNoMessage(Duration.ofMillis(300));

    second.synced();

    Write removal = nextWrite();
    assertThat(removal.hostname()).isEqualTo(GREETER);
    assertThat(removal.share()).isEqualTo(new ClusterShare(clusterId, Optional.empty(), List.of()));
    removal.ack();
    writes.awaitAssert(() -> {
      assertThat(catalog().hostnames()).containsExactly(BILLING_SPEC.hostname());
      assertThat(status().synced()).isTrue();
      assertThat(status().pending()).isZero();
      assertThat(journal()).endsWith(new ClusterWatch.ServiceUntracked(GREETER));
      return null;
    });

    // Untracking was persisted: a third incarnation has nothing to remove.
    testKit.stop(watch);
    watch = start();
    MemberRegistry.Listener third = nextRegistry();
    third.shareChanged(BILLING_SPEC.hostname(), share(clusterId, BILLING_SPEC));
    nextWrite().ack();
    third.synced();
    writes.expectNoMessage(Duration.ofMillis(500));
  }

  @Test
  void each_incarnation_fences_its_writes_above_every_earlier_incarnations() throws Exception {
    MemberRegistry.Listener first = nextRegistry();
    first.shareChanged(GREETER, greeterShare("10.0.0.1"));
    Write unanswered = nextWrite();
    first.shareChanged(BILLING_SPEC.hostname(), share(clusterId, BILLING_SPEC));
    Write billing = nextWrite();
    assertThat(unanswered.command().fence().isNone()).isFalse();
    assertThat(billing.command().fence().epoch()).isEqualTo(unanswered.command().fence().epoch());
    assertThat(billing.command().fence()).isGreaterThan(unanswered.command().fence());

    // The watch moves with the greeter write unanswered (its message may still be on its way).
    testKit.stop(watch);
    watch = start();
    MemberRegistry.Listener second = nextRegistry();
    second.shareChanged(GREETER, greeterShare("10.0.0.2"));
    Write newer = nextWrite();

    assertThat(newer.command().fence().epoch())
        .as("the new incarnation's epoch is above the old one's")
        .isGreaterThan(unanswered.command().fence().epoch());
    assertThat(newer.command().fence()).isGreaterThan(billing.command().fence());
    assertThat(everyEvent().stream().filter(e -> e == ClusterWatch.WatchStarted.INSTANCE))
        .as("one WatchStarted per incarnation").hasSize(2);

    // A real Service entity gets the new incarnation's write first and the old one's last.
    ActorRef<ServiceEntity.Command> entity = testKit.spawn(ServiceEntity.create(GREETER,
        PersistenceId.of(ServiceEntity.ENTITY_KEY.name(), GREETER + "-" + clusterId),
        testKit.spawn(org.apache.pekko.actor.typed.pubsub.Topic.create(ServiceEntity.ServiceChanged.class,
            "changes-" + clusterId)), Clock.systemUTC()));
    TestProbe<StatusReply<Done>> acks = testKit.createTestProbe();
    entity.tell(new ServiceEntity.ReplaceShare(newer.share(), newer.command().fence(), acks.ref()));
    entity.tell(new ServiceEntity.ReplaceShare(unanswered.share(), unanswered.command().fence(), acks.ref()));
    assertThat(acks.receiveSeveralMessages(2)).allMatch(StatusReply::isSuccess);
    TestProbe<ServiceState> states = testKit.createTestProbe();
    entity.tell(new ServiceEntity.Get(states.ref()));
    assertThat(states.receiveMessage().share(clusterId)).as("the late write did not replace the newer")
        .isEqualTo(greeterShare("10.0.0.2"));

    newer.ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
  }

  @Test
  void stopping_the_watch_closes_its_registry() throws Exception {
    FakeRegistry registry = registries.poll(10, TimeUnit.SECONDS);
    assertThat(registry).isNotNull();
    registry.listener();

    testKit.stop(watch);

    registry.closed.get(5, TimeUnit.SECONDS);
    watch = start();
  }

  @Test
  void status_reflects_connectivity_and_pending_writes() throws Exception {
    MemberRegistry.Listener registry = nextRegistry();
    ClusterWatch.Status initial = status();
    assertThat(initial.clusterId()).isEqualTo(clusterId);
    assertThat(initial.connected()).isFalse();
    assertThat(initial.synced()).isFalse();
    assertThat(initial.services()).isZero();
    assertThat(initial.pending()).isZero();

    registry.connectivityChanged(true, "API server 1.31 reachable");
    registry.shareChanged(GREETER, greeterShare("10.0.0.1"));
    Write write = nextWrite();

    ClusterWatch.Status writing = status();
    assertThat(writing.connected()).isTrue();
    assertThat(writing.detail()).isEqualTo("API server 1.31 reachable");
    assertThat(writing.services()).isEqualTo(1);
    assertThat(writing.pending()).isEqualTo(1);

    write.ack();
    registry.connectivityChanged(false, "connection refused");
    registry.synced();

    writes.awaitAssert(() -> {
      ClusterWatch.Status after = status();
      assertThat(after.connected()).isFalse();
      assertThat(after.detail()).isEqualTo("connection refused");
      assertThat(after.synced()).isTrue();
      assertThat(after.services()).isEqualTo(1);
      assertThat(after.pending()).isZero();
      return null;
    });
  }

  @Test
  void a_forgotten_cluster_has_its_registry_closed_and_every_share_removed() throws Exception {
    FakeRegistry registry = registries.poll(10, TimeUnit.SECONDS);
    assertThat(registry).isNotNull();
    registry.listener().shareChanged(GREETER, greeterShare("10.0.0.1"));
    nextWrite().ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());

    watch.tell(ClusterWatch.Forget.INSTANCE);

    registry.closed.get(5, TimeUnit.SECONDS);
    Write removal = nextWrite();
    assertThat(removal.hostname()).isEqualTo(GREETER);
    assertThat(removal.share()).isEqualTo(new ClusterShare(clusterId, Optional.empty(), List.of()));
    // A late report of the closed registry changes nothing.
    registry.listener().shareChanged(GREETER, greeterShare("10.0.0.9"));
    removal.ack();
    writes.awaitAssert(() -> {
      assertThat(journal()).containsExactly(new ClusterWatch.ServiceTracked(GREETER),
          ClusterWatch.WatchForgotten.INSTANCE, new ClusterWatch.ServiceUntracked(GREETER));
      assertThat(catalog().hostnames()).isEmpty();
      assertThat(status().connected()).isFalse();
      assertThat(status().detail()).contains("no longer a member");
      return null;
    });
    writes.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void a_forgotten_watch_restarted_resumes_the_removal_and_watches_again_only_when_ensured()
      throws Exception {
    MemberRegistry.Listener first = nextRegistry();
    first.shareChanged(GREETER, greeterShare("10.0.0.1"));
    nextWrite().ack();
    writes.awaitAssert(() -> assertThat(status().pending()).isZero());
    watch.tell(ClusterWatch.Forget.INSTANCE);
    nextWrite();
    // The node dies before the removal is acknowledged; the watch restarts elsewhere.
    testKit.stop(watch);
    watch = start();

    Write resumed = nextWrite();
    assertThat(resumed.share()).isEqualTo(new ClusterShare(clusterId, Optional.empty(), List.of()));
    resumed.ack();
    writes.awaitAssert(() -> {
      assertThat(catalog().hostnames()).isEmpty();
      return null;
    });
    assertThat(registries).as("a forgotten watch starts no registry").isEmpty();

    // The cluster's secret is back: nodes ensure its watch again.
    watch.tell(ClusterWatch.Ensure.INSTANCE);
    MemberRegistry.Listener again = nextRegistry();
    again.shareChanged(GREETER, greeterShare("10.0.0.2"));
    Write write = nextWrite();
    assertThat(write.share()).isEqualTo(greeterShare("10.0.0.2"));
    write.ack();
    writes.awaitAssert(() -> assertThat(journal()).endsWith(ClusterWatch.WatchResumed.INSTANCE,
        new ClusterWatch.ServiceTracked(GREETER)));
  }

  @Test
  void status_says_since_when_the_api_server_is_unreachable() throws Exception {
    testKit.stop(watch);
    AtomicLong now = new AtomicLong(1_000);
    Clock clock = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(now.get());
      }
    };
    registries.clear();
    watch = testKit.spawn(ClusterWatch.create(clusterId, factory,
        PersistenceId.of(ClusterWatch.ENTITY_KEY.name(), clusterId), clock));
    MemberRegistry.Listener registry = nextRegistry();
    assertThat(status().sinceMillis()).isEqualTo(1_000);

    now.set(2_000);
    registry.connectivityChanged(true, "reachable");
    writes.awaitAssert(() -> assertThat(status().sinceMillis()).isEqualTo(2_000));
    now.set(3_000);
    registry.connectivityChanged(false, "connection refused");
    writes.awaitAssert(() -> assertThat(status().detail()).isEqualTo("connection refused"));
    now.set(4_000);
    registry.connectivityChanged(false, "connection refused again");

    writes.awaitAssert(() -> {
      ClusterWatch.Status s = status();
      assertThat(s.connected()).isFalse();
      assertThat(s.detail()).isEqualTo("connection refused again");
      assertThat(s.sinceMillis()).as("unreachable since the first failure").isEqualTo(3_000);
      return null;
    });
  }
}
