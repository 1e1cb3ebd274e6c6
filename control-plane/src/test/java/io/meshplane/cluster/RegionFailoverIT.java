package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshplane.front.TcpFront;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.testing.AdminPages;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.EdsStream;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import io.meshplane.xds.generator.ResourceNames;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A whole region dies, with real processes: two regions ({@code eu}, {@code us}), each a control-
 * plane JVM with its own Cassandra data center (127.0.0.1 and 127.0.0.2, one Cassandra cluster),
 * one Pekko cluster across both; member cluster {@code east} is homed in eu and {@code west} in us
 * (fabric8 mock API servers, joined through remote secrets in a shared config cluster). Each region
 * has a stable address that prefers its own nodes and fails over to the other region's. eu's client
 * is grpc-java's xDS client making real RPCs; us's is a raw ADS stream reading the greeter's EDS.
 *
 * <p>The whole of eu dies: its control-plane node and its Cassandra node are killed with SIGKILL.
 * eu's client is served by us through its stable address, us takes east's watch over so that
 * east's endpoint changes keep flowing, and both clients converge to the ground truth. eu comes
 * back (Cassandra first, on its old data): the watch goes home, and a later change reaches both
 * regions, whose service state is then identical. Prints the timeline.
 */
class RegionFailoverIT {

  static final String NS = "meshplane-system";
  static final String GREETER = "greeter.default.svc.cluster.local";
  static final int SERVICE_PORT = 50051;
  static final String EDS_NAME = ResourceNames.clusterLoadAssignment(GREETER, SERVICE_PORT);
  static final String E1 = "127.0.0.71";
  static final String E2 = "127.0.0.72";
  static final String E3 = "127.0.0.73";
  static final String W1 = "127.0.0.81";

  private final Closer closer = new Closer();

  @AfterEach
  void stop() {
    closer.close();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    return closer.keep(resource);
  }

  record Region(String name, int xds, int admin, int remoting, LocalCassandra cassandra) {}

  @Test
  void a_killed_region_is_served_by_the_other_which_takes_its_watches_over_and_gives_them_back()
      throws Exception {
    Path dir = TestDirs.fresh("region-failover");
    LocalCassandra euDb = closer.keepKilled(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-eu"))
        .withDatacenter("eu")));
    LocalCassandra usDb = closer.keepKilled(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-us"))
        .withHost("127.0.0.2").withDatacenter("us").withSeeds(List.of(euDb.seed()))));
    MockCluster config = keep(MockCluster.start(0));
    config.namespace(NS);
    Greeters greeters = keep(Greeters.start(Ports.free(), List.of(E1, E2, E3, W1)));
    MockCluster east = keep(member(greeters, List.of(E1, E2)));
    MockCluster west = keep(member(greeters, List.of(W1)));
    config.remoteSecret(NS, "east", "network-1", "eu", east);
    config.remoteSecret(NS, "west", "network-1", "us", west);
    Path kubeconfig = config.writeKubeconfig(dir.resolve("config-kubeconfig"));
    Path nodeConfig = dir.resolve("node.conf");
    Files.writeString(nodeConfig, "meshplane.regions = [eu, us]\n");

    Region eu = new Region("eu", Ports.free(), Ports.free(), Ports.free(), euDb);
    Region us = new Region("us", Ports.free(), Ports.free(), Ports.free(), usDb);
    String seed = "pekko://meshplane@127.0.0.1:" + eu.remoting();
    // One region after the other: the first creates the keyspaces, the second finds them.
    ControlPlaneProcess euNode = closer.keepKilled(startNode(dir, eu, seed, kubeconfig, nodeConfig, 1));
    ControlPlaneProcess usNode = closer.keepKilled(startNode(dir, us, seed, kubeconfig, nodeConfig, 1));

    ActorSystem<Void> frontSystem = ActorSystem.create(Behaviors.empty(), "fronts");
    closer.keep(frontSystem::terminate);
    TcpFront euFront = keep(TcpFront.start(frontSystem, List.of(address(eu)), List.of(address(us)), 0));
    TcpFront usFront = keep(TcpFront.start(frontSystem, List.of(address(us)), List.of(address(eu)), 0));

    awaitWatcher(usNode, "east", "eu");
    awaitWatcher(usNode, "west", "us");
    awaitWatcher(euNode, "west", "us");

    XdsClients.bootstrap(dir.resolve("bootstrap.json"), euFront.port(), "proxyless~10.1.0.9~client.default~default.svc",
        Map.of("NAMESPACE", "default", "CLUSTER_ID", "east", "NETWORK", "network-1", "PROXY_KIND", "proxyless"));
    ManagedChannel euClient = XdsClients.channel(GREETER + ":" + SERVICE_PORT);
    closer.keep(() -> XdsClients.shutdown(euClient));
    ManagedChannel usAds = ManagedChannelBuilder.forAddress("127.0.0.1", usFront.port()).usePlaintext().build();
    closer.keep(() -> {
      usAds.shutdownNow();
      usAds.awaitTermination(5, TimeUnit.SECONDS);
    });
    EdsStream usClient = keep(EdsStream.open(usAds, EdsStream.node("sidecar~10.2.0.8~client-us.default~default.svc",
        Map.of("NAMESPACE", "default", "CLUSTER_ID", "west", "NETWORK", "network-1", "PROXY_KIND", "sidecar")),
        EDS_NAME));

    Set<String> truth = Set.of(E1, E2, W1);
    awaitAnswers(euClient, truth, "eu client, initial");
    awaitView(usClient, greeters.socketAddresses(truth), "us client, initial");

    // ---- eu dies ----
    long killedAt = System.nanoTime();
    euNode.kill9();
    euDb.kill();
    System.out.printf("[regions] kill -9 eu's node (pid %d) and eu's Cassandra node (pid %d)%n", euNode.pid(),
        euDb.pid());
    Awaitility.await("eu's client served again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
        .ignoreExceptions().until(() -> truth.contains(Greeters.call(euClient, 2)));
    System.out.printf("[regions] eu's client served again (by us) %d ms after the kill%n", millisSince(killedAt));

    // east's API server lives on: its change must reach both clients through us, which takes east over.
    east.endpoints("default", "greeter", greeters.port(), List.of(E3));
    long changedAt = System.nanoTime();
    Set<String> afterKill = Set.of(E3, W1);
    awaitWatcher(usNode, "east", "us");
    System.out.printf("[regions] us took east's watch over %d ms after the kill%n", millisSince(killedAt));
    awaitAnswers(euClient, afterKill, "eu client, east changed while eu is dead");
    awaitView(usClient, greeters.socketAddresses(afterKill), "us client, east changed while eu is dead");
    System.out.printf("[regions] east's change while eu was dead reached both clients in %d ms%n",
        millisSince(changedAt));

    // ---- eu comes back: east's watch goes home ----
    // eu's Cassandra node first, on its old ports and data: hints from us bring it up to date.
    LocalCassandra euDbAgain = closer.keepKilled(LocalCassandra.start(euDb.boundSettings()));
    // It joins through us (its own address as the only seed would make it form a cluster of its own).
    ControlPlaneProcess euAgain = closer.keepKilled(startNode(dir, new Region("eu", eu.xds(), eu.admin(), eu.remoting(), euDbAgain),
        "pekko://meshplane@127.0.0.1:" + us.remoting(), kubeconfig, nodeConfig, 2));
    long restartedAt = System.nanoTime();
    awaitWatcher(usNode, "east", "eu");
    awaitWatcher(euAgain, "east", "eu");
    System.out.printf("[regions] east's watch back in eu %d ms after eu's node was started again%n",
        millisSince(restartedAt));
    east.endpoints("default", "greeter", greeters.port(), List.of(E1, E2));
    Set<String> finalTruth = Set.of(E1, E2, W1);
    awaitAnswers(euClient, finalTruth, "eu client, after eu came back");
    awaitView(usClient, greeters.socketAddresses(finalTruth), "us client, after eu came back");

    // Nothing diverged: both regions hold the same endpoints of the greeter.
    Awaitility.await("both regions hold the same greeter").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          assertThat(addresses(euAgain)).isEqualTo(Set.of(E1, E2, W1));
          assertThat(addresses(usNode)).isEqualTo(Set.of(E1, E2, W1));
        });
  }

  private static MockCluster member(Greeters greeters, List<String> addresses) {
    MockCluster m = MockCluster.start(0);
    m.namespace("default");
    m.service("default", "greeter", SERVICE_PORT, greeters.port());
    m.endpoints("default", "greeter", greeters.port(), addresses);
    return m;
  }

  private static ControlPlaneProcess startNode(Path dir, Region r, String seed, Path kubeconfig, Path nodeConfig,
      int incarnation) {
    ControlPlaneProcess node = ControlPlaneProcess.start(dir.resolve("node-" + r.name() + "-" + incarnation + ".log"),
        r.xds(), r.admin(), List.of("--config", nodeConfig.toString(), "--region", r.name(),
            "--cluster-id", "config-1", "--cassandra", r.cassandra().contactPoint(), "--cassandra-dc", r.name(),
            "--kubeconfig", kubeconfig.toString(), "--remoting-port", String.valueOf(r.remoting()),
            "--seed-node", seed, "--node-name", r.name() + "-" + incarnation));
    return node;
  }

  private static InetSocketAddress address(Region r) {
    return new InetSocketAddress("127.0.0.1", r.xds());
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  /** Waits until {@code node}'s /debug/clusters says {@code region} watches {@code clusterId}. */
  private static void awaitWatcher(ControlPlaneProcess node, String clusterId, String region) {
    Awaitility.await(clusterId + " watched by " + region).atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> AdminPages.watcher(node.admin("/debug/clusters"), clusterId).equals(Optional.of(region)));
  }

  /** The greeter's endpoint addresses in {@code node}'s /debug/services. */
  private static Set<String> addresses(ControlPlaneProcess node) {
    Set<String> out = new TreeSet<>();
    AdminPages.endpoints(node.admin("/debug/services")).getOrDefault(GREETER, Set.of())
        .forEach(e -> out.add(e.split(" ")[0]));
    return out;
  }

  private static void awaitAnswers(ManagedChannel channel, Set<String> truth, String when) {
    long ms = Greeters.awaitOnly(channel, truth, Duration.ofSeconds(90));
    System.out.printf("[regions] %s: converged to %s in %d ms%n", when, truth, ms);
  }

  private static void awaitView(EdsStream s, Set<String> expected, String when) {
    long ms = s.awaitEndpoints(expected, Duration.ofSeconds(90));
    System.out.printf("[regions] %s: converged to %s in %d ms%n", when, expected, ms);
  }
}
