package io.meshplane.push;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.GRPC_PORT;
import static io.meshplane.model.TestServices.ZONE_A;
import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.Mesh;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ServiceState;
import io.meshplane.xds.generator.ProxyView;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-key EDS memo: equal views are generated once and shared; the rest stay shared too. */
class ServiceViewTest {

  private static final ServiceState GREETER_V1 = service(spec("greeter", "default"), 1, "10.0.0.1", "10.0.0.2");
  private static final String EDS = ResourceNames.clusterLoadAssignment(GREETER, GRPC_PORT);
  private static final Mesh SPLIT = Mesh.of(new MeshConfig("mesh1", "cluster.local",
      Map.of("net-1", new MeshConfig.Network("net-1", List.of(new MeshConfig.Gateway("192.0.2.1", 15443)))),
      List.of("*"), List.of(), true), DiscoveredGateways.NONE);

  private static ProxyView sidecar(String namespace, String network, Locality locality) {
    return new ProxyView(namespace, "east", network, locality, ProxyKind.SIDECAR);
  }

  @Test
  void proxies_with_equal_views_share_one_generated_assignment() {
    ServiceView view = ServiceView.of(GREETER_V1, SPLIT);

    var first = view.endpoints(sidecar("default", "net-2", ZONE_A));
    var second = view.endpoints(sidecar("other-namespace", "net-2", ZONE_A));

    assertThat(second).isSameAs(first);
    assertThat(view.memoizedKeys()).isEqualTo(1);
  }

  @Test
  void proxies_with_different_views_get_different_versions() {
    ServiceView view = ServiceView.of(GREETER_V1, SPLIT);

    String local = view.endpoints(sidecar("default", "net-1", ZONE_A)).get(EDS).version();
    String remote = view.endpoints(sidecar("default", "net-2", ZONE_A)).get(EDS).version();

    assertThat(local).isNotEqualTo(remote);
    assertThat(view.memoizedKeys()).isEqualTo(2);
  }

  @Test
  void in_the_default_mesh_every_proxy_without_a_locality_gets_the_shared_assignments() {
    ServiceView view = ServiceView.of(GREETER_V1);

    assertThat(view.endpoints(sidecar("default", "net-9", Locality.UNKNOWN)))
        .isSameAs(view.resources().resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT));
    assertThat(view.memoizedKeys()).isZero();
  }

  @Test
  void a_mesh_change_keeps_the_shared_resources_unless_what_they_read_changed() {
    ServiceView view = ServiceView.of(GREETER_V1);
    MeshConfig privateByDefault = new MeshConfig("mesh1", "cluster.local", Map.of(), List.of("."), List.of(), false);

    ServiceView sameShared = view.withMesh(Mesh.of(privateByDefault, DiscoveredGateways.NONE));
    ServiceView split = view.withMesh(SPLIT);

    assertThat(sameShared.resources()).isSameAs(view.resources());
    assertThat(sameShared.visibleTo("other")).isFalse();
    assertThat(view.visibleTo("other")).isTrue();
    assertThat(split.resources()).isNotSameAs(view.resources());
    assertThat(view.withMesh(Mesh.DEFAULT)).isSameAs(view);
  }

  @Test
  void five_thousand_proxies_in_two_networks_and_three_zones_make_six_generated_views() {
    ServiceView view = ServiceView.of(GREETER_V1, SPLIT);
    List<Locality> zones = List.of(ZONE_A, new Locality("us-east1", "us-east1-b", ""),
        new Locality("us-west1", "us-west1-a", ""));

    for (int i = 0; i < 5_000; i++) {
      view.endpoints(new ProxyView("ns-" + (i % 50), "east", i % 2 == 0 ? "net-1" : "net-2", zones.get(i % 3),
          ProxyKind.SIDECAR));
    }

    assertThat(view.memoizedKeys()).isEqualTo(6);
  }
}
