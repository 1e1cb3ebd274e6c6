package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshplane.front.TcpFront;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.registry.kube.RemoteSecrets;
import io.meshplane.testing.AdsClient;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
  private static final ObjectMapper JSON = new ObjectMapper();

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
    LocalCassandra euDb = keep(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-eu"))
        .withDatacenter("eu")));
    LocalCassandra usDb = keep(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-us"))
        .withHost("127.0.0.2").withDatacenter("us").withSeeds(List.of(euDb.seed()))));
    MockCluster config = keep(MockCluster.start(0));
    config.namespace(NS);
    Greeters greeters = keep(Greeters.start(Ports.free(), List.of(E1, E2, E3, W1)));
    MockCluster east = keep(member(greeters, List.of(E1, E2)));
    MockCluster west = keep(member(greeters, List.of(W1)));
    remoteSecret(config, dir, "east", "eu", east);
    remoteSecret(config, dir, "west", "us", west);
    Path kubeconfig = config.writeKubeconfig(dir.resolve("config-kubeconfig"));
    Path nodeConfig = dir.resolve("node.conf");
    Files.writeString(nodeConfig, "meshplane.regions = [eu, us]\n");

    Region eu = new Region("eu", Ports.free(), Ports.free(), Ports.free(), euDb);
    Region us = new Region("us", Ports.free(), Ports.free(), Ports.free(), usDb);
    String seed = "pekko://meshplane@127.0.0.1:" + eu.remoting();
    // One region after the other: the first creates the keyspaces, the second finds them.
    ControlPlaneProcess euNode = keep(startNode(dir, eu, seed, kubeconfig, nodeConfig, 1));
    ControlPlaneProcess usNode = keep(startNode(dir, us, seed, kubeconfig, nodeConfig, 1));

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
    AdsClient<DiscoveryRequest, DiscoveryResponse> usClient = keep(edsStream(usAds));

    Set<String> truth = Set.of(E1, E2, W1);
    awaitAnswers(euClient, truth, "eu client, initial");
    awaitView(usClient, direct(greeters, truth), "us client, initial");

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
    awaitView(usClient, direct(greeters, afterKill), "us client, east changed while eu is dead");
    System.out.printf("[regions] east's change while eu was dead reached both clients in %d ms%n",
        millisSince(changedAt));

    // ---- eu comes back: east's watch goes home ----
    // eu's Cassandra node first, on its old ports and data: hints from us bring it up to date.
    LocalCassandra euDbAgain = keep(LocalCassandra.start(euDb.boundSettings()));
    // It joins through us (its own address as the only seed would make it form a cluster of its own).
    ControlPlaneProcess euAgain = keep(startNode(dir, new Region("eu", eu.xds(), eu.admin(), eu.remoting(), euDbAgain),
        "pekko://meshplane@127.0.0.1:" + us.remoting(), kubeconfig, nodeConfig, 2));
    long restartedAt = System.nanoTime();
    awaitWatcher(usNode, "east", "eu");
    awaitWatcher(euAgain, "east", "eu");
    System.out.printf("[regions] east's watch back in eu %d ms after eu's node was started again%n",
        millisSince(restartedAt));
    east.endpoints("default", "greeter", greeters.port(), List.of(E1, E2));
    Set<String> finalTruth = Set.of(E1, E2, W1);
    awaitAnswers(euClient, finalTruth, "eu client, after eu came back");
    awaitView(usClient, direct(greeters, finalTruth), "us client, after eu came back");

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

  private static void remoteSecret(MockCluster config, Path dir, String clusterId, String region, MockCluster server)
      throws Exception {
    String kubeconfig = Files.readString(server.writeKubeconfig(dir.resolve(clusterId + "-kubeconfig")));
    config.client().secrets().inNamespace(NS).resource(new SecretBuilder()
            .withNewMetadata().withName("remote-" + clusterId).withNamespace(NS)
            .addToLabels(RemoteSecrets.LABEL, "true").addToAnnotations(RemoteSecrets.CLUSTER_ID, clusterId)
            .addToAnnotations(RemoteSecrets.NETWORK, "network-1").addToAnnotations(RemoteSecrets.REGION, region)
            .endMetadata().addToStringData(RemoteSecrets.KUBECONFIG, kubeconfig).build())
        .create();
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
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
          JsonNode clusters = JSON.readTree(node.admin("/debug/clusters"));
          for (JsonNode c : clusters.path("clusters")) {
            if (c.path("clusterId").asText().equals(clusterId)) {
              return c.path("watcher").asText().equals(region);
            }
          }
          return false;
        });
  }

  /** The greeter's endpoint addresses in {@code node}'s /debug/services. */
  private static Set<String> addresses(ControlPlaneProcess node) throws Exception {
    Set<String> out = new TreeSet<>();
    JsonNode greeter = JSON.readTree(node.admin("/debug/services")).path(GREETER);
    greeter.path("endpoints").forEach(e -> out.add(e.asText().split(" ")[0]));
    return out;
  }

  /**
   * Calls the greeter until every one of {@code truth} has answered and the last 20 answers in a
   * row all came from {@code truth}.
   */
  private static void awaitAnswers(ManagedChannel channel, Set<String> truth, String when) {
    long t0 = System.nanoTime();
    Set<String> seen = new HashSet<>();
    int[] streak = {0};
    Awaitility.await(when + ": answers from exactly " + truth).atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(5)).ignoreExceptions().until(() -> {
          String from = Greeters.call(channel, 5);
          if (truth.contains(from)) {
            seen.add(from);
            streak[0]++;
          } else {
            seen.clear();
            streak[0] = 0;
          }
          return seen.equals(truth) && streak[0] >= 20;
        });
    System.out.printf("[regions] %s: converged to %s in %d ms%n", when, truth, millisSince(t0));
  }

  private static Node sidecar() {
    return Node.newBuilder().setId("sidecar~10.2.0.8~client-us.default~default.svc").setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("default").build())
        .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("west").build())
        .putFields("NETWORK", Value.newBuilder().setStringValue("network-1").build())
        .putFields("PROXY_KIND", Value.newBuilder().setStringValue("sidecar").build())).build();
  }

  private static AdsClient<DiscoveryRequest, DiscoveryResponse> edsStream(ManagedChannel channel) {
    AdsClient<DiscoveryRequest, DiscoveryResponse> s = AdsClient.sotw(channel);
    s.send(DiscoveryRequest.newBuilder().setNode(sidecar()).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).build());
    return s;
  }

  private static Set<String> direct(Greeters greeters, Set<String> addresses) {
    Set<String> out = new TreeSet<>();
    addresses.forEach(a -> out.add(a + ":" + greeters.port()));
    return out;
  }

  /** Reads (and acknowledges) responses until the view is exactly {@code expected}; fails after 90 s. */
  private static void awaitView(AdsClient<DiscoveryRequest, DiscoveryResponse> s, Set<String> expected, String when)
      throws Exception {
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(90);
    Set<String> last = null;
    while (System.nanoTime() < deadline) {
      DiscoveryResponse r = s.next();
      s.send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).addResourceNames(EDS_NAME).build());
      last = new TreeSet<>();
      for (Any any : r.getResourcesList()) {
        ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
        for (var locality : cla.getEndpointsList()) {
          for (var e : locality.getLbEndpointsList()) {
            last.add(e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                + e.getEndpoint().getAddress().getSocketAddress().getPortValue());
          }
        }
      }
      if (last.equals(expected)) {
        System.out.printf("[regions] %s: converged to %s in %d ms%n", when, expected, millisSince(t0));
        return;
      }
    }
    throw new AssertionError(when + ": never saw " + expected + "; last view " + last);
  }
}
