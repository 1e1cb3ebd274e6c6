package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshplane.front.TcpFront;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.ServiceState;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.testing.AdminPages;
import io.meshplane.testing.Blackhole;
import io.meshplane.testing.Closer;
import io.meshplane.testing.EdsStream;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.ServiceStates;
import io.meshplane.testing.TcpLink;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.Timeline;
import io.meshplane.testing.XdsClients;
import io.meshplane.xds.generator.ResourceNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A partition between two regions: {@code eu} and {@code us}, one control-plane node each (in this
 * JVM, so that Artery can be blackholed between them) and a Cassandra data center each (child
 * JVMs); member cluster {@code east} is homed in eu, {@code west} and {@code north} in us (fabric8
 * mock API servers, joined through remote secrets in each region's own config cluster). eu's client is grpc-java's xDS client making real RPCs through
 * eu's stable address; us's is a raw ADS stream reading the greeter's EDS through us's.
 *
 * <p>The partition cuts both ways between the regions: Artery is blackholed, and Cassandra's
 * storage (inter-node) traffic is cut. No firewall can be had here, so each Cassandra node
 * advertises a broadcast address on another loopback IP (eu 127.0.0.3, us 127.0.0.4) where a
 * {@link TcpLink} forwards to its real listen address; cutting the links closes every storage
 * connection and refuses new ones. A probe row written in each data center during the cut shows
 * that it really is cut (it does not reach the other one until healed).
 *
 * <p>While cut, each region takes the other's member clusters over (per the merge rule both watch
 * east and west, each writing only its own state); endpoint changes in both clusters reach both
 * clients; the streams stay up and no RPC fails. eu is cut off from north's API server too, so
 * the sides diverge there: eu keeps serving north's last known endpoints, us the new ones. After
 * healing, the watches go back home, both regions' Service entities hold the same shares, equal to
 * the API servers' (eu's north state replicated from us, as eu still cannot reach north), and a
 * change after healing reaches both. Prints the timeline.
 */
class RegionPartitionIT {

  static final String NS = "meshplane-system";
  static final String APPS = "default";
  static final String NETWORK = "network-1";
  static final String GREETER = "greeter.default.svc.cluster.local";
  static final String LEGACY = "legacy.default.svc.cluster.local";
  static final String ORDERS = "orders.default.svc.cluster.local";
  static final String INVENTORY = "inventory.default.svc.cluster.local";
  static final Set<String> HOSTNAMES = Set.of(GREETER, LEGACY, ORDERS, INVENTORY);
  static final int SERVICE_PORT = 50051;
  static final int OTHER_PORT = 8080;
  static final String EDS_NAME = ResourceNames.clusterLoadAssignment(GREETER, SERVICE_PORT);
  static final String E1 = "127.0.0.71";
  static final String E2 = "127.0.0.72";
  static final String E3 = "127.0.0.73";
  static final String W1 = "127.0.0.81";
  static final String W2 = "127.0.0.82";
  static final String EU_BROADCAST = "127.0.0.3";
  static final String US_BROADCAST = "127.0.0.4";
  static final String EU_PROXY = "proxyless~10.1.0.9~client.default~default.svc";
  static final String US_PROXY = "sidecar~10.2.0.8~client-us.default~default.svc";
  static final Duration DEADLINE = Duration.ofSeconds(60);
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

  private final Closer closer = new Closer();

  @AfterEach
  void stop() {
    closer.close();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    return closer.keep(resource);
  }

  @Test
  void both_regions_serve_their_proxies_through_a_partition_and_converge_on_the_api_servers_after_it_heals()
      throws Exception {
    Path dir = TestDirs.fresh("region-partition");
    ActorSystem<Void> links = ActorSystem.create(Behaviors.empty(), "links");
    closer.keep(links::terminate);

    // ---- Cassandra: a data center per region, storage traffic through links the test can cut ----
    int euStorage = Ports.free();
    int usStorage = Ports.free();
    TcpLink euLink = keep(TcpLink.start(links, new InetSocketAddress(EU_BROADCAST, euStorage),
        new InetSocketAddress("127.0.0.1", euStorage)));
    TcpLink usLink = keep(TcpLink.start(links, new InetSocketAddress(US_BROADCAST, usStorage),
        new InetSocketAddress("127.0.0.2", usStorage)));
    LocalCassandra euDb = closer.keepKilled(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-eu"))
        .withPorts(Ports.free(), euStorage).withDatacenter("eu").withBroadcastHost(EU_BROADCAST)));
    LocalCassandra usDb = closer.keepKilled(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-us"))
        .withHost("127.0.0.2").withPorts(Ports.free(), usStorage).withDatacenter("us")
        .withBroadcastHost(US_BROADCAST).withSeeds(List.of(euDb.seed()))));
    assertThat(euLink.accepted()).as("storage connections to eu through its link").isPositive();
    assertThat(usLink.accepted()).as("storage connections to us through its link").isPositive();
    CqlSession euCql = keep(session(euDb));
    CqlSession usCql = keep(session(usDb));
    euCql.execute("CREATE KEYSPACE IF NOT EXISTS partition_probe WITH replication = "
        + "{'class': 'NetworkTopologyStrategy', 'eu': 1, 'us': 1}");
    euCql.execute("CREATE TABLE IF NOT EXISTS partition_probe.marks (id text PRIMARY KEY, at bigint)");
    write(euCql, "before");
    Awaitility.await("a probe row written in eu, read in us").atMost(DEADLINE).ignoreExceptions()
        .until(() -> present(usCql, "before"));

    // ---- member clusters, homed in both regions; each region has its own config cluster ----
    MockCluster euConfig = keep(MockCluster.start(0));
    euConfig.namespace(NS);
    MockCluster usConfig = keep(MockCluster.start(0));
    usConfig.namespace(NS);
    Greeters greeters = keep(Greeters.start(Ports.free(), List.of(E1, E2, E3, W1, W2)));
    MockCluster east = keep(MockCluster.start(0));
    east.namespace(APPS);
    east.service(APPS, "greeter", SERVICE_PORT, greeters.port());
    east.endpoints(APPS, "greeter", greeters.port(), List.of(E1, E2));
    east.service(APPS, "legacy", OTHER_PORT, OTHER_PORT);
    east.endpoints(APPS, "legacy", OTHER_PORT, List.of("10.9.0.1"));
    MockCluster west = keep(MockCluster.start(0));
    west.namespace(APPS);
    west.service(APPS, "greeter", SERVICE_PORT, greeters.port());
    west.endpoints(APPS, "greeter", greeters.port(), List.of(W1));
    // north is homed in us; eu reaches its API server through a link that is cut with the partition.
    MockCluster north = keep(MockCluster.start(0));
    north.namespace(APPS);
    north.service(APPS, "inventory", OTHER_PORT, OTHER_PORT);
    north.endpoints(APPS, "inventory", OTHER_PORT, List.of("10.9.2.1"));
    TcpLink northFromEu = keep(TcpLink.start(links, new InetSocketAddress("127.0.0.1", Ports.free()),
        new InetSocketAddress("127.0.0.1", north.port())));
    for (MockCluster config : List.of(euConfig, usConfig)) {
      config.remoteSecret(NS, "east", NETWORK, "eu", east);
      config.remoteSecret(NS, "west", NETWORK, "us", west);
    }
    euConfig.remoteSecret(NS, "north", NETWORK, "us", MockCluster.kubeconfigAt(northFromEu.port()));
    usConfig.remoteSecret(NS, "north", NETWORK, "us", north);
    Map<String, MockCluster> members = Map.of("east", east, "west", west, "north", north);
    Map<String, MockCluster> bothReach = Map.of("east", east, "west", west);

    // ---- one control-plane node per region, in this JVM ----
    int euRemoting = Ports.free();
    ControlPlaneNode eu = keep(InProcessNode.start(euDb, euConfig.writeKubeconfig(dir.resolve("eu-kubeconfig")),
        euRemoting, List.of(), region("eu")));
    ControlPlaneNode us = keep(InProcessNode.start(usDb, usConfig.writeKubeconfig(dir.resolve("us-kubeconfig")),
        Ports.free(),
        List.of("pekko://meshplane@127.0.0.1:" + euRemoting), region("us")));
    TcpFront euFront = keep(TcpFront.start(links, List.of(xds(eu)), List.of(xds(us)), 0));
    TcpFront usFront = keep(TcpFront.start(links, List.of(xds(us)), List.of(xds(eu)), 0));
    Map<String, String> home = Map.of("east", "eu", "west", "us", "north", "us");
    awaitWatchers(eu, home, "at start");
    awaitWatchers(us, home, "at start");

    XdsClients.bootstrap(dir.resolve("bootstrap.json"), euFront.port(), EU_PROXY,
        Map.of("NAMESPACE", APPS, "CLUSTER_ID", "east", "NETWORK", NETWORK, "PROXY_KIND", "proxyless"));
    ManagedChannel euClient = XdsClients.channel(GREETER + ":" + SERVICE_PORT);
    closer.keep(() -> XdsClients.shutdown(euClient));
    ManagedChannel usAds = ManagedChannelBuilder.forAddress("127.0.0.1", usFront.port()).usePlaintext().build();
    closer.keep(() -> {
      usAds.shutdownNow();
      usAds.awaitTermination(5, TimeUnit.SECONDS);
    });
    EdsStream usClient = keep(EdsStream.open(usAds, EdsStream.node(US_PROXY,
        Map.of("NAMESPACE", APPS, "CLUSTER_ID", "west", "NETWORK", NETWORK, "PROXY_KIND", "sidecar")), EDS_NAME));

    Set<String> greeterTruth = Set.of(E1, E2, W1);
    Greeters.awaitOnly(euClient, greeterTruth, DEADLINE);
    usClient.awaitEndpoints(greeters.socketAddresses(greeterTruth), DEADLINE);
    awaitTruth(eu, members, "eu at start");
    awaitTruth(us, members, "us at start");
    Set<String> euStreams = streams(eu, EU_PROXY);
    Set<String> usStreams = streams(us, US_PROXY);
    assertThat(euStreams).as("eu client's streams").isNotEmpty();
    assertThat(usStreams).as("us client's streams").isNotEmpty();

    // eu's client calls the greeter all along: through the partition and the healing.
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<String> lastFailure = new AtomicReference<>("");
    ScheduledExecutorService caller = Executors.newSingleThreadScheduledExecutor();
    closer.keep(caller::shutdownNow);
    caller.scheduleWithFixedDelay(() -> {
      try {
        Greeters.call(euClient, 5);
        calls.incrementAndGet();
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        lastFailure.set(e.toString());
      }
    }, 0, 20, TimeUnit.MILLISECONDS);

    // ---- the partition ----
    Timeline t = keep(new Timeline());
    int euDownLines = logLines(euDb, US_BROADCAST + ":" + usStorage + " is now DOWN");
    int usDownLines = logLines(usDb, EU_BROADCAST + ":" + euStorage + " is now DOWN");
    Blackhole.cut(eu.system(), us.system());
    euLink.cut();
    usLink.cut();
    northFromEu.cut();
    String cut = "cut: Artery blackholed between eu and us, Cassandra storage links closed, eu cut off north's"
        + " API server";
    t.mark(cut);
    t.step("eu sees us unreachable", cut, () -> unreachable(eu, "us"));
    t.step("us sees eu unreachable", cut, () -> unreachable(us, "eu"));
    t.step("eu's Cassandra marks us DOWN", cut,
        () -> logLines(euDb, US_BROADCAST + ":" + usStorage + " is now DOWN") > euDownLines);
    t.step("us's Cassandra marks eu DOWN", cut,
        () -> logLines(usDb, EU_BROADCAST + ":" + euStorage + " is now DOWN") > usDownLines);
    t.step("eu takes west over", cut, () -> watcher(eu, "west").equals(Optional.of("eu")));
    t.step("us takes east over", cut, () -> watcher(us, "east").equals(Optional.of("us")));
    t.step("eu takes north over (its API server out of eu's reach)", cut,
        () -> watcher(eu, "north").equals(Optional.of("eu")));

    // Changes in both member clusters right after the cut: each side learns them from the API
    // servers it can reach, once it watches them.
    east.endpoints(APPS, "greeter", greeters.port(), List.of(E1, E3));
    east.deleteService(APPS, "legacy");
    east.deleteEndpoints(APPS, "legacy");
    west.endpoints(APPS, "greeter", greeters.port(), List.of(W1, W2));
    west.service(APPS, "orders", OTHER_PORT, OTHER_PORT);
    west.endpoints(APPS, "orders", OTHER_PORT, List.of("10.9.1.1"));
    north.endpoints(APPS, "inventory", OTHER_PORT, List.of("10.9.2.2"));
    String changed = "changed while cut: east greeter E1,E2 -> E1,E3 and legacy deleted; "
        + "west greeter W1 -> W1,W2 and orders created; north inventory 10.9.2.1 -> 10.9.2.2";
    t.mark(changed);
    Set<String> cutTruth = Set.of(E1, E3, W1, W2);
    t.step("eu's state equals east's and west's API servers (while cut)", changed,
        () -> holdsTruth(eu, bothReach));
    t.step("us's state equals all three API servers (while cut)", changed, () -> holdsTruth(us, members));
    awaitClients(t, euClient, usClient, greeters, cutTruth, "while cut");
    for (String step : List.of("eu takes west over", "us takes east over", "eu takes north over (its API server"
        + " out of eu's reach)", "eu's state equals east's and west's API servers (while cut)", "us's state equals"
        + " all three API servers (while cut)", "eu's Cassandra marks us DOWN", "us's Cassandra marks eu DOWN")) {
      t.await(step, DEADLINE);
    }
    // The sides diverge where they see different sources: eu still serves north's last known endpoints.
    assertThat(held(eu).get(INVENTORY)).as("eu's north inventory while cut off from north")
        .isEqualTo(Map.of("north", Set.of("10.9.2.1")));
    assertThat(held(us).get(INVENTORY)).as("us's north inventory").isEqualTo(Map.of("north", Set.of("10.9.2.2")));
    // Cassandra is cut too: a row written in one data center stays out of the other.
    write(euCql, "eu-during-cut");
    write(usCql, "us-during-cut");
    Awaitility.await("probe rows written while cut stay in their own data center")
        .during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> !present(usCql, "eu-during-cut") && !present(euCql, "us-during-cut"));
    assertThat(present(euCql, "eu-during-cut") && present(usCql, "us-during-cut"))
        .as("each probe row in its own data center").isTrue();
    assertThat(usClient.isOpen()).as("us client's stream open while cut").isTrue();

    // ---- heal ----
    int euUpLines = logLines(euDb, US_BROADCAST + ":" + usStorage + " is now UP");
    int usUpLines = logLines(usDb, EU_BROADCAST + ":" + euStorage + " is now UP");
    euLink.heal();
    usLink.heal();
    Blackhole.heal(eu.system(), us.system());
    String healed = "healed: Artery and Cassandra storage links carry traffic again";
    t.mark(healed);
    t.step("eu sees us reachable again", healed, () -> !unreachable(eu, "us"));
    t.step("us sees eu reachable again", healed, () -> !unreachable(us, "eu"));
    t.step("eu's Cassandra marks us UP", healed,
        () -> logLines(euDb, US_BROADCAST + ":" + usStorage + " is now UP") > euUpLines);
    t.step("us's Cassandra marks eu UP", healed,
        () -> logLines(usDb, EU_BROADCAST + ":" + euStorage + " is now UP") > usUpLines);
    t.step("Cassandra: probe rows written while cut reached the other data center", healed,
        () -> present(usCql, "eu-during-cut") && present(euCql, "us-during-cut"));
    t.step("west's watch back in us (eu hands it back)", healed, () -> watcher(eu, "west").equals(Optional.of("us")));
    t.step("east's watch back in eu (us hands it back)", healed, () -> watcher(us, "east").equals(Optional.of("eu")));
    t.step("north's watch back in us (eu hands it back)", healed,
        () -> watcher(eu, "north").equals(Optional.of("us")));
    // eu stays cut off from north's API server: its north state can only come from us's replication.
    String converged = "both regions' Service entities hold the same shares, equal to the API servers'"
        + " (eu's north inventory replicated from us)";
    t.step(converged, healed, () -> holdsTruth(eu, members) && holdsTruth(us, members) && sameShares(eu, us));
    for (String step : List.of("west's watch back in us (eu hands it back)", "east's watch back in eu (us hands it"
        + " back)", "north's watch back in us (eu hands it back)", converged, "Cassandra: probe rows written while cut reached the other data center")) {
      t.await(step, DEADLINE);
    }
    awaitWatchers(eu, home, "after healing");
    awaitWatchers(us, home, "after healing");

    // ---- a change after healing reaches both ----
    east.endpoints(APPS, "greeter", greeters.port(), List.of(E2, E3));
    west.endpoints(APPS, "greeter", greeters.port(), List.of(W2));
    north.endpoints(APPS, "inventory", OTHER_PORT, List.of("10.9.2.3"));
    String later = "changed after healing: east greeter -> E2,E3, west greeter -> W2, north inventory -> 10.9.2.3";
    t.mark(later);
    Set<String> finalTruth = Set.of(E2, E3, W2);
    awaitClients(t, euClient, usClient, greeters, finalTruth, "after healing");
    String convergedLater = "after the later change: both regions equal the API servers and each other";
    t.step(convergedLater, later, () -> holdsTruth(eu, members) && holdsTruth(us, members) && sameShares(eu, us));
    t.await(convergedLater, DEADLINE);
    caller.shutdown();
    assertThat(caller.awaitTermination(10, TimeUnit.SECONDS)).as("eu's caller stopped").isTrue();
    t.print("[partition]");
    System.out.printf("[partition] eu's client: %d RPCs, %d failed%s%n", calls.get(), failures.get(),
        failures.get() == 0 ? "" : " (last: " + lastFailure.get() + ")");

    // Both sides kept serving their proxies on the streams they had before the partition.
    assertThat(failures.get()).as("failed RPCs of eu's client through the partition; last: " + lastFailure.get())
        .isZero();
    assertThat(calls.get()).as("RPCs of eu's client").isPositive();
    assertThat(usClient.isOpen()).as("us client's stream still open").isTrue();
    assertThat(streams(eu, EU_PROXY)).as("eu client's xDS streams after healing").isEqualTo(euStreams);
    assertThat(streams(us, US_PROXY)).as("us client's xDS streams after healing").isEqualTo(usStreams);
    assertThat(AdminPages.endpoints(AdminPages.get(eu.adminPort(), "/debug/services")).get(GREETER))
        .as("eu's served greeter").isEqualTo(AdminPages.endpoints(AdminPages.get(us.adminPort(), "/debug/services"))
            .get(GREETER));
  }

  /**
   * Waits until eu's client is answered by exactly {@code truth} and us's client's EDS view is
   * exactly {@code truth}, both watched at once; marks each on the timeline.
   */
  private static void awaitClients(Timeline t, ManagedChannel euClient, EdsStream usClient, Greeters greeters,
      Set<String> truth, String when) {
    String names = String.join(",", new TreeSet<>(truth));
    CompletableFuture<Void> euSees = CompletableFuture.runAsync(() -> {
      Greeters.awaitOnly(euClient, truth, DEADLINE);
      t.mark("eu's client answered by exactly " + names + " (" + when + ")");
    });
    usClient.awaitEndpoints(greeters.socketAddresses(truth), DEADLINE);
    t.mark("us's client sees exactly " + names + " (" + when + ")");
    euSees.join();
  }

  private static Config region(String name) {
    return Blackhole.TEST_MODE.withFallback(ConfigFactory.parseMap(Map.of(
        "meshplane.regions", List.of("eu", "us"),
        "meshplane.region", name,
        "meshplane.cluster-id", "config-" + name,
        "meshplane.node-name", name + "-1")));
  }

  private static InetSocketAddress xds(ControlPlaneNode node) {
    return new InetSocketAddress("127.0.0.1", node.xdsPort());
  }

  private static CqlSession session(LocalCassandra db) {
    return db.session();
  }

  private static void write(CqlSession cql, String id) {
    cql.execute(SimpleStatement.newInstance("INSERT INTO partition_probe.marks (id, at) VALUES (?, ?)", id,
        System.currentTimeMillis()).setConsistencyLevel(DefaultConsistencyLevel.LOCAL_QUORUM));
  }

  private static boolean present(CqlSession cql, String id) {
    return cql.execute(SimpleStatement.newInstance("SELECT id FROM partition_probe.marks WHERE id = ?", id)
        .setConsistencyLevel(DefaultConsistencyLevel.LOCAL_ONE)).one() != null;
  }

  /** How many lines of the Cassandra node's log contain {@code text}. */
  private static int logLines(LocalCassandra db, String text) {
    try (var lines = Files.lines(db.logFile())) {
      return (int) lines.filter(l -> l.contains(text)).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean unreachable(ControlPlaneNode node, String region) {
    return Cluster.get(node.system()).state().getUnreachableDataCenters().contains(region);
  }

  private static Optional<String> watcher(ControlPlaneNode node, String clusterId) {
    return AdminPages.watcher(AdminPages.get(node.adminPort(), "/debug/clusters"), clusterId);
  }

  private static void awaitWatchers(ControlPlaneNode node, Map<String, String> watchers, String when) {
    Awaitility.await(node.settings().region() + " sees the watchers " + watchers + " " + when).atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> watchers.entrySet().stream()
            .allMatch(e -> watcher(node, e.getKey()).equals(Optional.of(e.getValue()))));
  }

  /** The open xDS streams of {@code proxyId}, as its Proxy entity in {@code node}'s region knows them. */
  private static Set<String> streams(ControlPlaneNode node, String proxyId) throws Exception {
    return ClusterSharding.get(node.system()).entityRefFor(ProxyEntity.ENTITY_KEY, proxyId)
        .<ProxyEntity.Status>ask(ProxyEntity.GetStatus::new, ASK_TIMEOUT).toCompletableFuture()
        .get(5, TimeUnit.SECONDS).streams();
  }

  /**
   * The ground truth: per service, per member cluster that has it, the ready addresses of its
   * EndpointSlice, read back from the API servers.
   */
  private static Map<String, Map<String, Set<String>>> truth(Map<String, MockCluster> members) {
    Map<String, Map<String, Set<String>>> out = new TreeMap<>();
    members.forEach((clusterId, m) -> {
      for (var svc : m.client().services().inNamespace(APPS).list().getItems()) {
        String host = svc.getMetadata().getName() + "." + APPS + ".svc.cluster.local";
        Set<String> addresses = new TreeSet<>();
        EndpointSlice slice = m.client().discovery().v1().endpointSlices().inNamespace(APPS)
            .withName(svc.getMetadata().getName() + "-slice").get();
        if (slice != null) {
          slice.getEndpoints().forEach(e -> addresses.addAll(e.getAddresses()));
        }
        out.computeIfAbsent(host, h -> new TreeMap<>()).put(clusterId, addresses);
      }
    });
    return out;
  }

  /** What {@code node}'s region holds, in the form of {@link #truth}: every non-empty share. */
  private static Map<String, Map<String, Set<String>>> held(ControlPlaneNode node) {
    return held(node, Set.of("east", "west", "north"));
  }

  /** As {@link #held(ControlPlaneNode)}, only the shares of {@code clusterIds}. */
  private static Map<String, Map<String, Set<String>>> held(ControlPlaneNode node, Set<String> clusterIds) {
    Map<String, ServiceState> states = ServiceStates.of(node.system(), HOSTNAMES, ASK_TIMEOUT);
    if (!states.keySet().equals(HOSTNAMES)) {
      return Map.of("(not every service answered)", Map.of());
    }
    Map<String, Map<String, Set<String>>> out = new TreeMap<>();
    states.forEach((host, s) -> s.clusters().forEach((clusterId, share) -> {
      if (!share.isEmpty() && clusterIds.contains(clusterId)) {
        Set<String> addresses = new TreeSet<>();
        share.endpoints().stream().map(Endpoint::address).forEach(addresses::add);
        out.computeIfAbsent(host, h -> new TreeMap<>()).put(clusterId, addresses);
      }
    }));
    return out;
  }

  private static boolean holdsTruth(ControlPlaneNode node, Map<String, MockCluster> members) {
    return held(node, members.keySet()).equals(truth(members));
  }

  private static void awaitTruth(ControlPlaneNode node, Map<String, MockCluster> members, String when) {
    Awaitility.await(when + ": the Service entities equal the API servers").atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
        .untilAsserted(() -> assertThat(held(node, members.keySet())).isEqualTo(truth(members)));
  }

  /** Whether both regions' Service entities hold exactly the same non-empty shares (specs and endpoints). */
  private static boolean sameShares(ControlPlaneNode a, ControlPlaneNode b) {
    Map<String, ServiceState> sa = ServiceStates.of(a.system(), HOSTNAMES, ASK_TIMEOUT);
    Map<String, ServiceState> sb = ServiceStates.of(b.system(), HOSTNAMES, ASK_TIMEOUT);
    return sa.keySet().equals(HOSTNAMES) && sb.keySet().equals(HOSTNAMES)
        && HOSTNAMES.stream().allMatch(h -> shares(sa.get(h)).equals(shares(sb.get(h))));
  }

  private static Map<String, ClusterShare> shares(ServiceState s) {
    Map<String, ClusterShare> out = new TreeMap<>();
    s.clusters().forEach((id, share) -> {
      if (!share.isEmpty()) {
        out.put(id, share);
      }
    });
    return out;
  }
}
