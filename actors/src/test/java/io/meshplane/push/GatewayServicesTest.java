package io.meshplane.push;

import static io.meshplane.model.TestServices.emptyShare;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewayServicesTest {

  private static final MeshConfig TWO_NETWORKS = new MeshConfig("mesh1", "cluster.local", Map.of(
      "network-1", new MeshConfig.Network("network-1", List.of()),
      "network-2", new MeshConfig.Network("network-2", List.of())), List.of("*"), List.of(), true);
  private static final String EASTWEST = ServiceSpec.hostname("eastwest", "istio-system");
  private static final String OTHER_GW = ServiceSpec.hostname("eastwest-2", "istio-system");

  private final List<String> warnings = new ArrayList<>();
  private final GatewayServices gateways = new GatewayServices(warnings::add);

  static ServiceSpec gatewaySpec(String name, String network, int port, String... addresses) {
    return new ServiceSpec(name, "istio-system", List.of(new ServicePort("tls", port, port, "TCP")), List.of(),
        Optional.of(new ServiceGateway(network, List.of(addresses), port)));
  }

  static ServiceState gatewayService(long version, String cluster, String network, String... addresses) {
    return state(EASTWEST, version, share(cluster, gatewaySpec("eastwest", network, 15443, addresses)));
  }

  static MeshConfig.Gateway gw(String address) {
    return new MeshConfig.Gateway(address, 15443);
  }

  @Test
  void a_gateway_service_of_each_cluster_adds_its_addresses_to_its_network() {
    ServiceState state = state(EASTWEST, 1,
        share("b", gatewaySpec("eastwest", "network-2", 15443, "192.0.2.20")),
        share("c", gatewaySpec("eastwest", "network-2", 15443, "192.0.2.30", "192.0.2.31")),
        share("a", gatewaySpec("eastwest", "network-1", 15443, "192.0.2.10")));

    assertThat(gateways.update(state, TWO_NETWORKS)).isTrue();

    assertThat(gateways.gateways()).isEqualTo(new DiscoveredGateways(Map.of(
        "network-1", List.of(gw("192.0.2.10")),
        "network-2", List.of(gw("192.0.2.20"), gw("192.0.2.30"), gw("192.0.2.31")))));
    assertThat(warnings).isEmpty();
  }

  @Test
  void services_that_are_no_gateway_change_nothing() {
    ServiceSpec plain = new ServiceSpec("greeter", "default", List.of(new ServicePort("grpc", 50051, 0, "TCP")),
        List.of());

    assertThat(gateways.update(state(plain.hostname(), 1, share("a", plain)), TWO_NETWORKS)).isFalse();
    assertThat(gateways.gateways()).isEqualTo(DiscoveredGateways.NONE);
  }

  @Test
  void gateways_of_several_services_merge_and_a_removed_one_leaves_its_network() {
    gateways.update(gatewayService(1, "b", "network-2", "192.0.2.20"), TWO_NETWORKS);
    gateways.update(state(OTHER_GW, 1, share("c", gatewaySpec("eastwest-2", "network-2", 15443, "192.0.2.30"))),
        TWO_NETWORKS);
    assertThat(gateways.gateways().gateways("network-2")).containsExactly(gw("192.0.2.20"), gw("192.0.2.30"));

    assertThat(gateways.update(state(OTHER_GW, 2, emptyShare("c")), TWO_NETWORKS)).isTrue();

    assertThat(gateways.gateways().gateways("network-2")).containsExactly(gw("192.0.2.20"));
  }

  @Test
  void a_new_address_changes_the_gateways_and_an_equal_state_does_not() {
    gateways.update(gatewayService(1, "b", "network-2"), TWO_NETWORKS);
    assertThat(gateways.gateways()).as("no address provisioned yet").isEqualTo(DiscoveredGateways.NONE);

    assertThat(gateways.update(gatewayService(2, "b", "network-2", "192.0.2.20"), TWO_NETWORKS)).isTrue();
    assertThat(gateways.update(gatewayService(3, "b", "network-2", "192.0.2.20"), TWO_NETWORKS)).isFalse();
    assertThat(gateways.update(gatewayService(4, "b", "network-2", "192.0.2.21"), TWO_NETWORKS)).isTrue();
    assertThat(gateways.gateways().gateways("network-2")).containsExactly(gw("192.0.2.21"));
  }

  @Test
  void a_gateway_of_an_unknown_network_is_used_and_warned_once_naming_the_known_networks() {
    gateways.update(gatewayService(1, "b", "network-3", "192.0.2.40"), TWO_NETWORKS);
    gateways.update(gatewayService(2, "b", "network-3", "192.0.2.41"), TWO_NETWORKS);

    assertThat(gateways.gateways().gateways("network-3")).containsExactly(gw("192.0.2.41"));
    assertThat(warnings).singleElement().asString()
        .contains(EASTWEST, "member cluster b", "network 'network-3'", "known networks: network-1, network-2");
  }

  @Test
  void a_mesh_config_change_rechecks_the_networks_of_known_gateways() {
    gateways.update(gatewayService(1, "b", "network-2", "192.0.2.20"), TWO_NETWORKS);
    assertThat(warnings).isEmpty();

    gateways.configChanged(MeshConfig.DEFAULT);
    gateways.configChanged(MeshConfig.DEFAULT);

    assertThat(warnings).singleElement().asString().contains("network 'network-2'", "known networks: none");
  }

  @Test
  void a_hostname_address_is_skipped_with_one_warning() {
    gateways.update(gatewayService(1, "b", "network-2", "gw.example.com", "192.0.2.20"), TWO_NETWORKS);
    gateways.update(gatewayService(2, "b", "network-2", "gw.example.com", "192.0.2.21"), TWO_NETWORKS);

    assertThat(gateways.gateways().gateways("network-2")).containsExactly(gw("192.0.2.21"));
    assertThat(warnings).singleElement().asString().contains("hostname 'gw.example.com'", "expected");
  }
}
