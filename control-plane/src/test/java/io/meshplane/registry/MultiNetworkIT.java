package io.meshplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.registry.kube.RemoteSecrets;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.AdsClient;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three member clusters on two networks, joined, rotated and removed through remote secrets at run
 * time, with real components: a real Cassandra, two in-process nodes of one Pekko cluster (member
 * clusters and services sharded over both) whose config cluster and member clusters are fabric8
 * mock API servers, real gRPC backends, raw ADS streams that read the exact
 * EDS of a sidecar in each network (network-1's on node 2, network-2's on node 1), and grpc-java's xDS client (proxyless, network-2) making real
 * RPCs.
 *
 * <p>Cluster a is on network-1 with gateway Service at external IP {@value #GW_A}; clusters b and c
 * are on network-2, b with a gateway Service at load-balancer IP {@value #GW_B}. The mesh config
 * (a file) knows both networks and configures no gateway: every gateway here is discovered, and
 * followed when it moves. The steps run in order and each builds on the previous one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiNetworkIT {

  static final String NS = "meshplane-system";
  static final String GREETER = "greeter.default.svc.cluster.local";
  static final int SERVICE_PORT = 50051;
  static final String EDS_NAME = ResourceNames.clusterLoadAssignment(GREETER, SERVICE_PORT);
  static final String A1 = "127.0.0.41";
  static final String A2 = "127.0.0.42";
  static final String B1 = "127.0.0.51";
  static final String C1 = "127.0.0.61";
  static final String C2 = "127.0.0.62";
  /** The only endpoint of the API server cluster c's credentials are rotated to. */
  static final String C3 = "127.0.0.63";
  static final String GW_A = "127.0.0.101";
  static final String GW_B = "127.0.0.102";
  /** Where the gateways move in the second step (a's external IP, b's load-balancer status). */
  static final String GW_A2 = "127.0.0.111";
  static final String GW_B2 = "127.0.0.112";
  static final int GW_PORT = 15443;

  static Path dir;
  static CassandraSpace cassandra;
  static MockCluster config;
  static MockCluster a;
  static MockCluster b;
  static MockCluster c;
  static MockCluster cRotated;
  static Greeters greeters;
  static ControlPlaneNode node;
  /** A second node of the same Pekko cluster: member clusters and services are sharded over both. */
  static ControlPlaneNode node2;
  /** To node 1: network-2's proxies. */
  static ManagedChannel adsChannel;
  /** To node 2: network-1's proxies. */
  static ManagedChannel adsChannel2;
  static ManagedChannel greeterChannel;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    dir = TestDirs.fresh("multi-network");
    cassandra = CassandraSpace.of(MultiNetworkIT.class);
    config = MockCluster.start(0);
    config.namespace(NS);
    greeters = Greeters.start(Ports.free(), List.of(A1, A2, B1, C1, C2, C3));
    a = member(List.of(A1, A2));
    a.namespace("istio-system");
    a.gatewayService("istio-system", "eastwest", "network-1", GW_PORT, List.of(), List.of(GW_A));
    b = member(List.of(B1));
    b.namespace("istio-system");
    b.gatewayService("istio-system", "eastwest", "network-2", GW_PORT, List.of(GW_B), List.of());
    c = member(List.of(C1, C2));
    cRotated = member(List.of(C3));

    Path meshFile = dir.resolve("mesh.yaml");
    Files.writeString(meshFile, "meshId: multi\nnetworks:\n  network-1: {}\n  network-2: {}\n");
    Path kubeconfig = config.writeKubeconfig(dir.resolve("config-kubeconfig"));
    Config overrides = ConfigFactory.parseMap(Map.of("meshplane.cluster-id", "config-1",
        "meshplane.network", "network-1", "meshplane.mesh-config.file", meshFile.toString()));
    int seedPort = Ports.free();
    List<String> seeds = List.of("pekko://meshplane@127.0.0.1:" + seedPort);
    node = InProcessNode.start(cassandra, kubeconfig, seedPort, seeds, overrides);
    node2 = InProcessNode.start(cassandra, kubeconfig, 0, seeds, overrides);
    Awaitility.await("2 members up").atMost(Duration.ofSeconds(60)).until(() ->
        StreamSupport.stream(Cluster.get(node.system()).state()
            .getMembers().spliterator(), false)
            .filter(m -> m.status() == MemberStatus.up()).count() == 2);
    adsChannel = ManagedChannelBuilder.forAddress("127.0.0.1", node.xdsPort()).usePlaintext().build();
    adsChannel2 = ManagedChannelBuilder.forAddress("127.0.0.1", node2.xdsPort()).usePlaintext().build();
    XdsClients.bootstrap(dir.resolve("bootstrap.json"), node.xdsPort(), "proxyless~10.2.0.9~client.default~default.svc",
        Map.of("NAMESPACE", "default", "CLUSTER_ID", "b", "NETWORK", "network-2", "PROXY_KIND", "proxyless"));
    greeterChannel = XdsClients.channel(GREETER + ":" + SERVICE_PORT);
  }

  static MockCluster member(List<String> greeterAddresses) {
    MockCluster m = MockCluster.start(0);
    m.namespace("default");
    m.service("default", "greeter", SERVICE_PORT, greeters.port());
    m.endpoints("default", "greeter", greeters.port(), greeterAddresses);
    return m;
  }

  @AfterAll
  static void stop() {
    if (greeterChannel != null) {
      XdsClients.shutdown(greeterChannel);
    }
    for (ManagedChannel ch : new ManagedChannel[] {adsChannel, adsChannel2}) {
      if (ch != null) {
        ch.shutdownNow();
        try {
          ch.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    for (AutoCloseable closeable : new AutoCloseable[] {node2, node, greeters, a, b, c, cRotated, config}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + closeable + ": " + e);
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  static void remoteSecret(String clusterId, String network, MockCluster server) throws Exception {
    String kubeconfig = Files.readString(server.writeKubeconfig(dir.resolve(clusterId + "-" + server.port())));
    config.client().secrets().inNamespace(NS).resource(new SecretBuilder()
            .withNewMetadata().withName("remote-" + clusterId).withNamespace(NS)
            .addToLabels(RemoteSecrets.LABEL, "true").addToAnnotations(RemoteSecrets.CLUSTER_ID, clusterId)
            .addToAnnotations(RemoteSecrets.NETWORK, network)
            .endMetadata().addToStringData(RemoteSecrets.KUBECONFIG, kubeconfig).build())
        .createOr(r -> r.update());
  }

  static String admin(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static Node sidecar(String id, String cluster, String network) {
    return Node.newBuilder().setId(id).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("default").build())
        .putFields("CLUSTER_ID", Value.newBuilder().setStringValue(cluster).build())
        .putFields("NETWORK", Value.newBuilder().setStringValue(network).build())
        .putFields("PROXY_KIND", Value.newBuilder().setStringValue("sidecar").build())).build();
  }

  /** A sidecar's EDS stream for the greeter, subscribed; network-1's on node 2, network-2's on node 1. */
  static AdsClient<DiscoveryRequest, DiscoveryResponse> edsStream(Node proxy) {
    AdsClient<DiscoveryRequest, DiscoveryResponse> s = AdsClient.sotw(proxy == NET1 ? adsChannel2 : adsChannel);
    s.send(DiscoveryRequest.newBuilder().setNode(proxy).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).build());
    return s;
  }

  /** Every lb endpoint of the greeter's assignment in a response, as "address:port weight". */
  static Set<String> view(DiscoveryResponse r) throws Exception {
    Set<String> out = new TreeSet<>();
    for (Any any : r.getResourcesList()) {
      ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
      if (cla.getClusterName().equals(EDS_NAME)) {
        cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e -> out.add(
            e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
                + e.getEndpoint().getAddress().getSocketAddress().getPortValue() + " "
                + e.getLoadBalancingWeight().getValue())));
      }
    }
    return out;
  }

  /** Reads (and acknowledges) responses until the view is exactly {@code expected}; fails after 45 s. */
  static void awaitView(AdsClient<DiscoveryRequest, DiscoveryResponse> s, String who, Set<String> expected)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    Set<String> last = null;
    while (System.nanoTime() < deadline) {
      DiscoveryResponse r;
      try {
        r = s.next();
      } catch (AssertionError e) {
        break;
      }
      s.send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).addResourceNames(EDS_NAME).build());
      last = view(r);
      if (last.equals(expected)) {
        return;
      }
    }
    throw new AssertionError(who + " never saw " + expected + "; last view " + last);
  }

  /** What a new stream of {@code proxy} is served first. */
  static Set<String> firstView(Node proxy) throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> s = edsStream(proxy)) {
      return view(s.next());
    }
  }

  static String direct(String address) {
    return address + ":" + greeters.port() + " 1";
  }

  static String gateway(String address, int weight) {
    return address + ":" + GW_PORT + " " + weight;
  }

  /**
   * Calls the greeter through grpc-java's xDS client until every one of {@code expected} has
   * answered and the last 20 answers in a row all came from {@code expected}.
   */
  static void awaitGreeterAnswers(Set<String> expected) {
    Set<String> seen = new HashSet<>();
    List<String> others = new ArrayList<>();
    int[] streak = {0};
    try {
      Awaitility.await("answers from exactly " + expected).atMost(Duration.ofSeconds(45))
          .pollInterval(Duration.ofMillis(10)).ignoreExceptions()
          .until(() -> {
            String from = Greeters.call(greeterChannel, 5);
            if (expected.contains(from)) {
              seen.add(from);
              streak[0]++;
            } else {
              others.add(from);
              streak[0] = 0;
            }
            return seen.equals(expected) && streak[0] >= 20;
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("expected answers from " + expected + "; seen " + seen + ", and from others "
          + others, e);
    }
  }

  static final Node NET1 = sidecar("sidecar~10.1.0.9~client-a.default~default.svc", "a", "network-1");
  static final Node NET2 = sidecar("sidecar~10.2.0.8~client-b.default~default.svc", "b", "network-2");

  // ---- the steps -------------------------------------------------------------------------------

  @Test
  @Order(1)
  void each_network_sees_its_own_endpoints_directly_and_the_other_through_its_gateway() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> net1 = edsStream(NET1);
        AdsClient<DiscoveryRequest, DiscoveryResponse> net2 = edsStream(NET2)) {
      remoteSecret("a", "network-1", a);
      remoteSecret("b", "network-2", b);
      remoteSecret("c", "network-2", c);

      // network-2 has 3 endpoints (b: 1, c: 2) behind b's gateway; network-1 has 2 behind a's.
      awaitView(net1, "network-1 sidecar", Set.of(direct(A1), direct(A2), gateway(GW_B, 3)));
      awaitView(net2, "network-2 sidecar", Set.of(direct(B1), direct(C1), direct(C2), gateway(GW_A, 2)));
    }
    awaitGreeterAnswers(Set.of(B1, C1, C2));
  }

  @Test
  @Order(2)
  void gateways_that_move_are_followed_from_the_service_spec_and_from_its_status() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> net1 = edsStream(NET1);
        AdsClient<DiscoveryRequest, DiscoveryResponse> net2 = edsStream(NET2)) {
      a.gatewayService("istio-system", "eastwest", "network-1", GW_PORT, List.of(), List.of(GW_A2));
      b.gatewayService("istio-system", "eastwest", "network-2", GW_PORT, List.of(GW_B2), List.of());

      awaitView(net2, "network-2 sidecar", Set.of(direct(B1), direct(C1), direct(C2), gateway(GW_A2, 2)));
      awaitView(net1, "network-1 sidecar", Set.of(direct(A1), direct(A2), gateway(GW_B2, 3)));
    }
  }

  @Test
  @Order(3)
  void rotated_credentials_move_a_cluster_to_another_api_server_without_a_restart() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> net1 = edsStream(NET1);
        AdsClient<DiscoveryRequest, DiscoveryResponse> net2 = edsStream(NET2)) {
      remoteSecret("c", "network-2", cRotated);

      awaitView(net2, "network-2 sidecar", Set.of(direct(B1), direct(C3), gateway(GW_A2, 2)));
      awaitView(net1, "network-1 sidecar", Set.of(direct(A1), direct(A2), gateway(GW_B2, 2)));
    }
    awaitGreeterAnswers(Set.of(B1, C3));
  }

  @Test
  @Order(4)
  void an_unreachable_cluster_keeps_its_endpoints_and_its_gateway_served() throws Exception {
    b.close();

    Awaitility.await("b shown unreachable").atMost(Duration.ofSeconds(60))
        .until(() -> admin("/debug/clusters").replaceAll("\\s", "")
            .contains("\"clusterId\":\"b\",\"connected\":false,\"state\":\"unreachable\",\"stale\":true"));
    // New streams are served b's last known endpoints, and its gateway still stands for network-2.
    assertThat(firstView(NET2)).containsExactlyInAnyOrder(direct(B1), direct(C3), gateway(GW_A2, 2));
    assertThat(firstView(NET1)).containsExactlyInAnyOrder(direct(A1), direct(A2), gateway(GW_B2, 2));
    awaitGreeterAnswers(Set.of(B1, C3));
  }

  @Test
  @Order(5)
  void a_removed_cluster_endpoints_and_gateway_go_away_everywhere() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> net1 = edsStream(NET1);
        AdsClient<DiscoveryRequest, DiscoveryResponse> net2 = edsStream(NET2)) {
      config.client().secrets().inNamespace(NS).withName("remote-b").delete();

      awaitView(net2, "network-2 sidecar", Set.of(direct(C3), gateway(GW_A2, 2)));
      // b's gateway was network-2's only one: c's endpoint is no longer reachable from network-1.
      awaitView(net1, "network-1 sidecar", Set.of(direct(A1), direct(A2)));
    }
    assertThat(admin("/debug/services")).doesNotContain(B1);
    awaitGreeterAnswers(Set.of(C3));
  }
}
