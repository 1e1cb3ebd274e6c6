package io.meshplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MeshConfigsTest {

  @Test
  void reads_every_field() {
    MeshConfig config = MeshConfigs.parse("""
        meshId: prod-mesh
        trustDomain: prod.example.com
        networks:
          net-a:
            gateways:
            - address: 192.0.2.10
              port: 15443
            - address: gw.net-a.example.com
              port: 443
          net-b: {}
        defaultExportTo: [".", "shared"]
        clusterLocalHosts: ["*.kube-system.svc.cluster.local", "db.shop.svc.cluster.local"]
        localityFailover: false
        """, "test");

    assertThat(config).isEqualTo(new MeshConfig("prod-mesh", "prod.example.com", Map.of(
            "net-a", new MeshConfig.Network("net-a", List.of(new MeshConfig.Gateway("192.0.2.10", 15443),
                new MeshConfig.Gateway("gw.net-a.example.com", 443))),
            "net-b", new MeshConfig.Network("net-b", List.of())),
        List.of(".", "shared"), List.of("*.kube-system.svc.cluster.local", "db.shop.svc.cluster.local"), false));
  }

  @Test
  void missing_keys_take_the_defaults() {
    MeshConfig config = MeshConfigs.parse("meshId: other\n", "test");

    assertThat(config).isEqualTo(new MeshConfig("other", MeshConfig.DEFAULT.trustDomain(), Map.of(),
        MeshConfig.DEFAULT.defaultExportTo(), List.of(), MeshConfig.DEFAULT.localityFailover()));
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of("empty", "", "is empty; expected a mapping with the keys"),
        Arguments.of("not YAML", "meshId: [unclosed", "is not valid YAML"),
        Arguments.of("a list", "- meshId", "is a list; expected a mapping"),
        Arguments.of("duplicate key", "meshId: a\nmeshId: b\n", "is not valid YAML (Duplicate field 'meshId'"),
        Arguments.of("unknown key", "meshID: a\n", "meshID: unknown key; expected one of clusterLocalHosts, "
            + "defaultExportTo, localityFailover, meshId, networks, trustDomain"),
        Arguments.of("bad mesh id", "meshId: 'a b'\n", "meshId: 'a b' is not valid; expected a name"),
        Arguments.of("trust domain with scheme", "trustDomain: spiffe://x\n",
            "trustDomain: 'spiffe://x' is not valid; expected a DNS name"),
        Arguments.of("networks a list", "networks: [a]\n", "networks: [\"a\"] is not a mapping"),
        Arguments.of("bad network name", "networks: {'net a': {}}\n", "networks.net a: 'net a' is not a network name"),
        Arguments.of("gateway port out of range", "networks: {n: {gateways: [{address: 10.0.0.1, port: 70000}]}}\n",
            "networks.n.gateways[0].port: 70000 is not a port; expected a number 1-65535"),
        Arguments.of("gateway port a string", "networks: {n: {gateways: [{address: 10.0.0.1, port: http}]}}\n",
            "networks.n.gateways[0].port: 'http' is not a port"),
        Arguments.of("gateway without address", "networks: {n: {gateways: [{port: 15443}]}}\n",
            "networks.n.gateways[0].address: missing; expected an IP address or a DNS name"),
        Arguments.of("gateway bad IP", "networks: {n: {gateways: [{address: 10.0.0.300, port: 1}]}}\n",
            "networks.n.gateways[0].address: '10.0.0.300' is not valid"),
        Arguments.of("gateway unknown key", "networks: {n: {gateways: [{address: a.b, port: 1, weight: 2}]}}\n",
            "networks.n.gateways[0].weight: unknown key; expected address and port"),
        Arguments.of("network unknown key", "networks: {n: {gateway: []}}\n",
            "networks.n.gateway: unknown key; expected gateways"),
        Arguments.of("exportTo not a list", "defaultExportTo: '*'\n", "defaultExportTo: '*' is not a list"),
        Arguments.of("exportTo bad namespace", "defaultExportTo: [Shop]\n",
            "defaultExportTo[0]: 'Shop' is not valid; expected '*' (everyone), '.' (own namespace), '~' (no one) "
                + "or a namespace name"),
        Arguments.of("exportTo ~ with others", "defaultExportTo: ['~', '.']\n", "mixes '~' with other values"),
        Arguments.of("exportTo empty", "defaultExportTo: []\n", "defaultExportTo: empty"),
        Arguments.of("cluster-local bad host", "clusterLocalHosts: ['*.*.svc']\n",
            "clusterLocalHosts[0]: '*.*.svc' is not valid; expected a hostname"),
        Arguments.of("failover a string", "localityFailover: 'yes'\n",
            "localityFailover: 'yes' is not a boolean; expected true or false"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void rejects_bad_input_naming_the_field_and_the_expected_form(String name, String yaml, String expected) {
    assertThatThrownBy(() -> MeshConfigs.parse(yaml, "file mesh.yaml"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("mesh config file mesh.yaml")
        .hasMessageContaining(expected);
  }

  @Test
  void reports_every_problem_at_once() {
    assertThatThrownBy(() -> MeshConfigs.parse("meshId: 'a b'\nlocalityFailover: 1\n", "test"))
        .hasMessageContaining("meshId:").hasMessageContaining("localityFailover:");
  }
}
