package io.meshplane.loadtest.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.xds.XdsNameResolverProvider;
import io.meshplane.testing.AdsClient;
import io.meshplane.testing.Closer;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The baseline in this JVM against a simulated API server: raw SotW and delta ADS streams, and
 * grpc-java's real xDS client calling real backends. Each test uses services of its own.
 */
class BaselineControlPlaneTest {

  private static final int PORT = 50051;
  private static final Closer closer = new Closer();
  private static MockCluster kube;
  private static BaselineControlPlane baseline;
  private static ManagedChannel channel;

  @BeforeAll
  static void start(@TempDir Path dir) {
    kube = closer.keep(MockCluster.start(0));
    kube.namespace("default");
    for (String svc : List.of("sotw-a", "sotw-b", "delta-a", "delta-b")) {
      kube.service("default", svc, PORT, 8080);
      kube.endpoints("default", svc, 8080, List.of("10.0.0.1", "10.0.0.2"));
    }
    baseline = closer.keep(BaselineControlPlane.start(
        new BaselineArgs(kube.writeKubeconfig(dir.resolve("kubeconfig")), Ports.free(), 0, false)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", baseline.xdsPort()).usePlaintext().build();
    closer.keep(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  @AfterAll
  static void stop() {
    closer.close();
  }

  @Test
  void sotw_client_converges_and_is_answered_again_only_when_what_it_asked_for_changed() {
    String a = cluster("sotw-a");
    String b = cluster("sotw-b");
    try (var both = AdsClient.sotw(channel); var onlyB = AdsClient.sotw(channel)) {
      DiscoveryResponse cds = both.send(sotw(TypeUrls.CLUSTER, List.of(a, b), "", "")).next();
      assertThat(cds.getResourcesList()).extracting(r -> unpack(r, Cluster.class).getName())
          .containsExactlyInAnyOrder(a, b);
      assertThat(unpack(cds.getResources(0), Cluster.class).getEdsClusterConfig().getServiceName())
          .isIn(a, b);
      both.send(sotw(TypeUrls.CLUSTER, List.of(a, b), cds.getVersionInfo(), cds.getNonce()));
      DiscoveryResponse eds = both.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(a, b), "", "")).next();
      assertThat(addresses(eds)).containsEntry(a, Set.of("10.0.0.1", "10.0.0.2"))
          .containsEntry(b, Set.of("10.0.0.1", "10.0.0.2"));
      both.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(a, b), eds.getVersionInfo(), eds.getNonce()));

      DiscoveryResponse edsB = onlyB.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(b), "", "")).next();
      onlyB.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(b), edsB.getVersionInfo(), edsB.getNonce()));

      kube.endpoints("default", "sotw-a", 8080, List.of("10.0.0.3"));
      DiscoveryResponse changed = both.next();
      assertThat(addresses(changed)).containsEntry(a, Set.of("10.0.0.3"))
          .containsEntry(b, Set.of("10.0.0.1", "10.0.0.2"));
      both.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(a, b), changed.getVersionInfo(), changed.getNonce()));

      // Had the change of sotw-a been sent to the proxy that only watches sotw-b, this next
      // response would still hold sotw-b's old endpoints.
      kube.endpoints("default", "sotw-b", 8080, List.of("10.0.0.4"));
      assertThat(addresses(onlyB.next())).isEqualTo(Map.of(b, Set.of("10.0.0.4")));
    }
  }

  @Test
  void sotw_endpoint_subscription_to_a_service_created_later_is_answered_empty_then_filled() {
    String late = cluster("sotw-late");
    try (var client = AdsClient.sotw(channel)) {
      DiscoveryResponse empty = client.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(late), "", "")).next();
      assertThat(addresses(empty)).isEqualTo(Map.of(late, Set.of()));
      client.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(late), empty.getVersionInfo(), empty.getNonce()));

      kube.service("default", "sotw-late", PORT, 8080);
      kube.endpoints("default", "sotw-late", 8080, List.of("10.0.2.1"));
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        DiscoveryResponse r = client.next();
        client.send(sotw(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(late), r.getVersionInfo(), r.getNonce()));
        assertThat(addresses(r)).isEqualTo(Map.of(late, Set.of("10.0.2.1")));
      });
    }
  }

  @Test
  void requests_without_node_are_served_from_the_snapshot_of_the_streams_namespace() {
    kube.namespace("other");
    kube.service("other", "twin", PORT, 8080);
    kube.service("default", "twin", PORT, 8080);
    String twinOther = ResourceNames.cluster("twin.other.svc.cluster.local", PORT);
    String twinDefault = cluster("twin");
    try (var published = AdsClient.delta(channel)) {
      published.send(deltaSubscribe(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(twinOther, twinDefault), Map.of()));
      Set<String> seen = new TreeSet<>();
      while (seen.size() < 2) {
        DeltaDiscoveryResponse r = published.next();
        r.getResourcesList().forEach(res -> seen.add(res.getName()));
        published.send(ack(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, r.getNonce()));
      }
    }
    Node other = node().toBuilder().setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("other").build())).build();
    try (var client = AdsClient.sotw(channel)) {
      DiscoveryResponse first = client.send(sotw(TypeUrls.LISTENER, List.of("twin:" + PORT), "", "").toBuilder()
          .setNode(other).build()).next();
      assertThat(routeOf(first, "twin:" + PORT)).isEqualTo("twin.other.svc.cluster.local:" + PORT);
      // Like most proxies, the ACK and the next request carry no node.
      client.send(sotw(TypeUrls.LISTENER, List.of("twin:" + PORT), first.getVersionInfo(), first.getNonce())
          .toBuilder().clearNode().build());
      DiscoveryResponse next = client.send(sotw(TypeUrls.LISTENER, List.of("twin:" + PORT, "twin.other:" + PORT),
          first.getVersionInfo(), first.getNonce()).toBuilder().clearNode().build()).next();
      assertThat(routeOf(next, "twin:" + PORT)).isEqualTo("twin.other.svc.cluster.local:" + PORT);
    }
  }

  private static String routeOf(DiscoveryResponse lds, String listener) {
    return lds.getResourcesList().stream()
        .map(any -> unpack(any, io.envoyproxy.envoy.config.listener.v3.Listener.class))
        .filter(l -> l.getName().equals(listener))
        .map(l -> unpack(l.getApiListener().getApiListener(),
            io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class)
            .getRds().getRouteConfigName())
        .findFirst().orElseThrow(() -> new AssertionError("no listener " + listener + " in " + lds));
  }

  @Test
  void delta_client_gets_only_the_changed_assignment_and_what_a_resumed_stream_is_sent() {
    String a = cluster("delta-a");
    String b = cluster("delta-b");
    Map<String, String> versions = new HashMap<>();
    try (var delta = AdsClient.delta(channel)) {
      DeltaDiscoveryResponse cds = delta.send(deltaSubscribe(TypeUrls.CLUSTER, List.of(a, b), Map.of())).next();
      // java-control-plane treats delta CDS (and LDS) as a wildcard subscription whatever names
      // the client subscribes to: it gets every cluster, sotw-a's among them.
      assertThat(cds.getResourcesList()).extracting(Resource::getName).contains(a, b, cluster("sotw-a"));
      delta.send(ack(TypeUrls.CLUSTER, cds.getNonce()));
      DeltaDiscoveryResponse eds = delta.send(deltaSubscribe(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(a, b), Map.of()))
          .next();
      assertThat(eds.getResourcesList()).extracting(Resource::getName).containsExactlyInAnyOrder(a, b);
      eds.getResourcesList().forEach(r -> versions.put(r.getName(), r.getVersion()));
      delta.send(ack(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, eds.getNonce()));

      kube.endpoints("default", "delta-a", 8080, List.of("10.0.1.1"));
      DeltaDiscoveryResponse changed = delta.next();
      assertThat(changed.getResourcesList()).extracting(Resource::getName).containsExactly(a);
      assertThat(addresses(changed.getResources(0).getResource())).isEqualTo(Set.of("10.0.1.1"));
      versions.put(a, changed.getResources(0).getVersion());
      delta.send(ack(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, changed.getNonce()));
    }

    // A proxy that lost its stream resumes with what it holds; meanwhile only delta-a changed.
    kube.endpoints("default", "delta-a", 8080, List.of("10.0.1.2"));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      try (var resumed = AdsClient.delta(channel)) {
        DeltaDiscoveryResponse eds = resumed.send(deltaSubscribe(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, List.of(a, b),
            versions)).next();
        Map<String, Set<String>> sent = new HashMap<>();
        eds.getResourcesList().forEach(r -> sent.put(r.getName(), addresses(r.getResource())));
        assertThat(sent).containsEntry(a, Set.of("10.0.1.2"));
        // java-control-plane 1.0.49 ignores initial_resource_versions (it only logs them): every
        // resource subscribed to on a new stream is sent, the unchanged one too.
        assertThat(sent).containsEntry(b, Set.of("10.0.0.1", "10.0.0.2"));
      }
    });
  }

  @Test
  void grpc_java_xds_client_calls_the_backends_the_api_server_lists(@TempDir Path dir) {
    int backendPort = Ports.free();
    try (Closer local = new Closer()) {
      Greeters greeters = local.keep(Greeters.start(backendPort, List.of("127.0.0.21", "127.0.0.22")));
      kube.service("default", "greeter", PORT, backendPort);
      kube.endpoints("default", "greeter", backendPort, List.of("127.0.0.21"));
      String scheme = "xds-baseline-test";
      XdsNameResolverProvider provider = XdsNameResolverProvider.createForTest(scheme, bootstrap());
      NameResolverRegistry.getDefaultRegistry().register(provider);
      local.keep(() -> NameResolverRegistry.getDefaultRegistry().deregister(provider));
      ManagedChannel client = Grpc.newChannelBuilder(scheme + ":///greeter.default.svc.cluster.local:" + PORT,
          InsecureChannelCredentials.create()).build();
      local.keep(() -> client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .untilAsserted(() -> assertThat(Greeters.call(client, 2)).isEqualTo("127.0.0.21"));
      kube.endpoints("default", "greeter", backendPort, List.of("127.0.0.22"));
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .untilAsserted(() -> assertThat(Greeters.call(client, 2)).isEqualTo("127.0.0.22"));
      assertThat(greeters.port()).isEqualTo(backendPort);
    }
  }

  private static Map<String, ?> bootstrap() {
    return Map.of(
        "xds_servers", List.of(Map.of(
            "server_uri", "127.0.0.1:" + baseline.xdsPort(),
            "channel_creds", List.of(Map.of("type", "insecure")),
            "server_features", List.of("xds_v3"))),
        "node", Map.of(
            "id", "proxyless~127.0.0.1~client.default~default.svc.cluster.local",
            "cluster", "test",
            "locality", Map.of("region", "local", "zone", "local-a"),
            "metadata", Map.of("NAMESPACE", "default", "CLUSTER_ID", "cluster-1", "PROXY_KIND", "proxyless")));
  }

  private static String cluster(String service) {
    return ResourceNames.cluster(service + ".default.svc.cluster.local", PORT);
  }

  private static Node node() {
    return Node.newBuilder().setId("sim~10.9.0.1~sim-0.default~default.svc").setCluster("sim")
        .setMetadata(Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue("default").build())
            .putFields("PROXY_KIND", Value.newBuilder().setStringValue("proxyless").build()))
        .build();
  }

  private static DiscoveryRequest sotw(String type, List<String> names, String version, String nonce) {
    return DiscoveryRequest.newBuilder().setNode(node()).setTypeUrl(type).addAllResourceNames(names)
        .setVersionInfo(version).setResponseNonce(nonce).build();
  }

  private static DeltaDiscoveryRequest deltaSubscribe(String type, List<String> names, Map<String, String> held) {
    return DeltaDiscoveryRequest.newBuilder().setNode(node()).setTypeUrl(type).addAllResourceNamesSubscribe(names)
        .putAllInitialResourceVersions(held).build();
  }

  private static DeltaDiscoveryRequest ack(String type, String nonce) {
    return DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).setResponseNonce(nonce).build();
  }

  private static Map<String, Set<String>> addresses(DiscoveryResponse eds) {
    Map<String, Set<String>> out = new HashMap<>();
    for (Any any : eds.getResourcesList()) {
      out.put(unpack(any, ClusterLoadAssignment.class).getClusterName(), addresses(any));
    }
    return out;
  }

  private static Set<String> addresses(Any any) {
    Set<String> out = new TreeSet<>();
    unpack(any, ClusterLoadAssignment.class).getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
        out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
    return out;
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not a " + type.getSimpleName() + ": " + any.getTypeUrl(), e);
    }
  }
}
