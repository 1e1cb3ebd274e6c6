package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.Fixtures.EAST_A;
import static io.meshplane.xds.generator.Fixtures.HOST;
import static io.meshplane.xds.generator.Fixtures.endpoint;
import static io.meshplane.xds.generator.Fixtures.grpc;
import static io.meshplane.xds.generator.Fixtures.grpcPort;
import static io.meshplane.xds.generator.Fixtures.spec;
import static io.meshplane.xds.generator.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ServiceResourcesTest {

  private static final ServiceState GREETER = state(4,
      spec(new ServicePort("http", 8080, 0, "TCP"), grpcPort(50051)),
      endpoint("10.0.0.1", EAST_A, true, grpc(9000), new EndpointPort("http", 8081)));

  @Test
  void holds_all_four_kinds_for_an_existing_service() {
    ServiceResources resources = ServiceResources.of(GREETER);

    assertThat(resources.hostname()).isEqualTo(HOST);
    assertThat(resources.serviceVersion()).isEqualTo(4);
    assertThat(resources.resources(TypeUrls.LISTENER)).containsOnlyKeys(HOST + ":8080", HOST + ":50051");
    assertThat(resources.resources(TypeUrls.ROUTE_CONFIGURATION)).containsOnlyKeys(HOST + ":8080", HOST + ":50051");
    assertThat(resources.resources(TypeUrls.CLUSTER))
        .containsOnlyKeys("outbound|8080||" + HOST, "outbound|50051||" + HOST);
    assertThat(resources.resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT))
        .containsOnlyKeys("outbound|8080||" + HOST, "outbound|50051||" + HOST);
    for (String typeUrl : TypeUrls.SUPPORTED) {
      resources.resources(typeUrl).forEach((name, r) -> {
        assertThat(r.name()).isEqualTo(name);
        assertThat(r.typeUrl()).isEqualTo(typeUrl);
      });
    }
    assertThat(resources.isEmpty()).isFalse();
  }

  @Test
  void a_service_no_cluster_declares_has_no_resources() {
    ServiceState endpointsOnly = state(2, new ClusterShare("east", Optional.empty(),
        List.of(endpoint("10.0.0.1", EAST_A, true, grpc(9000)))));

    ServiceResources resources = ServiceResources.of(endpointsOnly);

    assertThat(resources.resources(TypeUrls.LISTENER)).isEmpty();
    assertThat(resources.resources(TypeUrls.ROUTE_CONFIGURATION)).isEmpty();
    assertThat(resources.resources(TypeUrls.CLUSTER)).isEmpty();
    assertThat(resources.listenerAliases()).isEmpty();
    assertThat(resources.isEmpty()).isTrue();
    assertThat(ServiceResources.of(ServiceState.empty(HOST)).isEmpty()).isTrue();
  }

  @Test
  void find_answers_canonical_names_and_listener_aliases() {
    ServiceResources resources = ServiceResources.of(GREETER);

    assertThat(resources.find(TypeUrls.LISTENER, HOST + ":50051")).isPresent();
    assertThat(resources.find(TypeUrls.LISTENER, "greeter:50051")).get()
        .extracting(Resource::name).isEqualTo("greeter:50051");
    assertThat(resources.find(TypeUrls.LISTENER, "greeter.demo:8080")).isPresent();
    assertThat(resources.find(TypeUrls.ROUTE_CONFIGURATION, "greeter:50051")).isEmpty();
    assertThat(resources.find(TypeUrls.CLUSTER, "outbound|50051||" + HOST)).isPresent();
    assertThat(resources.find(TypeUrls.LISTENER, HOST + ":1")).isEmpty();
    assertThat(resources.find("type.googleapis.com/google.protobuf.Empty", HOST + ":50051")).isEmpty();
    assertThat(resources.resources(TypeUrls.LISTENER)).doesNotContainKey("greeter:50051");
  }

  @Test
  void separate_computations_of_equal_states_give_equal_resources() {
    ServiceResources one = ServiceResources.of(GREETER);
    ServiceResources other = ServiceResources.of(state(4,
        spec(new ServicePort("http", 8080, 0, "TCP"), grpcPort(50051)),
        endpoint("10.0.0.1", EAST_A, true, grpc(9000), new EndpointPort("http", 8081))));

    for (String typeUrl : TypeUrls.SUPPORTED) {
      assertThat(other.resources(typeUrl)).isEqualTo(one.resources(typeUrl));
    }
    assertThat(other.listenerAliases()).isEqualTo(one.listenerAliases());
  }

  @Test
  void an_endpoint_change_changes_only_eds_versions() {
    ServiceResources before = ServiceResources.of(GREETER);
    ServiceResources after = ServiceResources.of(GREETER.withShare(new ClusterShare("east",
        GREETER.share("east").spec(), List.of(endpoint("10.0.0.2", EAST_A, true, grpc(9000))))));

    assertThat(after.serviceVersion()).isEqualTo(5);
    assertThat(versions(after.resources(TypeUrls.LISTENER))).isEqualTo(versions(before.resources(TypeUrls.LISTENER)));
    assertThat(versions(after.resources(TypeUrls.ROUTE_CONFIGURATION)))
        .isEqualTo(versions(before.resources(TypeUrls.ROUTE_CONFIGURATION)));
    assertThat(versions(after.resources(TypeUrls.CLUSTER))).isEqualTo(versions(before.resources(TypeUrls.CLUSTER)));
    Map<String, String> edsBefore = versions(before.resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT));
    versions(after.resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT))
        .forEach((name, version) -> assertThat(version).as(name).isNotEqualTo(edsBefore.get(name)));
  }

  @Test
  void maps_cannot_be_changed_by_callers() {
    ServiceResources resources = ServiceResources.of(GREETER);
    Map<String, Resource> listeners = resources.resources(TypeUrls.LISTENER);

    assertThatThrownBy(listeners::clear).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> resources.listenerAliases().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void a_dangling_reference_is_refused_naming_both_sides() {
    ServiceState state = state(1, spec(grpcPort(50051)));
    List<Resource> listeners = ListenerGenerator.generate(state);

    assertThatThrownBy(() -> ServiceResources.assemble(HOST, 1, listeners, List.of(),
        ClusterGenerator.generate(state), EndpointGenerator.generate(state), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("listener " + HOST + ":50051")
        .hasMessageContaining("route configuration '" + HOST + ":50051'");
    assertThatThrownBy(() -> ServiceResources.assemble(HOST, 1, listeners, RouteGenerator.generate(state),
        ClusterGenerator.generate(state), List.of(), List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cluster outbound|50051||" + HOST)
        .hasMessageContaining("load assignment");
  }

  private static Map<String, String> versions(Map<String, Resource> resources) {
    return resources.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().version()));
  }
}
