package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.AdsClient;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.xds.generator.TypeUrls;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three control-plane nodes in one Pekko cluster (in this JVM, sharing one real Cassandra and one
 * simulated Kubernetes cluster): a change watched on whichever node owns the member cluster
 * reaches proxies connected to every node, and any node answers for any proxy's status and for
 * what it was last sent (config dump).
 */
class MultiNodeIT {

  static final String CLA = "outbound|8080||web.default.svc.cluster.local";

  static CassandraSpace cassandra;
  static MockCluster kube;
  static final List<ControlPlaneNode> nodes = new ArrayList<>();
  static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() {
    Path dir = TestDirs.fresh("multi-node");
    cassandra = CassandraSpace.of(MultiNodeIT.class);
    kube = MockCluster.start(0);
    kube.namespace("default");
    kube.service("default", "web", 8080, 8080);
    kube.endpoints("default", "web", 8080, List.of("10.9.0.1"));
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    int seedPort = Ports.free();
    List<String> seeds = List.of("pekko://meshplane@127.0.0.1:" + seedPort);
    nodes.add(InProcessNode.start(cassandra, kubeconfig, seedPort, seeds));
    nodes.add(InProcessNode.start(cassandra, kubeconfig, 0, seeds));
    nodes.add(InProcessNode.start(cassandra, kubeconfig, 0, seeds));
    Awaitility.await("3 members up").atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(n -> {
      var members = Cluster.get(n.system()).state().getMembers();
      int up = 0;
      for (var m : members) {
        if (m.status() == MemberStatus.up()) {
          up++;
        }
      }
      return up == 3;
    }));
    for (ControlPlaneNode n : nodes) {
      channels.add(ManagedChannelBuilder.forAddress("127.0.0.1", n.xdsPort()).usePlaintext().build());
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    if (kube != null) {
      kube.close();
    }
  }

  static Node node(String id) {
    return Node.newBuilder().setId(id).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("default").build())).build();
  }

  static TreeSet<String> addresses(DiscoveryResponse r) throws InvalidProtocolBufferException {
    TreeSet<String> out = new TreeSet<>();
    for (var any : r.getResourcesList()) {
      ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(any.getValue());
      cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
          out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
    }
    return out;
  }

  static DiscoveryResponse nextWith(AdsClient<DiscoveryRequest, DiscoveryResponse> c, TreeSet<String> want)
      throws InvalidProtocolBufferException {
    while (true) {
      DiscoveryResponse r = c.next();
      c.send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).addResourceNames(CLA).build());
      if (addresses(r).equals(want)) {
        return r;
      }
    }
  }

  @Test
  void a_change_reaches_proxies_on_every_node_and_any_node_reports_any_proxy() throws Exception {
    List<AdsClient<DiscoveryRequest, DiscoveryResponse>> clients = new ArrayList<>();
    try {
      for (int i = 0; i < nodes.size(); i++) {
        AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channels.get(i));
        c.send(DiscoveryRequest.newBuilder().setNode(node("proxy-on-node-" + i)).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
            .addResourceNames(CLA).build());
        clients.add(c);
      }
      for (var c : clients) {
        nextWith(c, new TreeSet<>(List.of("10.9.0.1")));
      }
      kube.endpoints("default", "web", 8080, List.of("10.9.0.1", "10.9.0.2"));
      for (var c : clients) {
        nextWith(c, new TreeSet<>(List.of("10.9.0.1", "10.9.0.2")));
      }
      // Node 0 answers for the proxy served by node 2.
      String servedBy2 = nodes.get(2).settings().nodeName();
      Awaitility.await("node 0 reports proxy-on-node-2").atMost(Duration.ofSeconds(30)).until(() ->
          http(nodes.get(0), "/debug/proxies/proxy-on-node-2").contains("\"servingNode\" : \"" + servedBy2 + "\""));
      assertThat(http(nodes.get(0), "/debug/proxies/proxy-on-node-2")).contains("\"connected\" : true");
    } finally {
      clients.forEach(AdsClient::close);
    }
  }

  @Test
  void proxy_status_from_any_node_reports_synced_and_stale_proxies_of_other_nodes() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> good = AdsClient.sotw(channels.get(1));
        AdsClient<DiscoveryRequest, DiscoveryResponse> nacker = AdsClient.sotw(channels.get(2))) {
      good.send(DiscoveryRequest.newBuilder().setNode(node("status-good")).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNames(CLA).build());
      DiscoveryResponse r = good.next();
      good.send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).addResourceNames(CLA).build());

      nacker.send(DiscoveryRequest.newBuilder().setNode(node("status-nacker")).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNames(CLA).build());
      DiscoveryResponse rejected = nacker.next();
      nacker.send(DiscoveryRequest.newBuilder().setTypeUrl(rejected.getTypeUrl()).setResponseNonce(rejected.getNonce())
          .addResourceNames(CLA).setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3)
              .setMessage("endpoint rejected by test")).build());

      Awaitility.await("node 0 reports both").atMost(Duration.ofSeconds(20)).until(() -> {
        String json = http(nodes.get(0), "/debug/proxy-status");
        return json.contains("status-good") && json.contains("status-nacker")
            && json.contains("endpoint rejected by test");
      });
      java.io.StringWriter out = new java.io.StringWriter();
      picocli.CommandLine cli = io.meshplane.cli.Main.commandLine();
      cli.setOut(new java.io.PrintWriter(out));
      int code = cli.execute("proxy-status", "--admin", "http://127.0.0.1:" + nodes.get(0).adminPort());
      assertThat(code).isZero();
      String table = out.toString();
      String goodLine = table.lines().filter(l -> l.startsWith("status-good")).findFirst().orElseThrow();
      String nackLine = table.lines().filter(l -> l.startsWith("status-nacker")).findFirst().orElseThrow();
      assertThat(goodLine).contains(nodes.get(1).settings().nodeName()).contains("SYNCED").contains("NOT SENT");
      assertThat(nackLine).contains(nodes.get(2).settings().nodeName())
          .contains("STALE (NACK: endpoint rejected by test)");
    }
  }

  @Test
  void config_dump_from_any_node_shows_what_a_proxy_on_another_node_received_and_its_ack_or_nack() throws Exception {
    // A '/' in the id: it travels as one percent-encoded path segment.
    String goodId = "dump/good";
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> good = AdsClient.sotw(channels.get(1));
        AdsClient<DiscoveryRequest, DiscoveryResponse> nacker = AdsClient.sotw(channels.get(2))) {
      good.send(DiscoveryRequest.newBuilder().setNode(node(goodId)).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNames(CLA).build());
      DiscoveryResponse received = good.next();
      good.send(DiscoveryRequest.newBuilder().setTypeUrl(received.getTypeUrl()).setVersionInfo(received.getVersionInfo())
          .setResponseNonce(received.getNonce()).addResourceNames(CLA).build());

      nacker.send(DiscoveryRequest.newBuilder().setNode(node("dump-nacker")).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNames(CLA).build());
      DiscoveryResponse rejected = nacker.next();
      nacker.send(DiscoveryRequest.newBuilder().setTypeUrl(rejected.getTypeUrl()).setResponseNonce(rejected.getNonce())
          .addResourceNames(CLA).setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3)
              .setMessage("endpoint rejected by the dump test")).build());

      // Node 0 serves neither proxy: it asks every node's streams.
      String goodPath = "/debug/config-dump/dump%2Fgood";
      JsonNode eds = awaitConfig(nodes.get(0), goodPath, "ACKED");
      JsonNode dump = new ObjectMapper().readTree(get(nodes.get(0), goodPath).body());
      assertThat(dump.path("proxy").asText()).isEqualTo(goodId);
      assertThat(dump.path("streams")).hasSize(1);
      assertThat(dump.path("streams").get(0).path("servingNode").asText()).isEqualTo(nodes.get(1).settings().nodeName());
      assertThat(dump.path("streams").get(0).path("mode").asText()).isEqualTo("SOTW");
      assertThat(eds.path("versionInfo").asText()).isEqualTo(received.getVersionInfo());
      assertThat(eds.path("nonce").asText()).isEqualTo(received.getNonce());
      assertThat(eds.path("ackedVersion").asText()).isEqualTo(received.getVersionInfo());
      assertThat(eds.path("subscription").path("names").get(0).asText()).isEqualTo(CLA);
      assertThat(eds.path("resources")).hasSize(1);
      JsonNode resource = eds.path("resources").get(0);
      assertThat(resource.path("name").asText()).isEqualTo(CLA);
      // The dumped resource is the very ClusterLoadAssignment the client received.
      ObjectNode body = ((ObjectNode) resource.path("resource")).deepCopy();
      assertThat(body.remove("@type").asText()).isEqualTo(TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
      ClusterLoadAssignment.Builder dumped = ClusterLoadAssignment.newBuilder();
      JsonFormat.parser().merge(body.toString(), dumped);
      assertThat(dumped.build()).isEqualTo(ClusterLoadAssignment.parseFrom(received.getResources(0).getValue()));
      TreeSet<String> dumpedAddresses = new TreeSet<>();
      body.findValues("socketAddress").forEach(a -> dumpedAddresses.add(a.path("address").asText()));
      assertThat(dumpedAddresses).isEqualTo(addresses(received)).isNotEmpty();

      JsonNode nacked = awaitConfig(nodes.get(0), "/debug/config-dump/dump-nacker", "NACKED");
      assertThat(nacked.path("nack").path("error").asText()).isEqualTo("endpoint rejected by the dump test");
      assertThat(nacked.path("nack").path("versionInfo").asText()).isEqualTo(rejected.getVersionInfo());
      assertThat(nacked.has("ackedVersion")).isFalse();
      assertThat(get(nodes.get(1), "/debug/config-dump/dump-nacker").body())
          .contains(nodes.get(2).settings().nodeName());

      HttpResponse<String> unknown = get(nodes.get(0), "/debug/config-dump/nobody-here");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("proxy nobody-here is not connected to any node");

      String admin = "127.0.0.1:" + nodes.get(0).adminPort();
      java.io.StringWriter out = new java.io.StringWriter();
      java.io.StringWriter err = new java.io.StringWriter();
      picocli.CommandLine cli = io.meshplane.cli.Main.commandLine();
      cli.setOut(new java.io.PrintWriter(out));
      cli.setErr(new java.io.PrintWriter(err));
      assertThat(cli.execute("config-dump", goodId, "--admin", admin, "-o", "summary")).as(err.toString()).isZero();
      String line = out.toString().lines().filter(l -> l.contains("EDS")).findFirst().orElseThrow();
      assertThat(line).startsWith(nodes.get(1).settings().nodeName()).contains("ACKED")
          .contains(received.getVersionInfo());
      assertThat(cli.execute("config-dump", "nobody-here", "--admin", admin)).isEqualTo(1);
      assertThat(err.toString()).contains("proxy nobody-here is not connected to any node");
    }
  }

  /** The EDS config of the first stream of a dump, once the node answers with it in {@code status}. */
  static JsonNode awaitConfig(ControlPlaneNode n, String path, String status) {
    JsonNode[] eds = new JsonNode[1];
    Awaitility.await(path + " " + status).atMost(Duration.ofSeconds(20)).until(() -> {
      HttpResponse<String> r = get(n, path);
      if (r.statusCode() != 200) {
        return false;
      }
      for (JsonNode c : new ObjectMapper().readTree(r.body()).path("streams").get(0).path("configs")) {
        if (c.path("type").asText().equals("EDS") && c.path("status").asText().equals(status)) {
          eds[0] = c;
          return true;
        }
      }
      return false;
    });
    return eds[0];
  }

  static HttpResponse<String> get(ControlPlaneNode n, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.adminPort()
        + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String http(ControlPlaneNode n, String path) throws Exception {
    return get(n, path).body();
  }
}
