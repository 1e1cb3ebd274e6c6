package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.Fixtures.EAST_A;
import static io.meshplane.xds.generator.Fixtures.EAST_B;
import static io.meshplane.xds.generator.Fixtures.HOST;
import static io.meshplane.xds.generator.Fixtures.WEST_A;
import static io.meshplane.xds.generator.Fixtures.grpc;
import static io.meshplane.xds.generator.Fixtures.grpcPort;
import static io.meshplane.xds.generator.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.Mesh;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The view computation of EDS as a table: meshes (flat, split with gateways, networks without
 * gateways, gateways only discovered) x proxies (network, locality, kind, cluster) x cluster-local.
 * Each row lists what the proxy must receive, one entry per LbEndpoint in emitted order:
 * {@code P<priority> <region/zone/subzone> <address:port> w<weight>[ unhealthy]}.
 *
 * <p>The service has endpoints in three clusters on three networks: net-a (cluster c1: one in
 * us-east1-a, one in us-east1-b), net-b (cluster c2: three ready and one unready in us-east1-a,
 * one in us-west1-a) and net-c (cluster c3, one in us-east1-a; net-c has no gateway anywhere).
 */
class EndpointViewTest {

  private static final Locality NOWHERE = Locality.UNKNOWN;
  private static final MeshConfig.Gateway GW_A = new MeshConfig.Gateway("192.0.2.1", 15443);
  private static final MeshConfig.Gateway GW_B1 = new MeshConfig.Gateway("192.0.2.10", 15443);
  private static final MeshConfig.Gateway GW_B2 = new MeshConfig.Gateway("192.0.2.11", 15443);

  private static final ServiceSpec SPEC = spec(grpcPort(50051));
  private static final ServiceState SERVICE = new ServiceState(HOST, 7, Map.of(
      "c1", share("c1", endpoint("c1", "net-a", "10.0.1.1", EAST_A, true),
          endpoint("c1", "net-a", "10.0.1.2", EAST_B, true)),
      "c2", share("c2", endpoint("c2", "net-b", "10.0.2.1", EAST_A, true),
          endpoint("c2", "net-b", "10.0.2.2", EAST_A, true),
          endpoint("c2", "net-b", "10.0.2.3", EAST_A, true),
          endpoint("c2", "net-b", "10.0.2.9", EAST_A, false),
          endpoint("c2", "net-b", "10.0.2.4", WEST_A, true)),
      "c3", share("c3", endpoint("c3", "net-c", "10.0.3.1", EAST_A, true))));

  /** The meshes of the table. */
  enum Meshes {
    /** Flat, with locality failover on (the default has it off). */
    FLAT(Mesh.of(new io.meshplane.mesh.MeshConfig("mesh1", "cluster.local", java.util.Map.of(), java.util.List.of("*"),
      java.util.List.of(), true), io.meshplane.mesh.DiscoveredGateways.NONE)),
    SPLIT(Mesh.of(config(true, Map.of("net-a", List.of(GW_A), "net-b", List.of(GW_B2, GW_B1)), List.of()),
        DiscoveredGateways.NONE)),
    SPLIT_NO_FAILOVER(Mesh.of(config(false, Map.of("net-a", List.of(GW_A), "net-b", List.of(GW_B1, GW_B2)),
        List.of()), DiscoveredGateways.NONE)),
    NETWORKS_WITHOUT_GATEWAYS(Mesh.of(config(true, Map.of("net-a", List.of(), "net-b", List.of()), List.of()),
        DiscoveredGateways.NONE)),
    DISCOVERED_ONLY(Mesh.of(config(true, Map.of(), List.of()),
        new DiscoveredGateways(Map.of("net-b", List.of(GW_B1))))),
    SPLIT_CLUSTER_LOCAL(Mesh.of(config(true, Map.of("net-a", List.of(GW_A), "net-b", List.of(GW_B1, GW_B2)),
        List.of("*.demo.svc.cluster.local")), DiscoveredGateways.NONE));

    final Mesh mesh;

    Meshes(Mesh mesh) {
      this.mesh = mesh;
    }
  }

  static Stream<Arguments> table() {
    return Stream.of(
        row("flat mesh: every endpoint directly, priorities by locality", Meshes.FLAT,
            sidecar("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.1:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.2:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.3:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.9:9000 w1 unhealthy",
            "P0 us-east1/us-east1-a/ 10.0.3.1:9000 w1",
            "P1 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P2 us-west1/us-west1-a/rack-1 10.0.2.4:9000 w1"),
        row("flat mesh: a proxyless client on another network still sees everything", Meshes.FLAT,
            proxyless("c9", "net-z", NOWHERE),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.1:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.2:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.3:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.9:9000 w1 unhealthy",
            "P0 us-east1/us-east1-a/ 10.0.3.1:9000 w1",
            "P0 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P0 us-west1/us-west1-a/rack-1 10.0.2.4:9000 w1"),
        row("split: own network directly, net-b by its gateways weighted 2+1 and 1, net-c unreachable",
            Meshes.SPLIT, sidecar("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w2",
            "P0 us-east1/us-east1-a/ 192.0.2.11:15443 w1",
            "P1 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P2 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("split without failover: the same endpoints, all at priority 0", Meshes.SPLIT_NO_FAILOVER,
            sidecar("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w2",
            "P0 us-east1/us-east1-a/ 192.0.2.11:15443 w1",
            "P0 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P0 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("split: a proxyless client gets its own network only", Meshes.SPLIT,
            proxyless("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P1 us-east1/us-east1-b/ 10.0.1.2:9000 w1"),
        row("split: from net-b in us-west1, net-a through its one gateway, one per locality", Meshes.SPLIT,
            sidecar("c2", "net-b", WEST_A),
            "P1 us-east1/us-east1-a/ 10.0.2.1:9000 w1",
            "P1 us-east1/us-east1-a/ 10.0.2.2:9000 w1",
            "P1 us-east1/us-east1-a/ 10.0.2.3:9000 w1",
            "P1 us-east1/us-east1-a/ 10.0.2.9:9000 w1 unhealthy",
            "P1 us-east1/us-east1-a/ 192.0.2.1:15443 w1",
            "P1 us-east1/us-east1-b/ 192.0.2.1:15443 w1",
            "P0 us-west1/us-west1-a/rack-1 10.0.2.4:9000 w1"),
        row("split: a proxy on the gateway-less network sees it directly and the others by gateway",
            Meshes.SPLIT, sidecar("c3", "net-c", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.3.1:9000 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.1:15443 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w2",
            "P0 us-east1/us-east1-a/ 192.0.2.11:15443 w1",
            "P1 us-east1/us-east1-b/ 192.0.2.1:15443 w1",
            "P2 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("split: a proxy that states no network reaches every network by gateway", Meshes.SPLIT,
            sidecar("c1", "", NOWHERE),
            "P0 us-east1/us-east1-a/ 192.0.2.1:15443 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w2",
            "P0 us-east1/us-east1-a/ 192.0.2.11:15443 w1",
            "P0 us-east1/us-east1-b/ 192.0.2.1:15443 w1",
            "P0 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("networks without gateways: nothing crosses a network", Meshes.NETWORKS_WITHOUT_GATEWAYS,
            sidecar("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P1 us-east1/us-east1-b/ 10.0.1.2:9000 w1"),
        row("a discovered gateway alone makes the mesh split; net-b by it, all three on one gateway",
            Meshes.DISCOVERED_ONLY, sidecar("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w3",
            "P1 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P2 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("cluster-local: only the proxy's own cluster, no gateway to the others",
            Meshes.SPLIT_CLUSTER_LOCAL, sidecar("c1", "net-a", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P1 us-east1/us-east1-b/ 10.0.1.2:9000 w1"),
        row("cluster-local from cluster c2", Meshes.SPLIT_CLUSTER_LOCAL, sidecar("c2", "net-b", EAST_A),
            "P0 us-east1/us-east1-a/ 10.0.2.1:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.2:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.3:9000 w1",
            "P0 us-east1/us-east1-a/ 10.0.2.9:9000 w1 unhealthy",
            "P1 us-west1/us-west1-a/rack-1 10.0.2.4:9000 w1"),
        row("cluster-local to a proxy that states no cluster: nothing", Meshes.SPLIT_CLUSTER_LOCAL,
            sidecar("", "net-a", EAST_A)),
        row("failover on, proxy without a region: every locality at priority 0", Meshes.SPLIT,
            sidecar("c1", "net-a", NOWHERE),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w2",
            "P0 us-east1/us-east1-a/ 192.0.2.11:15443 w1",
            "P0 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P0 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("priorities are compacted: same region other zone and other region become 0 and 1", Meshes.SPLIT,
            sidecar("c1", "net-a", new Locality("us-east1", "us-east1-c", "")),
            "P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1",
            "P0 us-east1/us-east1-a/ 192.0.2.10:15443 w2",
            "P0 us-east1/us-east1-a/ 192.0.2.11:15443 w1",
            "P0 us-east1/us-east1-b/ 10.0.1.2:9000 w1",
            "P1 us-west1/us-west1-a/rack-1 192.0.2.10:15443 w1"),
        row("same zone other subzone is priority 1 below the exact subzone", Meshes.SPLIT,
            sidecar("c2", "net-b", new Locality("us-west1", "us-west1-a", "rack-2")),
            "P1 us-east1/us-east1-a/ 10.0.2.1:9000 w1",
            "P1 us-east1/us-east1-a/ 10.0.2.2:9000 w1",
            "P1 us-east1/us-east1-a/ 10.0.2.3:9000 w1",
            "P1 us-east1/us-east1-a/ 10.0.2.9:9000 w1 unhealthy",
            "P1 us-east1/us-east1-a/ 192.0.2.1:15443 w1",
            "P1 us-east1/us-east1-b/ 192.0.2.1:15443 w1",
            "P0 us-west1/us-west1-a/rack-1 10.0.2.4:9000 w1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void a_proxy_sees_its_view_of_the_endpoints(String description, Meshes mesh, ProxyView proxy,
      List<String> expected) throws Exception {
    EndpointViewKey key = EndpointViewKey.of(proxy, mesh.mesh, HOST);

    List<Resource> assignments = EndpointGenerator.generate(SERVICE, mesh.mesh.networks(), key);

    assertThat(assignments).hasSize(1);
    ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(assignments.get(0).body().getValue());
    assertThat(describe(cla)).containsExactlyElementsOf(expected);
    assertContiguousPrioritiesAndWeights(cla);
  }

  @Test
  void an_endpoint_without_a_network_is_direct_only_to_a_proxy_without_one() throws Exception {
    ServiceState state = new ServiceState(HOST, 1, Map.of("c1", share("c1",
        endpoint("c1", "", "10.0.9.1", EAST_A, true), endpoint("c1", "net-a", "10.0.1.1", EAST_A, true))));
    Mesh mesh = Meshes.SPLIT.mesh;

    assertThat(describe(only(state, mesh, sidecar("c1", "", EAST_A))))
        .containsExactly("P0 us-east1/us-east1-a/ 10.0.9.1:9000 w1", "P0 us-east1/us-east1-a/ 192.0.2.1:15443 w1");
    assertThat(describe(only(state, mesh, sidecar("c1", "net-a", EAST_A))))
        .containsExactly("P0 us-east1/us-east1-a/ 10.0.1.1:9000 w1");
  }

  @Test
  void the_neutral_view_in_a_flat_mesh_is_byte_equal_to_the_proxy_independent_one() {
    assertThat(EndpointGenerator.generate(SERVICE, Mesh.DEFAULT.networks(), EndpointViewKey.NEUTRAL))
        .isEqualTo(EndpointGenerator.generate(SERVICE));
    EndpointViewKey unlocated = EndpointViewKey.of(sidecar("c1", "net-a", NOWHERE), Mesh.DEFAULT, HOST);
    assertThat(unlocated).isEqualTo(EndpointViewKey.NEUTRAL);
  }

  @Test
  void gateways_repeated_in_config_and_discovery_count_once() {
    Mesh mesh = Mesh.of(config(true, Map.of("net-b", List.of(GW_B1)), List.of()),
        new DiscoveredGateways(Map.of("net-b", List.of(GW_B1, GW_B2))));

    assertThat(mesh.networks().gateways("net-b")).containsExactly(GW_B1, GW_B2);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static ClusterLoadAssignment only(ServiceState state, Mesh mesh, ProxyView proxy) throws Exception {
    Resource r = EndpointGenerator.generate(state, mesh.networks(), EndpointViewKey.of(proxy, mesh, HOST)).get(0);
    return ClusterLoadAssignment.parseFrom(r.body().getValue());
  }

  static MeshConfig config(boolean failover, Map<String, List<MeshConfig.Gateway>> networks,
      List<String> clusterLocal) {
    Map<String, MeshConfig.Network> byName = new java.util.TreeMap<>();
    networks.forEach((name, gateways) -> byName.put(name, new MeshConfig.Network(name, gateways)));
    return new MeshConfig("mesh1", "cluster.local", byName, List.of("*"), clusterLocal, failover);
  }

  private static Arguments row(String description, Meshes mesh, ProxyView proxy, String... expected) {
    return Arguments.of(description, mesh, proxy, Arrays.asList(expected));
  }

  static ProxyView sidecar(String clusterId, String network, Locality locality) {
    return new ProxyView("demo", clusterId, network, locality, ProxyKind.SIDECAR);
  }

  static ProxyView proxyless(String clusterId, String network, Locality locality) {
    return new ProxyView("demo", clusterId, network, locality, ProxyKind.PROXYLESS);
  }

  private static Endpoint endpoint(String clusterId, String network, String address, Locality locality,
      boolean ready) {
    return new Endpoint(address, List.of(grpc(9000)), clusterId, network, locality, Map.of(), "default", ready,
        "greeter-" + address);
  }

  private static ClusterShare share(String clusterId, Endpoint... endpoints) {
    return new ClusterShare(clusterId, Optional.of(SPEC), List.of(endpoints));
  }

  private static List<String> describe(ClusterLoadAssignment cla) {
    List<String> out = new ArrayList<>();
    for (LocalityLbEndpoints lle : cla.getEndpointsList()) {
      String locality = lle.getLocality().getRegion() + "/" + lle.getLocality().getZone() + "/"
          + lle.getLocality().getSubZone();
      for (LbEndpoint e : lle.getLbEndpointsList()) {
        io.envoyproxy.envoy.config.core.v3.SocketAddress socket = e.getEndpoint().getAddress().getSocketAddress();
        out.add("P" + lle.getPriority() + " " + locality + " " + socket.getAddress() + ":" + socket.getPortValue()
            + " w" + e.getLoadBalancingWeight().getValue()
            + (e.getHealthStatus() == io.envoyproxy.envoy.config.core.v3.HealthStatus.UNHEALTHY ? " unhealthy" : ""));
      }
    }
    return out;
  }

  /** What Envoy and grpc-java require: priorities 0..n without gaps, each locality weighted by its endpoints. */
  private static void assertContiguousPrioritiesAndWeights(ClusterLoadAssignment cla) {
    List<Integer> priorities = cla.getEndpointsList().stream().map(LocalityLbEndpoints::getPriority)
        .distinct().sorted().toList();
    for (int i = 0; i < priorities.size(); i++) {
      assertThat(priorities.get(i)).isEqualTo(i);
    }
    for (LocalityLbEndpoints lle : cla.getEndpointsList()) {
      assertThat(lle.getLoadBalancingWeight().getValue()).isEqualTo(lle.getLbEndpointsList().stream()
          .mapToInt(e -> e.getLoadBalancingWeight().getValue()).sum());
    }
  }
}
