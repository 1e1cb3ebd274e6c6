package io.meshplane.push;

import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.spec;
import static io.meshplane.model.TestServices.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.cluster.SingleNodeCluster;
import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.Mesh;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.service.ServiceEntity;
import io.meshplane.service.ServiceEntity.ServiceChanged;
import io.meshplane.xds.XdsConnection;
import io.meshplane.xds.XdsMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The push hub on a one-node cluster under manual time: changes come from a topic the test
 * publishes on, unknown services are fetched from a fake Service entity, and connections are
 * probes. The debounce timers only fire when the test moves the clock.
 */
class PushHubTest {

  private static final PushHub.Settings SETTINGS = new PushHub.Settings(Duration.ofMillis(100),
      Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofHours(1));
  private static final ServiceSpec GREETER = spec("greeter", "default");
  private static final ServiceSpec BILLING = spec("billing", "default");
  private static final ServiceSpec CATALOG = spec("catalog", "shop");
  private static final AtomicInteger TOPICS = new AtomicInteger();

  private static ActorTestKit testKit;
  private static ManualTime time;
  /** What the fake Service entities answer to Get; absent means a service nobody declared. */
  private static final Map<String, ServiceState> entityStates = new ConcurrentHashMap<>();
  /** Where the fake Service entities report each Get, by hostname; each test installs its own. */
  private static volatile ActorRef<String> getSink;
  /** Gets answered so far, by hostname. */
  private static final Map<String, Integer> answeredGets = new ConcurrentHashMap<>();
  /** Hostnames whose next Get goes unanswered, as if the entity's node were unreachable. */
  private static final Set<String> ignoreNextGet = ConcurrentHashMap.newKeySet();
  /** What the fake ClusterWatch entities answer to GetCatalog, by cluster id. */
  private static final Map<String, Set<String>> catalogs = new ConcurrentHashMap<>();

  private ActorRef<Topic.Command<ServiceChanged>> topic;
  private ActorRef<PushHub.Command> hub;
  private TestProbe<String> gets;

  private static Behavior<ServiceEntity.Command> fakeService(String hostname) {
    return Behaviors.receive(ServiceEntity.Command.class)
        .onMessage(ServiceEntity.Get.class, get -> {
          ActorRef<String> sink = getSink;
          if (sink != null) {
            sink.tell(hostname);
          }
          if (!ignoreNextGet.remove(hostname)) {
            answeredGets.merge(hostname, 1, Integer::sum);
            get.replyTo().tell(entityStates.getOrDefault(hostname, ServiceState.empty(hostname)));
          }
          return Behaviors.same();
        })
        .build();
  }

  private static Behavior<ClusterWatch.Command> fakeWatch(String clusterId) {
    return Behaviors.receive(ClusterWatch.Command.class)
        .onMessage(ClusterWatch.GetCatalog.class, get -> {
          get.replyTo().tell(new ClusterWatch.Catalog(clusterId, catalogs.getOrDefault(clusterId, Set.of())));
          return Behaviors.same();
        })
        .build();
  }

  /** Moves the manual clock in small steps until {@code done}; the cluster's own timers need it. */
  private static void advanceUntil(String what, BooleanSupplier done) {
    for (int i = 0; i < 150 && !done.getAsBoolean(); i++) {
      time.timePasses(Duration.ofMillis(200));
    }
    assertThat(done.getAsBoolean()).as(what).isTrue();
  }

  @BeforeAll
  static void startCluster() {
    // The heartbeat sender measures its own delay in real time; alone in its cluster it has no one to
    // heartbeat, so its ticks are moved out of the way instead of warning about manual time.
    testKit = ActorTestKit.create("PushHubTest", ConfigFactory.parseString(
            "pekko.cluster.failure-detector.heartbeat-interval = 1h")
        .withFallback(ManualTime.config()).withFallback(SingleNodeCluster.config()));
    time = ManualTime.get(testKit.system());
    SingleNodeCluster.join(testKit);
    advanceUntil("the node is Up", () -> SingleNodeCluster.isUp(testKit));
    ClusterSharding sharding = ClusterSharding.get(testKit.system());
    sharding.init(Entity.of(ServiceEntity.ENTITY_KEY, ctx -> fakeService(ctx.getEntityId())));
    CompletableFuture<ServiceState> warmUp = sharding
        .entityRefFor(ServiceEntity.ENTITY_KEY, "warm-up.default.svc.cluster.local")
        .<ServiceState>ask(ServiceEntity.Get::new, Duration.ofMinutes(1)).toCompletableFuture();
    advanceUntil("sharding answers", warmUp::isDone);
    sharding.init(Entity.of(ClusterWatch.ENTITY_KEY, ctx -> fakeWatch(ctx.getEntityId())));
    CompletableFuture<ClusterWatch.Catalog> catalogWarmUp = sharding
        .entityRefFor(ClusterWatch.ENTITY_KEY, "warm-up")
        .<ClusterWatch.Catalog>ask(ClusterWatch.GetCatalog::new, Duration.ofMinutes(1)).toCompletableFuture();
    advanceUntil("sharding answers catalogs", catalogWarmUp::isDone);
  }

  @AfterAll
  static void stopCluster() {
    // Leaving the cluster waits on cluster timers, which run only when the manual clock moves.
    CompletableFuture<?> terminated = testKit.system().getWhenTerminated().toCompletableFuture();
    testKit.system().terminate();
    advanceUntil("the system terminated", terminated::isDone);
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newHub() {
    entityStates.clear();
    answeredGets.clear();
    ignoreNextGet.clear();
    catalogs.clear();
    gets = testKit.createTestProbe(String.class);
    getSink = gets.ref();
    topic = testKit.spawn(Topic.create(ServiceChanged.class, "service-changes-" + TOPICS.incrementAndGet()));
    hub = startHub(Set.of());
  }

  private ActorRef<PushHub.Command> startHub(Set<String> memberClusters) {
    return startHub(memberClusters, SETTINGS);
  }

  private ActorRef<PushHub.Command> startHub(Set<String> memberClusters, PushHub.Settings settings) {
    hub = testKit.spawn(PushHub.create(settings, () -> memberClusters, topic, XdsMetrics.NOOP,
        Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC)));
    services(); // the hub has subscribed to the topic once it answers
    return hub;
  }

  private Map<String, ServiceState> services() {
    TestProbe<Map<String, ServiceState>> probe = testKit.createTestProbe();
    hub.tell(new PushHub.GetServices(probe.ref()));
    return probe.receiveMessage();
  }

  private TestProbe<XdsConnection.Command> connection() {
    return testKit.createTestProbe(XdsConnection.Command.class);
  }

  private void watch(ActorRef<XdsConnection.Command> connection, String... hostnames) {
    hub.tell(new PushHub.Watch(connection, Set.of(hostnames), false));
  }

  private static XdsConnection.ServicesUpdated next(TestProbe<XdsConnection.Command> connection) {
    return connection.expectMessageClass(XdsConnection.ServicesUpdated.class);
  }

  /** Watches services the Service entities hold at {@code states} and takes the fetch answers. */
  private void watchKnown(TestProbe<XdsConnection.Command> connection, ServiceState... states) {
    String[] hosts = new String[states.length];
    for (int i = 0; i < states.length; i++) {
      entityStates.put(states[i].hostname(), states[i]);
      hosts[i] = states[i].hostname();
    }
    watch(connection.ref(), hosts);
    for (int i = 0; i < states.length; i++) {
      next(connection);
    }
  }

  /** Publishes a change as a Service entity would and waits until the hub has taken it. */
  private void publish(ServiceState state) {
    topic.tell(Topic.publish(new ServiceChanged(state, 1_000 * state.version())));
    gets.awaitAssert(() -> assertThat(services().get(state.hostname())).isEqualTo(state));
  }

  private static long versionOf(XdsConnection.ServicesUpdated update, ServiceSpec spec) {
    return update.services().get(spec.hostname()).version();
  }

  @Test
  void a_watch_for_an_unknown_service_fetches_it_and_forwards_the_answer() {
    entityStates.put(CATALOG.hostname(), service(CATALOG, 5, "10.7.0.1"));
    TestProbe<XdsConnection.Command> conn = connection();

    watch(conn.ref(), CATALOG.hostname());

    gets.expectMessage(CATALOG.hostname());
    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(update.services()).containsOnlyKeys(CATALOG.hostname());
    assertThat(versionOf(update, CATALOG)).isEqualTo(5);
    assertThat(update.services().get(CATALOG.hostname()).state()).isEqualTo(service(CATALOG, 5, "10.7.0.1"));
    assertThat(update.trigger()).isEqualTo("fetch");

    TestProbe<XdsConnection.Command> second = connection();
    watch(second.ref(), CATALOG.hostname());

    XdsConnection.ServicesUpdated known = next(second);
    assertThat(versionOf(known, CATALOG)).as("answered from the hub's own copy").isEqualTo(5);
    assertThat(known.trigger()).isEqualTo("watch");
    gets.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void a_fetch_that_times_out_is_retried() {
    entityStates.put(CATALOG.hostname(), service(CATALOG, 3, "10.7.0.3"));
    ignoreNextGet.add(CATALOG.hostname());
    TestProbe<XdsConnection.Command> conn = connection();

    watch(conn.ref(), CATALOG.hostname());
    gets.expectMessage(CATALOG.hostname());
    conn.expectNoMessage(Duration.ofMillis(200));

    time.timePasses(SETTINGS.fetchTimeout());
    advanceUntil("the Get is sent again and answered", () -> answeredGets.getOrDefault(CATALOG.hostname(), 0) == 1);

    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(versionOf(update, CATALOG)).isEqualTo(3);
    gets.expectMessage(CATALOG.hostname());
  }

  @Test
  void no_more_reads_than_the_limit_are_in_flight_and_every_service_is_read_in_the_end() {
    PushHub.Settings twoAtATime = new PushHub.Settings(SETTINGS.quietWindow(), SETTINGS.maxDelay(),
        SETTINGS.fetchTimeout(), SETTINGS.firstRefresh(), SETTINGS.refresh(), 2);
    testKit.stop(hub);
    startHub(Set.of(), twoAtATime);
    List<ServiceSpec> specs = List.of(GREETER, BILLING, CATALOG, spec("ledger", "shop"));
    for (ServiceSpec spec : specs) {
      entityStates.put(spec.hostname(), service(spec, 1, "10.0.0.1"));
      // Each entity's first read goes unanswered, as if its node were slow to recover it.
      ignoreNextGet.add(spec.hostname());
    }
    TestProbe<XdsConnection.Command> conn = connection();

    watch(conn.ref(), specs.stream().map(ServiceSpec::hostname).toArray(String[]::new));

    Set<String> first = Set.of(gets.receiveMessage(), gets.receiveMessage());
    gets.expectNoMessage(Duration.ofMillis(300));

    time.timePasses(SETTINGS.fetchTimeout());
    Set<String> second = Set.of(gets.receiveMessage(), gets.receiveMessage());
    assertThat(second).as("the slots freed by two timeouts go to the two services not read yet")
        .doesNotContainAnyElementsOf(first);
    gets.expectNoMessage(Duration.ofMillis(300));

    advanceUntil("every service is read again and answered",
        () -> specs.stream().allMatch(s -> answeredGets.getOrDefault(s.hostname(), 0) >= 1));
    Set<String> received = new HashSet<>();
    for (int i = 0; i < specs.size(); i++) {
      received.addAll(next(conn).services().keySet());
    }
    assertThat(received).containsExactlyInAnyOrderElementsOf(
        specs.stream().map(ServiceSpec::hostname).toList());
  }

  @Test
  void a_wildcard_watch_waits_for_every_member_clusters_catalog() {
    entityStates.put(GREETER.hostname(), service(GREETER, 2, "10.0.0.2"));
    entityStates.put(BILLING.hostname(), service(BILLING, 7, "10.9.0.7"));
    catalogs.put("east", Set.of(GREETER.hostname()));
    catalogs.put("west", Set.of(GREETER.hostname(), BILLING.hostname()));
    TestProbe<XdsConnection.Command> wildcard = connection();
    startHub(Set.of("east", "west"));

    hub.tell(new PushHub.Watch(wildcard.ref(), Set.of(), true));

    List<XdsConnection.ServicesUpdated> updates = new ArrayList<>();
    wildcard.fishForMessage(Duration.ofSeconds(5), m -> {
      updates.add((XdsConnection.ServicesUpdated) m);
      return ((XdsConnection.ServicesUpdated) m).catalogComplete()
          ? FishingOutcomes.complete()
          : FishingOutcomes.continueAndIgnore();
    });
    XdsConnection.ServicesUpdated complete = updates.get(updates.size() - 1);
    assertThat(complete.services()).containsOnlyKeys(GREETER.hostname(), BILLING.hostname());
    assertThat(versionOf(complete, BILLING)).isEqualTo(7);
    assertThat(services()).containsOnlyKeys(GREETER.hostname(), BILLING.hostname());
  }

  @Test
  void changes_are_held_for_the_quiet_window_and_arrive_as_one_update_per_connection() {
    TestProbe<XdsConnection.Command> first = connection();
    TestProbe<XdsConnection.Command> second = connection();
    watchKnown(first, service(GREETER, 1, "10.0.0.1"));
    watchKnown(second, service(GREETER, 1, "10.0.0.1"));

    publish(service(GREETER, 2, "10.0.0.2"));
    time.timePasses(Duration.ofMillis(99));
    first.expectNoMessage(Duration.ofMillis(200));
    publish(service(GREETER, 3, "10.0.0.3"));
    time.timePasses(Duration.ofMillis(99));
    first.expectNoMessage(Duration.ofMillis(200));

    time.timePasses(Duration.ofMillis(2));

    for (TestProbe<XdsConnection.Command> conn : List.of(first, second)) {
      XdsConnection.ServicesUpdated update = next(conn);
      assertThat(update.services()).containsOnlyKeys(GREETER.hostname());
      assertThat(versionOf(update, GREETER)).isEqualTo(3);
      assertThat(update.trigger()).isEqualTo("service-change");
      assertThat(update.changedAtMillis()).as("the oldest change of the batch").isEqualTo(2_000);
      conn.expectNoMessage(Duration.ofMillis(200));
    }
  }

  @Test
  void changes_of_several_services_within_the_window_arrive_together() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"), service(BILLING, 1, "10.9.0.1"));

    publish(service(GREETER, 2, "10.0.0.2"));
    publish(service(BILLING, 4, "10.9.0.4"));
    time.timePasses(Duration.ofMillis(150));

    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(update.services()).containsOnlyKeys(GREETER.hostname(), BILLING.hostname());
    assertThat(versionOf(update, GREETER)).isEqualTo(2);
    assertThat(versionOf(update, BILLING)).isEqualTo(4);
    conn.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void continuous_changes_are_flushed_at_the_maximum_delay() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"));

    publish(service(GREETER, 2, "10.0.0.2"));
    for (int v = 3; v <= 8; v++) {
      time.timePasses(Duration.ofMillis(80));
      publish(service(GREETER, v, "10.0.0." + v));
    }
    conn.expectNoMessage(Duration.ofMillis(200));

    time.timePasses(Duration.ofMillis(30));

    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(versionOf(update, GREETER)).isEqualTo(8);
    conn.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void a_service_changed_once_is_not_held_back_by_another_that_keeps_changing() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"), service(BILLING, 1, "10.9.0.1"));

    publish(service(BILLING, 2, "10.9.0.2"));
    publish(service(GREETER, 2, "10.0.0.2"));
    time.timePasses(Duration.ofMillis(60));
    publish(service(GREETER, 3, "10.0.0.3"));
    conn.expectNoMessage(Duration.ofMillis(200));
    time.timePasses(Duration.ofMillis(50));

    // BILLING has been quiet for the window: it goes now, with what GREETER has so far.
    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(update.services()).containsOnlyKeys(GREETER.hostname(), BILLING.hostname());
    assertThat(versionOf(update, BILLING)).isEqualTo(2);
    assertThat(versionOf(update, GREETER)).isEqualTo(3);
    conn.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void a_connection_watching_one_service_does_not_receive_changes_of_another() {
    TestProbe<XdsConnection.Command> greeterWatcher = connection();
    TestProbe<XdsConnection.Command> billingWatcher = connection();
    watchKnown(greeterWatcher, service(GREETER, 1, "10.0.0.1"));
    watchKnown(billingWatcher, service(BILLING, 1, "10.9.0.1"));

    publish(service(BILLING, 2, "10.9.0.2"));
    time.timePasses(Duration.ofMillis(150));

    assertThat(next(billingWatcher).services()).containsOnlyKeys(BILLING.hostname());
    greeterWatcher.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void a_change_the_topic_did_not_deliver_is_pushed_at_the_next_refresh() {
    PushHub.Settings refreshing = new PushHub.Settings(SETTINGS.quietWindow(), SETTINGS.maxDelay(),
        SETTINGS.fetchTimeout(), Duration.ofSeconds(10), Duration.ofSeconds(10));
    testKit.stop(hub);
    startHub(Set.of(), refreshing);
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"));
    gets.expectMessage(GREETER.hostname());
    // The entity moves on, but its change never reaches this node's topic instance.
    entityStates.put(GREETER.hostname(), service(GREETER, 2, "10.0.0.2"));

    time.timePasses(refreshing.firstRefresh());
    gets.expectMessage(GREETER.hostname());
    advanceUntil("the refreshed state is held", () -> services().get(GREETER.hostname()).version() == 2);
    time.timePasses(SETTINGS.quietWindow());
    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(update.services()).containsOnlyKeys(GREETER.hostname());
    assertThat(update.services().get(GREETER.hostname()).state()).isEqualTo(service(GREETER, 2, "10.0.0.2"));

    time.timePasses(refreshing.refresh());
    gets.expectMessage(GREETER.hostname());
    time.timePasses(SETTINGS.maxDelay());
    conn.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void an_older_version_than_the_one_held_is_ignored() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 5, "10.0.0.5"));

    topic.tell(Topic.publish(new ServiceChanged(service(GREETER, 4, "10.0.0.4"), 4_000)));
    publish(service(BILLING, 1, "10.9.0.1")); // a marker: the older change was handled before it
    time.timePasses(Duration.ofMillis(150));

    assertThat(services().get(GREETER.hostname()).version()).isEqualTo(5);
    conn.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void a_wildcard_watch_gets_the_catalog_then_every_change() {
    TestProbe<XdsConnection.Command> named = connection();
    watchKnown(named, service(GREETER, 1, "10.0.0.1"));
    TestProbe<XdsConnection.Command> wildcard = connection();

    hub.tell(new PushHub.Watch(wildcard.ref(), Set.of(), true));

    XdsConnection.ServicesUpdated catalog = next(wildcard);
    assertThat(catalog.catalogComplete()).isTrue();
    assertThat(catalog.services()).containsOnlyKeys(GREETER.hostname());

    publish(service(BILLING, 1, "10.9.0.1"));
    time.timePasses(Duration.ofMillis(150));

    assertThat(next(wildcard).services()).containsOnlyKeys(BILLING.hostname());
    named.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void an_unwatched_connection_gets_no_more_changes() {
    TestProbe<XdsConnection.Command> leaving = connection();
    TestProbe<XdsConnection.Command> staying = connection();
    watchKnown(leaving, service(GREETER, 1, "10.0.0.1"));
    watchKnown(staying, service(GREETER, 1, "10.0.0.1"));

    hub.tell(new PushHub.Unwatch(leaving.ref()));
    publish(service(GREETER, 2, "10.0.0.2"));
    time.timePasses(Duration.ofMillis(150));

    assertThat(versionOf(next(staying), GREETER)).isEqualTo(2);
    leaving.expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void a_stopped_connection_is_forgotten() {
    List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    ActorRef<DeadLetter> recorder = testKit.spawn(Behaviors.receive(DeadLetter.class)
        .onMessage(DeadLetter.class, d -> {
          deadLetters.add(d);
          return Behaviors.same();
        }).build());
    Adapter.toClassic(testKit.system()).getEventStream().subscribe(Adapter.toClassic(recorder), DeadLetter.class);
    TestProbe<XdsConnection.Command> forwarded = connection();
    ActorRef<XdsConnection.Command> stopping = testKit.spawn(Behaviors.receive(XdsConnection.Command.class)
        .onAnyMessage(m -> {
          forwarded.ref().tell(m);
          return Behaviors.same();
        }).build());
    TestProbe<XdsConnection.Command> staying = connection();
    entityStates.put(GREETER.hostname(), service(GREETER, 1, "10.0.0.1"));
    watch(stopping, GREETER.hostname());
    next(forwarded);
    watchKnown(staying, service(GREETER, 1, "10.0.0.1"));

    testKit.stop(stopping);
    publish(service(GREETER, 2, "10.0.0.2"));
    time.timePasses(Duration.ofMillis(150));

    assertThat(versionOf(next(staying), GREETER)).isEqualTo(2);
    staying.expectNoMessage(Duration.ofMillis(300));
    assertThat(deadLetters).noneSatisfy(d -> assertThat(d.message()).isInstanceOf(XdsConnection.ServicesUpdated.class));
    Adapter.toClassic(testKit.system()).getEventStream().unsubscribe(Adapter.toClassic(recorder));
  }

  // ---- mesh changes ------------------------------------------------------------------------

  private static final MeshConfig SPLIT_CONFIG = new MeshConfig("mesh1",
      "cluster.local", Map.of("net-1", new MeshConfig.Network("net-1",
          List.of(new MeshConfig.Gateway("192.0.2.1", 15443)))), List.of("*"), List.of(), true);

  @Test
  void a_mesh_change_sends_every_connection_its_views_rebuilt_under_the_new_mesh() {
    TestProbe<XdsConnection.Command> named = connection();
    TestProbe<XdsConnection.Command> other = connection();
    watchKnown(named, service(GREETER, 1, "10.0.0.1"));
    watchKnown(other, service(BILLING, 4, "10.9.0.4"));

    hub.tell(new PushHub.MeshChanged(SPLIT_CONFIG, DiscoveredGateways.NONE));

    XdsConnection.ServicesUpdated update = next(named);
    assertThat(update.services()).containsOnlyKeys(GREETER.hostname());
    assertThat(update.trigger()).isEqualTo("mesh-change");
    ServiceView view = update.services().get(GREETER.hostname());
    assertThat(view.version()).isEqualTo(1);
    assertThat(view.mesh().networks().gateways("net-1")).hasSize(1);
    assertThat(next(other).services()).containsOnlyKeys(BILLING.hostname());
  }

  @Test
  void an_unchanged_mesh_sends_nothing_and_later_views_are_built_under_the_current_mesh() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"));
    DiscoveredGateways gateways = new DiscoveredGateways(
        Map.of("net-2", List.of(new MeshConfig.Gateway("192.0.2.2", 15443))));

    hub.tell(new PushHub.MeshChanged(SPLIT_CONFIG, gateways));
    next(conn);
    hub.tell(new PushHub.MeshChanged(SPLIT_CONFIG, gateways));
    conn.expectNoMessage(Duration.ofMillis(200));

    publish(service(GREETER, 2, "10.0.0.2"));
    time.timePasses(SETTINGS.quietWindow());
    ServiceView pushed = next(conn).services().get(GREETER.hostname());
    assertThat(pushed.version()).isEqualTo(2);
    assertThat(pushed.mesh()).isEqualTo(Mesh.of(SPLIT_CONFIG, gateways));
  }

  @Test
  void config_and_gateway_sources_each_replace_only_their_half_of_the_mesh() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"));
    DiscoveredGateways gateways = new DiscoveredGateways(
        Map.of("net-2", List.of(new MeshConfig.Gateway("192.0.2.2", 15443))));

    hub.tell(new PushHub.GatewaysChanged(gateways));
    assertThat(next(conn).services().get(GREETER.hostname()).mesh())
        .isEqualTo(Mesh.of(MeshConfig.DEFAULT, gateways));
    hub.tell(new PushHub.MeshConfigChanged(SPLIT_CONFIG));
    assertThat(next(conn).services().get(GREETER.hostname()).mesh()).isEqualTo(Mesh.of(SPLIT_CONFIG, gateways));
  }

  // ---- gateways derived from gateway Services ------------------------------------------------

  private static ServiceState gatewayService(long version, String... addresses) {
    ServiceSpec spec = new ServiceSpec("eastwest", "istio-system",
        List.of(new ServicePort("tls", 15443, 15443, "TCP")), List.of(),
        Optional.of(new ServiceGateway("net-2", List.of(addresses), 15443)));
    return state(spec.hostname(), version, share("west", spec));
  }

  @Test
  void a_gateway_service_change_is_a_mesh_change_for_every_connection() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"));
    hub.tell(new PushHub.MeshConfigChanged(SPLIT_CONFIG));
    next(conn);

    publish(gatewayService(1, "192.0.2.2"));

    XdsConnection.ServicesUpdated update = next(conn);
    assertThat(update.trigger()).isEqualTo("mesh-change");
    assertThat(update.services().get(GREETER.hostname()).mesh().networks().gateways("net-2"))
        .containsExactly(new MeshConfig.Gateway("192.0.2.2", 15443));

    publish(gatewayService(2));

    assertThat(next(conn).services().get(GREETER.hostname()).mesh().networks().gateways("net-2")).isEmpty();
  }

  @Test
  void derived_gateways_are_merged_with_announced_ones_and_survive_a_config_change() {
    TestProbe<XdsConnection.Command> conn = connection();
    watchKnown(conn, service(GREETER, 1, "10.0.0.1"));
    publish(gatewayService(1, "192.0.2.2"));
    next(conn);
    hub.tell(new PushHub.GatewaysChanged(new DiscoveredGateways(
        Map.of("net-2", List.of(new MeshConfig.Gateway("192.0.2.9", 15443))))));
    next(conn);

    hub.tell(new PushHub.MeshConfigChanged(SPLIT_CONFIG));

    assertThat(next(conn).services().get(GREETER.hostname()).mesh().networks().gateways("net-2")).containsExactly(
        new MeshConfig.Gateway("192.0.2.2", 15443), new MeshConfig.Gateway("192.0.2.9", 15443));
  }
}
