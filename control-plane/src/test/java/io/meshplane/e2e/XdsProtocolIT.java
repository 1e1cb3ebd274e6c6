package io.meshplane.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.AdsClient;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.TestDirs;
import io.meshplane.xds.generator.TypeUrls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ADS protocol against a real node (Cassandra, mock API server), spoken by a client built on
 * the api jar's generated grpc-java stubs: delta subscriptions and reconnects, and bad requests.
 */
class XdsProtocolIT {

  static final String EDS = TypeUrls.CLUSTER_LOAD_ASSIGNMENT;
  static final String CDS = TypeUrls.CLUSTER;
  static final String LDS = TypeUrls.LISTENER;

  static CassandraSpace cassandra;
  static MockCluster kube;
  static ControlPlaneNode node;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    Path dir = TestDirs.fresh("xds-protocol");
    cassandra = CassandraSpace.of(XdsProtocolIT.class);
    kube = MockCluster.start(0);
    kube.namespace("default");
    for (String s : List.of("alpha", "beta")) {
      kube.service("default", s, 8080, 8080);
    }
    kube.endpoints("default", "alpha", 8080, List.of("10.1.0.1"));
    kube.endpoints("default", "beta", 8080, List.of("10.2.0.1"));
    node = InProcessNode.start(cassandra, kube.writeKubeconfig(dir.resolve("kubeconfig")));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.xdsPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (node != null) {
      node.close();
    }
    if (kube != null) {
      kube.close();
    }
  }

  static String cluster(String service) {
    return "outbound|8080||" + service + ".default.svc.cluster.local";
  }

  static Node node(String id, String namespace) {
    return Node.newBuilder().setId(id).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
        .putFields("PROXY_KIND", Value.newBuilder().setStringValue("sidecar").build())).build();
  }

  static List<String> names(DeltaDiscoveryResponse r) {
    return r.getResourcesList().stream().map(Resource::getName).toList();
  }

  static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse r) {
    return DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build();
  }

  static List<String> addresses(DeltaDiscoveryResponse r, String name) throws Exception {
    for (Resource res : r.getResourcesList()) {
      if (res.getName().equals(name)) {
        ClusterLoadAssignment cla = res.getResource().unpack(ClusterLoadAssignment.class);
        List<String> out = new ArrayList<>();
        cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
            out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
        return out;
      }
    }
    throw new AssertionError(name + " not in " + names(r));
  }

  /** What a delta client holds of CDS: name -> version, updated by every CDS response. */
  static final Map<String, String> HELD_CDS = new java.util.concurrent.ConcurrentHashMap<>();

  static void hold(DeltaDiscoveryResponse r) {
    if (r.getTypeUrl().equals(CDS)) {
      r.getResourcesList().forEach(res -> HELD_CDS.put(res.getName(), res.getVersion()));
      r.getRemovedResourcesList().forEach(HELD_CDS::remove);
    }
  }

  /** The next response of a type, skipping (and acknowledging) responses of other types. */
  static DeltaDiscoveryResponse nextOf(AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> c, String type,
      List<DeltaDiscoveryResponse> skipped) {
    while (true) {
      DeltaDiscoveryResponse r = c.next();
      hold(r);
      c.send(ack(r));
      if (r.getTypeUrl().equals(type)) {
        return r;
      }
      skipped.add(r);
    }
  }

  @Test
  void delta_subscribe_unsubscribe_wildcard_removals_and_reconnect_without_resending() throws Exception {
    Map<String, String> held;
    try (AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> c = AdsClient.delta(channel)) {
      // Wildcard CDS: an empty subscription on the first request.
      c.send(DeltaDiscoveryRequest.newBuilder().setNode(node("delta-1", "default")).setTypeUrl(CDS).build());
      DeltaDiscoveryResponse cds = c.next();
      hold(cds);
      assertThat(names(cds)).contains(cluster("alpha"), cluster("beta"));
      c.send(ack(cds));

      // Subscribe to one ClusterLoadAssignment.
      c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesSubscribe(cluster("alpha")).build());
      DeltaDiscoveryResponse eds = c.next();
      assertThat(names(eds)).containsExactly(cluster("alpha"));
      assertThat(addresses(eds, cluster("alpha"))).containsExactly("10.1.0.1");
      c.send(ack(eds));

      // A change of the subscribed service is pushed.
      kube.endpoints("default", "alpha", 8080, List.of("10.1.0.1", "10.1.0.2"));
      eds = c.next();
      assertThat(addresses(eds, cluster("alpha"))).containsExactlyInAnyOrder("10.1.0.1", "10.1.0.2");
      c.send(ack(eds));

      // Unsubscribe alpha, subscribe beta: alpha's changes no longer arrive.
      c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesUnsubscribe(cluster("alpha"))
          .addResourceNamesSubscribe(cluster("beta")).build());
      eds = c.next();
      assertThat(names(eds)).containsExactly(cluster("beta"));
      c.send(ack(eds));
      kube.endpoints("default", "alpha", 8080, List.of("10.1.0.3"));
      kube.endpoints("default", "beta", 8080, List.of("10.2.0.2"));
      List<DeltaDiscoveryResponse> before = new ArrayList<>();
      eds = nextOf(c, EDS, before);
      assertThat(names(eds)).containsExactly(cluster("beta"));
      assertThat(addresses(eds, cluster("beta"))).containsExactly("10.2.0.2");
      assertThat(before).allSatisfy(r -> assertThat(names(r)).doesNotContain(cluster("alpha")));

      // A name that does not exist is reported in removed_resources.
      c.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesSubscribe(cluster("ghost")).build());
      eds = nextOf(c, EDS, new ArrayList<>());
      assertThat(eds.getRemovedResourcesList()).containsExactly(cluster("ghost"));
      assertThat(eds.getResourcesList()).isEmpty();

      // A deleted service's cluster is removed from the wildcard subscription.
      kube.deleteService("default", "beta");
      cds = nextOf(c, CDS, new ArrayList<>());
      assertThat(cds.getRemovedResourcesList()).contains(cluster("beta"));
      held = Map.copyOf(HELD_CDS);
      assertThat(held).containsKey(cluster("alpha")).doesNotContainKey(cluster("beta"));
    }

    // Reconnect with what the client holds; meanwhile a new service appeared.
    kube.service("default", "gamma", 8080, 8080);
    kube.endpoints("default", "gamma", 8080, List.of("10.3.0.1"));
    awaitServiceKnown("gamma.default.svc.cluster.local");
    try (AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> c = AdsClient.delta(channel)) {
      c.send(DeltaDiscoveryRequest.newBuilder().setNode(node("delta-1", "default")).setTypeUrl(CDS)
          .putAllInitialResourceVersions(held).build());
      DeltaDiscoveryResponse cds = c.next();
      assertThat(names(cds)).containsExactly(cluster("gamma"));
      assertThat(cds.getRemovedResourcesList()).isEmpty();
    }
  }

  private static void awaitServiceKnown(String hostname) {
    // A SotW CDS wildcard request on a fresh stream shows what the node knows.
    org.awaitility.Awaitility.await(hostname + " known").atMost(java.time.Duration.ofSeconds(20)).until(() -> {
      try (AdsClient<DiscoveryRequest, DiscoveryResponse> s = AdsClient.sotw(channel)) {
        s.send(DiscoveryRequest.newBuilder().setNode(node("probe-" + hostname, "default")).setTypeUrl(CDS).build());
        return s.next().getResourcesList().stream().anyMatch(a -> a.toString().contains(hostname));
      }
    });
  }

  // ---- bad input ---------------------------------------------------------------------------

  static Status endOf(DiscoveryRequest first) {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channel)) {
      c.send(first);
      return c.awaitEnd();
    }
  }

  @Test
  void a_first_request_without_node_is_rejected_with_invalid_argument() {
    Status s = endOf(DiscoveryRequest.newBuilder().setTypeUrl(LDS).build());
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).contains("node");
  }

  @Test
  void a_malformed_node_is_rejected_naming_the_field() {
    Status s = endOf(DiscoveryRequest.newBuilder().setNode(node("bad-ns", "Not_A_Namespace")).setTypeUrl(LDS).build());
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).contains("namespace").contains("Not_A_Namespace");
  }

  @Test
  void a_garbage_type_url_is_rejected_naming_the_expected_types() {
    Status s = endOf(DiscoveryRequest.newBuilder().setNode(node("bad-type", "default")).setTypeUrl("lds please").build());
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).contains("lds please").contains(LDS);
  }

  @Test
  void too_many_resource_names_are_rejected_with_resource_exhausted() {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setNode(node("too-many", "default")).setTypeUrl(EDS);
    IntStream.range(0, 10_001).forEach(i -> b.addResourceNames("outbound|80||s" + i + ".default.svc.cluster.local"));
    Status s = endOf(b.build());
    assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.getDescription()).contains("10001");
  }

  @Test
  void an_oversized_message_ends_only_its_own_stream() {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setNode(node("oversized", "default")).setTypeUrl(EDS);
    String big = "x".repeat(1000);
    IntStream.range(0, 9_000).forEach(i -> b.addResourceNames(big + i));
    Status s = endOf(b.build());
    assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.getDescription()).contains("expected at most 4194304");
    // The server is still serving.
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channel)) {
      c.send(DiscoveryRequest.newBuilder().setNode(node("after-oversized", "default")).setTypeUrl(CDS).build());
      assertThat(c.next().getResourcesCount()).isPositive();
    }
  }

  @Test
  void a_long_lived_stream_is_not_cut_after_many_requests() {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channel)) {
      c.send(DiscoveryRequest.newBuilder().setNode(node("long-lived", "default")).setTypeUrl(CDS).build());
      DiscoveryResponse r = c.next();
      // 12 MB of acknowledgements: more than any per-request size limit of the HTTP layer.
      String padding = "v".repeat(1_200);
      for (int i = 0; i < 10_000; i++) {
        c.send(DiscoveryRequest.newBuilder().setTypeUrl(CDS).setVersionInfo(padding).setResponseNonce(r.getNonce())
            .build());
      }
      c.send(DiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNames(cluster("alpha")).build());
      assertThat(c.next().getTypeUrl()).isEqualTo(EDS);
    }
  }

  @Test
  void garbage_resource_names_get_no_resources_and_the_stream_goes_on() {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channel)) {
      c.send(DiscoveryRequest.newBuilder().setNode(node("garbage-names", "default")).setTypeUrl(LDS)
          .addResourceNames(":::").addResourceNames("a b:1").addResourceNames("alpha.default:99999").build());
      DiscoveryResponse r = c.next();
      assertThat(r.getResourcesList()).isEmpty();
      c.send(DiscoveryRequest.newBuilder().setTypeUrl(LDS).setResponseNonce(r.getNonce())
          .setVersionInfo(r.getVersionInfo()).addResourceNames("alpha.default.svc.cluster.local:8080").build());
      assertThat(c.next().getResourcesCount()).isEqualTo(1);
    }
  }

  @Test
  void an_unsupported_but_well_formed_type_gets_an_empty_response() {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channel)) {
      String secret = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
      c.send(DiscoveryRequest.newBuilder().setNode(node("secrets", "default")).setTypeUrl(secret).build());
      DiscoveryResponse r = c.next();
      assertThat(r.getTypeUrl()).isEqualTo(secret);
      assertThat(r.getResourcesList()).isEmpty();
    }
  }

  @Test
  void a_nack_keeps_the_last_good_config_and_is_reported() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> c = AdsClient.sotw(channel)) {
      c.send(DiscoveryRequest.newBuilder().setNode(node("nacker", "default")).setTypeUrl(CDS).build());
      DiscoveryResponse good = c.next();
      c.send(DiscoveryRequest.newBuilder().setTypeUrl(CDS).setVersionInfo(good.getVersionInfo())
          .setResponseNonce(good.getNonce()).build());
      kube.service("default", "nacked", 9000, 9000);
      DiscoveryResponse rejected = c.next();
      assertThat(rejected.getVersionInfo()).isNotEqualTo(good.getVersionInfo());
      c.send(DiscoveryRequest.newBuilder().setTypeUrl(CDS).setVersionInfo(good.getVersionInfo())
          .setResponseNonce(rejected.getNonce())
          .setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage("cluster rejected: test")).build());
      org.awaitility.Awaitility.await("NACK in proxy status").atMost(java.time.Duration.ofSeconds(30)).until(() ->
          http("/debug/proxies/nacker").contains("cluster rejected: test"));
      assertThat(http("/debug/proxies/nacker")).contains("\"ackedVersion\" : \"" + good.getVersionInfo() + "\"")
          .contains("\"nackedVersion\" : \"" + rejected.getVersionInfo() + "\"");
      assertThat(http("/metrics")).contains("meshplane_xds_nacks_total{type=\"CDS\"} 1.0");
    }
  }

  static String http(String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + node.adminPort() + path)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }
}
