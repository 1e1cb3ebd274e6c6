package io.meshplane.registry.kube;

import static io.meshplane.registry.kube.KubeObjects.namespace;
import static io.meshplane.registry.kube.KubeObjects.node;
import static io.meshplane.registry.kube.KubeObjects.pod;
import static io.meshplane.registry.kube.KubeObjects.podEndpoint;
import static io.meshplane.registry.kube.KubeObjects.port;
import static io.meshplane.registry.kube.KubeObjects.service;
import static io.meshplane.registry.kube.KubeObjects.slice;
import static io.meshplane.registry.kube.KubeObjects.slicePort;
import static io.meshplane.registry.kube.KubeObjects.withExportTo;
import static io.meshplane.registry.kube.KubeObjects.withVersion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.InvalidInputException;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubeTranslatorTest {

  private final List<String> warnings = new ArrayList<>();
  private final KubeTranslator translator = new KubeTranslator("c1", "net-default", warnings::add);

  @Test
  void service_ports_keep_names_numeric_target_ports_and_default_protocol() {
    var svc = service("shop", "cart",
        port("http", 80, 8080, null),
        port("grpc", 9090, "grpc-port", "TCP"),
        port("dns", 53, null, "udp"),
        port(null, 7000, 7001, "SCTP"));

    Optional<ServiceSpec> spec = translator.serviceSpec(svc);

    assertThat(spec).contains(new ServiceSpec("cart", "shop", List.of(
        new ServicePort("http", 80, 8080, "TCP"),
        new ServicePort("grpc", 9090, 0, "TCP"),
        new ServicePort("dns", 53, 53, "UDP"),
        new ServicePort("", 7000, 7001, "SCTP")), List.of()));
    assertThat(spec.get().hostname()).isEqualTo("cart.shop.svc.cluster.local");
    assertThat(warnings).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "*          | *",
      ".          | .",
      "~          | ~",
      "'., ns-a'  | .;ns-a",
      "'a,b,a'    | a;b",
      "'  '       | ''",
  })
  void export_to_accepts_star_dot_tilde_and_namespaces(String annotation, String expected) {
    List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(";"));
    assertThat(KubeTranslator.parseExportTo(annotation)).isEqualTo(want);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Bad_NS",
      "'a,,b'",
      "'~,a'",
      "'*,UPPER'",
      "'-x'",
  })
  void export_to_rejects_malformed_values_naming_the_annotation_and_form(String annotation) {
    assertThatThrownBy(() -> KubeTranslator.parseExportTo(annotation))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(KubeTranslator.EXPORT_TO_ANNOTATION)
        .hasMessageContaining("expected");
  }

  @Test
  void export_to_annotation_reaches_the_spec() {
    var svc = withExportTo(service("shop", "cart", port("http", 80, 8080, null)), ".,billing");
    assertThat(translator.serviceSpec(svc).orElseThrow().exportTo()).containsExactly(".", "billing");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0      | spec.ports[0].port is 0; expected 1-65535",
      "70000  | spec.ports[0].port is 70000; expected 1-65535",
  })
  void service_with_bad_port_is_warned_once_and_skipped(int badPort, String problem) {
    var svc = service("shop", "bad", port("http", badPort, 8080, null));

    assertThat(translator.serviceSpec(svc)).isEmpty();
    assertThat(translator.serviceSpec(svc)).isEmpty();

    assertThat(warnings).singleElement().asString()
        .contains("cluster c1", "Service shop/bad", "resourceVersion 1", problem);
  }

  @Test
  void each_version_of_a_bad_object_is_warned_once() {
    var v1 = service("shop", "bad", port("http", 0, 8080, null));
    translator.serviceSpec(v1);
    translator.serviceSpec(v1);
    translator.serviceSpec(withVersion(v1, "2"));
    translator.serviceSpec(withVersion(v1, "2"));

    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(1)).contains("resourceVersion 2");
  }

  @Test
  void service_without_name_or_with_bad_export_to_is_skipped() {
    var nameless = new ServiceBuilder(service("shop", "x", port("http", 80, 80, null)))
        .editMetadata().withName(null).endMetadata().build();
    var badExport = withExportTo(service("shop", "y", port("http", 80, 80, null)), "Not A Namespace");

    assertThat(translator.serviceSpec(nameless)).isEmpty();
    assertThat(translator.serviceSpec(badExport)).isEmpty();

    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0)).contains("Service shop/<no name>", "metadata.name is missing", "expected a DNS label");
    assertThat(warnings.get(1)).contains("Service shop/y", KubeTranslator.EXPORT_TO_ANNOTATION, "expected");
  }

  @Test
  void external_name_service_is_skipped_without_warning() {
    var svc = new ServiceBuilder(service("shop", "ext", port("http", 80, 80, null)))
        .editSpec().withType("ExternalName").withExternalName("example.com").endSpec().build();
    assertThat(translator.serviceSpec(svc)).isEmpty();
    assertThat(warnings).isEmpty();
  }

  @Test
  void headless_service_is_a_normal_spec() {
    var svc = new ServiceBuilder(service("shop", "db", port("pg", 5432, 5432, null)))
        .editSpec().withClusterIP("None").endSpec().build();
    assertThat(translator.serviceSpec(svc)).isPresent();
  }

  @Test
  void a_service_that_turns_malformed_keeps_its_last_good_spec_until_deleted() {
    var good = service("shop", "cart", port("http", 80, 8080, null));
    var bad = withVersion(service("shop", "cart", port("http", 0, 8080, null)), "2");
    ServiceSpec goodSpec = translator.serviceSpec(good).orElseThrow();

    assertThat(translator.share("shop", "cart", good, List.of(), KubeLookup.EMPTY).spec()).contains(goodSpec);
    assertThat(translator.share("shop", "cart", bad, List.of(), KubeLookup.EMPTY).spec()).contains(goodSpec);
    assertThat(translator.share("shop", "cart", null, List.of(), KubeLookup.EMPTY).isEmpty()).isTrue();
    assertThat(translator.share("shop", "cart", bad, List.of(), KubeLookup.EMPTY).spec()).isEmpty();
    assertThat(warnings).hasSize(1);
  }

  @Test
  void a_malformed_export_to_is_warned_once_and_the_last_good_visibility_stays() {
    var good = withExportTo(service("shop", "cart", port("http", 80, 8080, null)), ".");
    var bad = withVersion(withExportTo(service("shop", "cart", port("http", 80, 8080, null)), "., Not_A_Namespace"),
        "2");
    ServiceSpec goodSpec = translator.share("shop", "cart", good, List.of(), KubeLookup.EMPTY).spec().orElseThrow();

    // A typo must not widen a private service to the mesh default, nor drop it.
    assertThat(translator.share("shop", "cart", bad, List.of(), KubeLookup.EMPTY).spec()).contains(goodSpec);
    assertThat(translator.share("shop", "cart", bad, List.of(), KubeLookup.EMPTY).spec()).contains(goodSpec);
    assertThat(goodSpec.exportTo()).containsExactly(".");
    assertThat(warnings).singleElement().asString()
        .contains("Service shop/cart", KubeTranslator.EXPORT_TO_ANNOTATION, "'Not_A_Namespace'", "expected");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // ready condition | expected
      "true  | true",
      "false | false",
      "      | true",
  })
  void readiness_follows_the_condition_and_null_means_ready(Boolean ready, boolean expected) {
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.1", null, null, ready));
    assertThat(translator.endpoints(List.of(s), KubeLookup.EMPTY)).singleElement()
        .extracting(Endpoint::ready).isEqualTo(expected);
  }

  @Test
  void missing_conditions_mean_ready() {
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        new EndpointBuilder().withAddresses("10.0.0.1").build());
    assertThat(translator.endpoints(List.of(s), KubeLookup.EMPTY)).singleElement()
        .extracting(Endpoint::ready).isEqualTo(true);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // pod network | namespace network | expected
      "net-pod       | net-ns            | net-pod",
      "              | net-ns            | net-ns",
      "              |                   | net-default",
  })
  void network_comes_from_pod_then_namespace_then_cluster_default(String podNetwork, String nsNetwork,
      String expected) {
    Map<String, String> labels = podNetwork == null ? Map.of("app", "cart")
        : Map.of("app", "cart", KubeTranslator.NETWORK_LABEL, podNetwork);
    var lookup = KubeLookup.of(List.of(pod("shop", "cart-a", labels, "cart-sa", null)), List.of(),
        List.of(namespace("shop", nsNetwork)));
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.1", "cart-a", null, true));

    assertThat(translator.endpoints(List.of(s), lookup)).singleElement()
        .extracting(Endpoint::network).isEqualTo(expected);
  }

  @Test
  void endpoint_carries_pod_labels_service_account_locality_and_workload_name() {
    var lookup = KubeLookup.of(
        List.of(pod("shop", "cart-a", Map.of("app", "cart", "version", "v1"), "cart-sa", "node-1")),
        List.of(node("node-1", "eu-west", "eu-west-1a", "rack-7")),
        List.of(namespace("shop", null)));
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080), slicePort("", 9090)),
        podEndpoint("10.0.0.1", "cart-a", null, true));

    assertThat(translator.endpoints(List.of(s), lookup)).containsExactly(new Endpoint("10.0.0.1",
        List.of(new EndpointPort("", 9090), new EndpointPort("http", 8080)), "c1", "net-default",
        new Locality("eu-west", "eu-west-1a", "rack-7"), Map.of("app", "cart", "version", "v1"),
        "cart-sa", true, "cart-a"));
  }

  @Test
  void endpoint_zone_overrides_the_node_zone() {
    var lookup = KubeLookup.of(List.of(), List.of(node("node-1", "eu-west", "eu-west-1a", null)), List.of());
    var e = new EndpointBuilder(podEndpoint("10.0.0.1", null, "node-1", true)).withZone("eu-west-1c").build();
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)), e);

    assertThat(translator.endpoints(List.of(s), lookup)).singleElement()
        .extracting(Endpoint::locality).isEqualTo(new Locality("eu-west", "eu-west-1c", ""));
  }

  @Test
  void service_account_defaults_when_pod_has_none_and_is_empty_without_pod() {
    var lookup = KubeLookup.of(List.of(pod("shop", "cart-a", Map.of(), null, null)), List.of(), List.of());
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.1", "cart-a", null, true),
        podEndpoint("10.0.0.2", null, null, true));

    assertThat(translator.endpoints(List.of(s), lookup))
        .extracting(Endpoint::serviceAccount, Endpoint::workloadName, Endpoint::locality)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("default", "cart-a", Locality.UNKNOWN),
            org.assertj.core.groups.Tuple.tuple("", "10.0.0.2", Locality.UNKNOWN));
  }

  @Test
  void an_address_in_several_slices_is_listed_once_with_all_its_ports_in_address_order() {
    var a = slice("shop", "cart-a", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.9", null, null, false), podEndpoint("10.0.0.1", null, null, true));
    var b = slice("shop", "cart-b", "cart", List.of(slicePort("grpc", 9090)),
        podEndpoint("10.0.0.9", null, null, true), podEndpoint("10.0.0.10", null, null, true));

    List<Endpoint> endpoints = translator.endpoints(List.of(a, b), KubeLookup.EMPTY);

    assertThat(endpoints).extracting(Endpoint::address).containsExactly("10.0.0.1", "10.0.0.10", "10.0.0.9");
    Endpoint merged = endpoints.get(2);
    assertThat(merged.ports()).containsExactly(new EndpointPort("grpc", 9090), new EndpointPort("http", 8080));
    assertThat(merged.ready()).isTrue();
  }

  @Test
  void equal_inputs_in_any_order_give_equal_lists() {
    List<EndpointSlice> slices = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      slices.add(slice("shop", "cart-" + i, "cart", List.of(slicePort("http", 8080 + (i % 2))),
          podEndpoint("10.0." + i + ".1", null, null, true), podEndpoint("10.0.9." + (i % 3), null, null, true)));
    }
    List<Endpoint> first = translator.endpoints(slices, KubeLookup.EMPTY);
    List<EndpointSlice> shuffled = new ArrayList<>(slices);
    Collections.shuffle(shuffled, new Random(42));

    assertThat(translator.endpoints(shuffled, KubeLookup.EMPTY)).isEqualTo(first);
    assertThat(first).hasSize(9);
  }

  @Test
  void bad_addresses_are_warned_once_and_good_ones_still_flow() {
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.1", null, null, true),
        podEndpoint("cart.example.com", null, null, true),
        podEndpoint("10.0.0.256", null, null, true),
        podEndpoint("fd00::1", null, null, true),
        podEndpoint("fd00::zz", null, null, true));

    List<Endpoint> first = translator.endpoints(List.of(s), KubeLookup.EMPTY);
    List<Endpoint> again = translator.endpoints(List.of(s), KubeLookup.EMPTY);

    assertThat(first).extracting(Endpoint::address).containsExactly("10.0.0.1", "fd00::1");
    assertThat(again).isEqualTo(first);
    assertThat(warnings).hasSize(3).allSatisfy(w -> assertThat(w)
        .contains("EndpointSlice shop/cart-1", "is not an IP address", "expected an IPv4 or IPv6 literal"));
    assertThat(warnings.get(0)).contains("endpoints[1].addresses[0] 'cart.example.com'");
  }

  @Test
  void bad_slice_ports_are_skipped_and_good_ports_still_flow() {
    var s = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080), slicePort("bad", 70000),
        slicePort("none", null)), podEndpoint("10.0.0.1", null, null, true));

    assertThat(translator.endpoints(List.of(s), KubeLookup.EMPTY)).singleElement()
        .extracting(Endpoint::ports).isEqualTo(List.of(new EndpointPort("http", 8080)));
    assertThat(warnings).containsExactly(
        "cluster c1: skipping bad input in EndpointSlice shop/cart-1 (resourceVersion 1): ports[1].port is 70000; expected 1-65535",
        "cluster c1: skipping bad input in EndpointSlice shop/cart-1 (resourceVersion 1): ports[2].port is null; expected 1-65535");
  }

  @Test
  void a_slice_whose_ports_are_all_bad_contributes_no_endpoints() {
    var bad = slice("shop", "cart-1", "cart", List.of(slicePort("http", 0)), podEndpoint("10.0.0.1", null, null, true));
    var good = slice("shop", "cart-2", "cart", List.of(slicePort("http", 8080)), podEndpoint("10.0.0.2", null, null, true));

    assertThat(translator.endpoints(List.of(bad, good), KubeLookup.EMPTY))
        .extracting(Endpoint::address).containsExactly("10.0.0.2");
    assertThat(warnings).singleElement().asString().contains("ports[0].port is 0");
  }

  @Test
  void slice_without_service_name_label_is_warned_once_and_skipped() {
    var orphan = slice("shop", "orphan-1", null, List.of(slicePort("http", 8080)), podEndpoint("10.0.0.1", null, null, true));
    var good = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)), podEndpoint("10.0.0.2", null, null, true));

    assertThat(translator.serviceKey(orphan)).isEmpty();
    assertThat(translator.serviceKey(good)).contains("shop/cart");
    ClusterShare share = translator.share("shop", "cart", null, List.of(orphan, good), KubeLookup.EMPTY);

    assertThat(share.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.2");
    assertThat(share.spec()).isEmpty();
    assertThat(warnings).singleElement().asString()
        .contains("EndpointSlice shop/orphan-1", KubeTranslator.SERVICE_NAME_LABEL, "is missing", "expected");
  }

  @Test
  void share_holds_spec_and_only_the_service_own_endpoints() {
    var svc = service("shop", "cart", port("http", 80, 8080, null));
    var own = slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)), podEndpoint("10.0.0.1", null, null, true));
    var other = slice("shop", "pay-1", "pay", List.of(slicePort("http", 8080)), podEndpoint("10.0.0.2", null, null, true));

    ClusterShare share = translator.share("shop", "cart", svc, List.of(own, other), KubeLookup.EMPTY);

    assertThat(share.clusterId()).isEqualTo("c1");
    assertThat(share.spec()).map(ServiceSpec::hostname).contains("cart.shop.svc.cluster.local");
    assertThat(share.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.1");
  }

  @Test
  void fqdn_slice_addresses_are_bad_input() {
    var s = new EndpointSliceBuilder(slice("shop", "ext-1", "ext", List.of(slicePort("http", 80)),
        podEndpoint("backend.example.com", null, null, true))).withAddressType("FQDN").build();
    assertThat(translator.endpoints(List.of(s), KubeLookup.EMPTY)).isEmpty();
    assertThat(warnings).hasSize(1);
  }
}
