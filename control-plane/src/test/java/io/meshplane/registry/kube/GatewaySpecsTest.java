package io.meshplane.registry.kube;

import static io.meshplane.registry.kube.KubeObjects.port;
import static io.meshplane.registry.kube.KubeObjects.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewaySpecsTest {

  private final List<String> warnings = new ArrayList<>();
  private final KubeTranslator translator = new KubeTranslator("c1", "net-default", warnings::add);

  static Service gateway(String network, ServicePort... ports) {
    return new ServiceBuilder(service("istio-system", "eastwest", ports))
        .editMetadata().addToLabels(KubeTranslator.NETWORK_LABEL, network).endMetadata().build();
  }

  static Service withIngress(Service service, String... ipsOrHostnames) {
    ServiceBuilder b = new ServiceBuilder(service).withNewStatus().withNewLoadBalancer().endLoadBalancer().endStatus();
    Service out = b.build();
    for (String a : ipsOrHostnames) {
      LoadBalancerIngressBuilder ingress = new LoadBalancerIngressBuilder();
      if (Character.isDigit(a.charAt(0))) {
        ingress.withIp(a);
      } else {
        ingress.withHostname(a);
      }
      out.getStatus().getLoadBalancer().getIngress().add(ingress.build());
    }
    return out;
  }

  static Service withExternalIps(Service service, String... ips) {
    return new ServiceBuilder(service).editSpec().withExternalIPs(ips).endSpec().build();
  }

  private Optional<ServiceGateway> gatewayOf(Service svc) {
    return translator.serviceSpec(svc).orElseThrow().gateway();
  }

  @Test
  void a_service_without_the_network_label_is_no_gateway() {
    assertThat(gatewayOf(withIngress(service("istio-system", "eastwest", port("tls", 15443, 15443, null)),
        "192.0.2.1"))).isEmpty();
    assertThat(warnings).isEmpty();
  }

  @Test
  void a_labelled_service_is_a_gateway_at_its_load_balancer_ips_and_hostnames_on_its_tls_port() {
    Service svc = withExternalIps(withIngress(gateway("network-2", port("status", 15021, 15021, null),
        port("tls", 443, 15443, null), port("mtls", 15443, 15443, null)), "192.0.2.1", "gw.example.com"),
        "198.51.100.7");

    assertThat(gatewayOf(svc)).contains(new ServiceGateway("network-2", List.of("192.0.2.1", "gw.example.com"), 443));
    assertThat(warnings).isEmpty();
  }

  @Test
  void without_a_load_balancer_address_the_external_ips_are_used() {
    Service svc = withExternalIps(withIngress(gateway("network-2", port("tls", 15443, 15443, null))),
        "198.51.100.7", "198.51.100.8");

    assertThat(gatewayOf(svc)).contains(new ServiceGateway("network-2", List.of("198.51.100.7", "198.51.100.8"),
        15443));
  }

  @Test
  void without_a_tls_port_15443_is_used_if_declared_else_the_first_port() {
    assertThat(gatewayOf(gateway("n", port("a", 80, 80, null), port("b", 15443, 15443, null))).orElseThrow().port())
        .isEqualTo(15443);
    assertThat(gatewayOf(gateway("n", port("a", 8443, 8443, null), port("b", 9000, 9000, null))).orElseThrow()
        .port()).isEqualTo(8443);
  }

  @Test
  void a_gateway_whose_address_is_not_yet_provisioned_has_no_addresses() {
    assertThat(gatewayOf(gateway("network-2", port("tls", 15443, 15443, null))))
        .contains(new ServiceGateway("network-2", List.of(), 15443));
  }

  @Test
  void a_bad_network_label_is_warned_once_and_the_service_is_still_served_without_a_gateway() {
    Service svc = gateway("", port("tls", 15443, 15443, null));

    Optional<ServiceSpec> spec = translator.serviceSpec(svc);
    translator.serviceSpec(svc);

    assertThat(spec).isPresent();
    assertThat(spec.get().gateway()).isEmpty();
    assertThat(spec.get().ports()).hasSize(1);
    assertThat(warnings).singleElement().asString()
        .contains("Service istio-system/eastwest", KubeTranslator.NETWORK_LABEL, "expected a network name");
  }

  @Test
  void a_labelled_service_without_ports_is_warned_and_is_no_gateway() {
    Service svc = gateway("network-2");

    assertThat(gatewayOf(svc)).isEmpty();
    assertThat(warnings).singleElement().asString()
        .contains("Service istio-system/eastwest", "network 'network-2'", "no usable port", "'tls'");
  }
}
