package io.meshplane.xds;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.GRPC_PORT;
import static io.meshplane.model.TestServices.ZONE_A;
import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.spec;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.Mesh;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ServiceState;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Streams serve each proxy its own view: EDS by network (split horizon) in SotW and delta, equal
 * versions for equal views, visibility by the mesh default, and a mesh change re-pushed.
 * greeter's endpoint 10.0.0.1 is on net-1, whose gateway is 192.0.2.1:15443.
 */
class XdsConnectionViewTest {

  private static final ActorTestKit testKit = ActorTestKit.create("XdsConnectionViewTest");

  private static final String EDS_NAME = ResourceNames.clusterLoadAssignment(GREETER, GRPC_PORT);
  private static final ServiceState GREETER_V1 = service(spec("greeter", "default"), 1, "10.0.0.1");
  private static final ServiceState VAULT = service(spec("vault", "ops"), 1, "10.5.0.1");
  private static final Mesh SPLIT = Mesh.of(config(List.of("*")), DiscoveredGateways.NONE);
  private static final Mesh SPLIT_PRIVATE_BY_DEFAULT = Mesh.of(config(List.of(".")), DiscoveredGateways.NONE);
  private static final Node ON_NET_1 = TestStream.nodeOn("client-net-1", "default", "net-1", ZONE_A);
  private static final Node ON_NET_2 = TestStream.nodeOn("client-net-2", "default", "net-2", ZONE_A);
  private static final Node ON_NET_2_ELSEWHERE = TestStream.nodeOn("client-net-2b", "ops", "net-2", ZONE_A);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static MeshConfig config(List<String> defaultExportTo) {
    return new MeshConfig("mesh1", "cluster.local",
        Map.of("net-1", new MeshConfig.Network("net-1", List.of(new MeshConfig.Gateway("192.0.2.1", 15443))),
            "net-2", new MeshConfig.Network("net-2", List.of())),
        defaultExportTo, List.of(), true);
  }

  private static DiscoveryRequest edsRequest(Node node) {
    return DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).build();
  }

  private static DiscoveryRequest ack(DiscoveryResponse r, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).addAllResourceNames(List.of(names))
        .setVersionInfo(r.getVersionInfo()).setResponseNonce(r.getNonce()).build();
  }

  private static List<String> addresses(List<Any> resources) throws InvalidProtocolBufferException {
    List<String> out = new ArrayList<>();
    for (Any any : resources) {
      ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(any.getValue());
      cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e -> out.add(
          e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
              + e.getEndpoint().getAddress().getSocketAddress().getPortValue())));
    }
    return out;
  }

  private static DiscoveryResponse sotwEds(Node node, Mesh mesh) {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(edsRequest(node));
    stream.expectWatch();
    stream.update(mesh, false, GREETER_V1);
    return stream.nextResponse();
  }

  @Test
  void sotw_proxies_on_two_networks_get_different_eds_and_equal_views_equal_versions() throws Exception {
    DiscoveryResponse local = sotwEds(ON_NET_1, SPLIT);
    DiscoveryResponse remote = sotwEds(ON_NET_2, SPLIT);
    DiscoveryResponse remoteElsewhere = sotwEds(ON_NET_2_ELSEWHERE, SPLIT);

    assertThat(addresses(local.getResourcesList())).containsExactly("10.0.0.1:9000");
    assertThat(addresses(remote.getResourcesList())).containsExactly("192.0.2.1:15443");
    assertThat(remote.getVersionInfo()).isNotEqualTo(local.getVersionInfo());
    assertThat(remoteElsewhere.getVersionInfo()).isEqualTo(remote.getVersionInfo());
    assertThat(remoteElsewhere.getResources(0)).isEqualTo(remote.getResources(0));
  }

  @Test
  void delta_proxies_on_two_networks_get_different_eds_versions() throws Exception {
    List<DeltaDiscoveryResponse> responses = new ArrayList<>();
    for (Node node : List.of(ON_NET_1, ON_NET_2, ON_NET_2_ELSEWHERE)) {
      TestStream stream = TestStream.delta(testKit);
      stream.send(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNamesSubscribe(EDS_NAME).build());
      stream.expectWatch();
      stream.update(SPLIT, false, GREETER_V1);
      responses.add(stream.nextDeltaResponse());
    }

    assertThat(addresses(List.of(responses.get(0).getResources(0).getResource()))).containsExactly("10.0.0.1:9000");
    assertThat(addresses(List.of(responses.get(1).getResources(0).getResource())))
        .containsExactly("192.0.2.1:15443");
    assertThat(responses.get(1).getResources(0).getVersion())
        .isNotEqualTo(responses.get(0).getResources(0).getVersion());
    assertThat(responses.get(2).getResources(0).getVersion()).isEqualTo(responses.get(1).getResources(0).getVersion());
    assertThat(responses.get(2).getSystemVersionInfo()).isEqualTo(responses.get(1).getSystemVersionInfo());
  }

  @Test
  void sotw_a_mesh_change_re_pushes_eds_that_changed_for_the_proxy_and_nothing_else() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(edsRequest(ON_NET_2));
    stream.expectWatch();
    stream.update(Mesh.DEFAULT, false, GREETER_V1);
    DiscoveryResponse flat = stream.nextResponse();
    assertThat(addresses(flat.getResourcesList())).containsExactly("10.0.0.1:9000");
    stream.send(ack(flat, EDS_NAME));

    stream.update(SPLIT, false, GREETER_V1);

    DiscoveryResponse split = stream.nextResponse();
    assertThat(addresses(split.getResourcesList())).containsExactly("192.0.2.1:15443");
    stream.send(ack(split, EDS_NAME));
    // A mesh change that changes nothing this proxy reads (here: the same mesh again) sends nothing.
    stream.update(SPLIT, false, GREETER_V1);
    stream.expectNoResponse();
  }

  @Test
  void delta_a_mesh_change_re_pushes_only_the_changed_assignment() throws Exception {
    TestStream stream = TestStream.delta(testKit);
    stream.send(DeltaDiscoveryRequest.newBuilder().setNode(ON_NET_2).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNamesSubscribe(EDS_NAME).build());
    stream.expectWatch();
    stream.update(Mesh.DEFAULT, false, GREETER_V1);
    DeltaDiscoveryResponse flat = stream.nextDeltaResponse();
    stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .setResponseNonce(flat.getNonce()).build());

    stream.update(SPLIT, false, GREETER_V1);

    DeltaDiscoveryResponse split = stream.nextDeltaResponse();
    assertThat(split.getResourcesList()).singleElement().satisfies(r -> {
      assertThat(r.getName()).isEqualTo(EDS_NAME);
      assertThat(r.getVersion()).isNotEqualTo(flat.getResources(0).getVersion());
    });
    assertThat(addresses(List.of(split.getResources(0).getResource()))).containsExactly("192.0.2.1:15443");
  }

  @Test
  void sotw_a_mesh_default_export_to_change_hides_and_shows_services_without_their_names() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(DiscoveryRequest.newBuilder().setNode(ON_NET_1).setTypeUrl(TypeUrls.CLUSTER).build());
    stream.expectWatch();
    stream.update(SPLIT, true, GREETER_V1, VAULT);
    DiscoveryResponse all = stream.nextResponse();
    assertThat(clusterNames(all)).containsExactly(ResourceNames.cluster(GREETER, GRPC_PORT),
        ResourceNames.cluster(VAULT.hostname(), GRPC_PORT));
    stream.send(ack(all));

    stream.update(SPLIT_PRIVATE_BY_DEFAULT, false, GREETER_V1, VAULT);

    DiscoveryResponse hidden = stream.nextResponse();
    assertThat(clusterNames(hidden)).containsExactly(ResourceNames.cluster(GREETER, GRPC_PORT));
    assertThat(hidden.toByteString().toStringUtf8()).doesNotContain("vault");
    stream.send(ack(hidden));

    stream.update(SPLIT, false, GREETER_V1, VAULT);
    assertThat(clusterNames(stream.nextResponse())).hasSize(2);
  }

  @Test
  void delta_a_service_invisible_by_the_mesh_default_asked_by_name_is_answered_as_if_it_did_not_exist() {
    String vaultCluster = ResourceNames.cluster(VAULT.hostname(), GRPC_PORT);
    String nowhere = ResourceNames.cluster("nowhere.ops.svc.cluster.local", GRPC_PORT);
    TestStream stream = TestStream.delta(testKit);

    stream.send(DeltaDiscoveryRequest.newBuilder().setNode(ON_NET_1).setTypeUrl(TypeUrls.CLUSTER)
        .addResourceNamesSubscribe(vaultCluster).addResourceNamesSubscribe(nowhere).build());
    stream.expectWatch();
    stream.update(SPLIT_PRIVATE_BY_DEFAULT, false, VAULT, ServiceState.empty("nowhere.ops.svc.cluster.local"));

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(response.getResourcesList()).isEmpty();
    // The proxy only hears back the names it asked for, the same way for both.
    assertThat(response.getRemovedResourcesList()).containsExactlyInAnyOrder(vaultCluster, nowhere);
    assertThat(response.toByteString().toStringUtf8()).doesNotContain("10.5.0.1");
  }

  @Test
  void sotw_a_service_invisible_by_the_mesh_default_asked_by_name_is_never_sent() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    String vaultEds = ResourceNames.clusterLoadAssignment(VAULT.hostname(), GRPC_PORT);

    stream.send(DiscoveryRequest.newBuilder().setNode(ON_NET_1).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(vaultEds).build());
    stream.expectWatch();
    stream.update(SPLIT_PRIVATE_BY_DEFAULT, false, VAULT);

    DiscoveryResponse response = stream.nextResponse();
    assertThat(response.getResourcesCount()).isZero();
    assertThat(response.toByteString().toStringUtf8()).doesNotContain("vault");
  }

  private static List<String> clusterNames(DiscoveryResponse response) throws InvalidProtocolBufferException {
    List<String> out = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      out.add(Cluster.parseFrom(any.getValue()).getName());
    }
    return out;
  }
}
