package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshplane.config.MeshConfigs;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.registry.kube.RemoteSecrets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoNetworksTest {

  private static final String KUBECONFIG = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: demo
        cluster:
          server: http://127.0.0.1:1234
      users:
      - name: demo
        user:
          token: demo
      contexts:
      - name: demo
        context:
          cluster: demo
          user: demo
      current-context: demo
      """;

  @Test
  void the_remote_secret_is_read_as_the_west_cluster_on_its_network() {
    RemoteSecrets.RemoteCluster cluster = RemoteSecrets.read(
        DemoNetworks.remoteSecret(DemoNetworks.WEST, KUBECONFIG), "default-net");

    assertThat(cluster.problem()).isEmpty();
    assertThat(cluster.clusterId()).isEqualTo("demo-west");
    assertThat(cluster.network()).isEqualTo("west-net");
    assertThat(cluster.region()).isEqualTo(DemoWorkloads.REGION);
    assertThat(cluster.kubeconfig()).isEqualTo(KUBECONFIG);
    assertThat(cluster.secret()).isEqualTo("meshplane-system/meshplane-remote-demo-west");
  }

  @Test
  void the_mesh_config_gives_each_network_its_gateway() {
    MeshConfig config = MeshConfigs.parse(DemoNetworks.meshConfig(), "demo");

    assertThat(config.networks()).containsOnlyKeys("demo-net", "west-net");
    assertThat(config.localityFailover()).as("priorities by zone, shown by the view clients").isTrue();
    assertThat(config.networks().get("demo-net").gateways())
        .containsExactly(new MeshConfig.Gateway("127.0.0.100", 15443));
    assertThat(config.networks().get("west-net").gateways())
        .containsExactly(new MeshConfig.Gateway("127.0.0.200", 15443));
  }

  @Test
  void a_view_lists_priorities_in_order_and_names_gateways_with_their_weight() {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(group("local-b", 1, lb("127.0.0.200", 15443, 2)))
        .addEndpoints(group("local-a", 0, lb("127.0.0.11", 4000, 1), lb("127.0.0.12", 4000, 1)))
        .build();

    assertThat(ViewClient.describe(cla, Map.of("127.0.0.200:15443", "west-net")))
        .isEqualTo("p0 local-a [127.0.0.11:4000, 127.0.0.12:4000] | p1 local-b [west-net gateway 127.0.0.200:15443 x2]");
    assertThat(ViewClient.describe(ClusterLoadAssignment.newBuilder().setClusterName("c").build(), Map.of()))
        .isEqualTo("no endpoints");
  }

  private static LocalityLbEndpoints group(String zone, int priority, LbEndpoint... endpoints) {
    return LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setRegion("local").setZone(zone))
        .setPriority(priority).addAllLbEndpoints(java.util.List.of(endpoints)).build();
  }

  private static LbEndpoint lb(String address, int port, int weight) {
    return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
            .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))))
        .setLoadBalancingWeight(UInt32Value.of(weight)).build();
  }
}
