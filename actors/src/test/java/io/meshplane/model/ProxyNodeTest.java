package io.meshplane.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

class ProxyNodeTest {

  private static final String ISTIO_ID = "sidecar~10.0.0.1~app-1.shop~shop.svc.cluster.local";

  private static Node.Builder node(String id) {
    return Node.newBuilder().setId(id);
  }

  private static Node withMetadata(String id, String key, Value value) {
    return node(id).setMetadata(Struct.newBuilder().putFields(key, value)).build();
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  @Test
  void istio_style_id_gives_kind_and_namespace() {
    ProxyNode parsed = ProxyNode.parse(node(ISTIO_ID).build());

    assertThat(parsed.id()).isEqualTo(ISTIO_ID);
    assertThat(parsed.kind()).isEqualTo(ProxyKind.SIDECAR);
    assertThat(parsed.namespace()).isEqualTo("shop");
  }

  @Test
  void istio_style_router_id_is_a_gateway() {
    ProxyNode parsed = ProxyNode.parse(node("router~10.0.0.2~ingress-1.edge~edge.svc.cluster.local").build());

    assertThat(parsed.kind()).isEqualTo(ProxyKind.GATEWAY);
    assertThat(parsed.namespace()).isEqualTo("edge");
  }

  @Test
  void metadata_overrides_kind_and_namespace_of_the_id() {
    Node n = node(ISTIO_ID).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", text("payments"))
        .putFields("PROXY_KIND", text("proxyless"))
        .putFields("CLUSTER_ID", text("east-1"))
        .putFields("NETWORK", text("net_a.1")))
        .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
            .setRegion("us-east1").setZone("us-east1-b").setSubZone("rack-3"))
        .build();

    ProxyNode parsed = ProxyNode.parse(n);

    assertThat(parsed.namespace()).isEqualTo("payments");
    assertThat(parsed.kind()).isEqualTo(ProxyKind.PROXYLESS);
    assertThat(parsed.clusterId()).isEqualTo("east-1");
    assertThat(parsed.network()).isEqualTo("net_a.1");
    assertThat(parsed.locality()).isEqualTo(new Locality("us-east1", "us-east1-b", "rack-3"));
  }

  @Test
  void grpc_user_agent_without_kind_is_proxyless_in_the_default_namespace() {
    ProxyNode parsed = ProxyNode.parse(node("client-7").setUserAgentName("gRPC Java").build());

    assertThat(parsed.kind()).isEqualTo(ProxyKind.PROXYLESS);
    assertThat(parsed.namespace()).isEqualTo("default");
    assertThat(parsed.clusterId()).isEmpty();
    assertThat(parsed.network()).isEmpty();
    assertThat(parsed.locality().isUnknown()).isTrue();
  }

  @Test
  void other_user_agent_without_kind_is_a_sidecar() {
    assertThat(ProxyNode.parse(node("envoy-1").setUserAgentName("envoy").build()).kind())
        .isEqualTo(ProxyKind.SIDECAR);
  }

  @Test
  void rejects_an_empty_id_naming_the_field_and_the_expected_form() {
    assertThatThrownBy(() -> ProxyNode.parse(node("").build()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.id")
        .hasMessageContaining("empty")
        .hasMessageContaining("expected a proxy id");
  }

  @Test
  void accepts_an_id_of_the_maximum_length_and_rejects_one_longer() {
    assertThat(ProxyNode.parse(node("a".repeat(ProxyNode.MAX_ID_LENGTH)).build()).id())
        .hasSize(ProxyNode.MAX_ID_LENGTH);

    assertThatThrownBy(() -> ProxyNode.parse(node("a".repeat(257)).build()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.id")
        .hasMessageContaining("257 characters")
        .hasMessageContaining("expected at most 256");
  }

  @Test
  void rejects_an_id_with_a_space() {
    assertThatThrownBy(() -> ProxyNode.parse(node("my proxy").build()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.id 'my proxy'")
        .hasMessageContaining("expected printable ASCII without spaces");
  }

  @Test
  void rejects_a_namespace_that_is_not_a_string() {
    Node n = withMetadata("p-1", "NAMESPACE", Value.newBuilder().setNumberValue(42).build());

    assertThatThrownBy(() -> ProxyNode.parse(n))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.metadata.NAMESPACE")
        .hasMessageContaining("expected a string");
  }

  @Test
  void rejects_an_upper_case_namespace() {
    Node n = withMetadata("p-1", "NAMESPACE", text("Shop"));

    assertThatThrownBy(() -> ProxyNode.parse(n))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("namespace 'Shop'")
        .hasMessageContaining("expected a DNS label");
  }

  @Test
  void rejects_an_upper_case_namespace_taken_from_the_id() {
    assertThatThrownBy(() -> ProxyNode.parse(node("sidecar~10.0.0.1~app.Shop~Shop.svc.cluster.local").build()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("namespace 'Shop'")
        .hasMessageContaining("expected a DNS label");
  }

  @Test
  void rejects_an_unknown_proxy_kind() {
    Node n = withMetadata("p-1", "PROXY_KIND", text("waypoint"));

    assertThatThrownBy(() -> ProxyNode.parse(n))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.metadata.PROXY_KIND is 'waypoint'")
        .hasMessageContaining("expected sidecar, proxyless or gateway");
  }

  @Test
  void rejects_an_unknown_kind_in_an_istio_style_id() {
    assertThatThrownBy(() -> ProxyNode.parse(node("waypoint~10.0.0.1~a.shop~shop.svc.cluster.local").build()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.id")
        .hasMessageContaining("kind 'waypoint'")
        .hasMessageContaining("sidecar, proxyless, gateway");
  }

  @Test
  void rejects_a_network_that_is_not_a_name() {
    Node n = withMetadata("p-1", "NETWORK", text("net/1"));

    assertThatThrownBy(() -> ProxyNode.parse(n))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.metadata.NETWORK 'net/1'")
        .hasMessageContaining("expected letters, digits");
  }

  @Test
  void rejects_a_cluster_id_that_is_not_a_name() {
    Node n = withMetadata("p-1", "CLUSTER_ID", text("-east"));

    assertThatThrownBy(() -> ProxyNode.parse(n))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("node.metadata.CLUSTER_ID '-east'")
        .hasMessageContaining("expected letters, digits");
  }

  @Test
  void null_metadata_values_count_as_absent() {
    Node n = withMetadata("p-1", "NAMESPACE", Value.newBuilder()
        .setNullValue(NullValue.NULL_VALUE).build());

    assertThat(ProxyNode.parse(n).namespace()).isEqualTo("default");
  }
}
