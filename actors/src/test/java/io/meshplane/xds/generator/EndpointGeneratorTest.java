package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.Fixtures.EAST_A;
import static io.meshplane.xds.generator.Fixtures.EAST_B;
import static io.meshplane.xds.generator.Fixtures.HOST;
import static io.meshplane.xds.generator.Fixtures.WEST_A;
import static io.meshplane.xds.generator.Fixtures.endpoint;
import static io.meshplane.xds.generator.Fixtures.endpointIn;
import static io.meshplane.xds.generator.Fixtures.grpc;
import static io.meshplane.xds.generator.Fixtures.grpcPort;
import static io.meshplane.xds.generator.Fixtures.spec;
import static io.meshplane.xds.generator.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.ServicePort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EndpointGeneratorTest {

  @Test
  void endpoints_are_grouped_by_locality_with_weights() throws Exception {
    ClusterLoadAssignment cla = only(state(1, spec(grpcPort(50051)),
        endpoint("10.0.0.3", WEST_A, true, grpc(9000)),
        endpoint("10.0.0.2", EAST_A, true, grpc(9000)),
        endpoint("10.0.0.1", EAST_A, true, grpc(9000)),
        endpoint("10.0.0.4", EAST_B, true, grpc(9000))));

    assertThat(cla.getClusterName()).isEqualTo("outbound|50051||" + HOST);
    assertThat(cla.getEndpointsList()).extracting(l -> l.getLocality().getZone())
        .containsExactly("us-east1-a", "us-east1-b", "us-west1-a");
    assertThat(cla.getEndpointsList()).extracting(l -> l.getLoadBalancingWeight().getValue())
        .containsExactly(2, 1, 1);
    assertThat(cla.getEndpointsList()).extracting(LocalityLbEndpoints::getPriority).containsOnly(0);
    LocalityLbEndpoints west = cla.getEndpoints(2);
    assertThat(west.getLocality().getRegion()).isEqualTo("us-west1");
    assertThat(west.getLocality().getSubZone()).isEqualTo("rack-1");
    assertThat(addresses(cla.getEndpoints(0))).containsExactly("10.0.0.1:9000", "10.0.0.2:9000");
    assertThat(cla.getEndpoints(0).getLbEndpointsList()).extracting(e -> e.getLoadBalancingWeight().getValue())
        .containsOnly(1);
  }

  @Test
  void unready_endpoints_are_marked_unhealthy() throws Exception {
    ClusterLoadAssignment cla = only(state(1, spec(grpcPort(50051)),
        endpoint("10.0.0.1", EAST_A, true, grpc(9000)),
        endpoint("10.0.0.2", EAST_A, false, grpc(9000))));

    assertThat(cla.getEndpoints(0).getLbEndpointsList()).extracting(LbEndpoint::getHealthStatus)
        .containsExactly(HealthStatus.HEALTHY, HealthStatus.UNHEALTHY);
    assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isEqualTo(2);
  }

  @Test
  void named_service_port_picks_named_endpoint_port() throws Exception {
    ServicePort grpcPort = new ServicePort("grpc", 50051, 0, "TCP");
    ServicePort metrics = new ServicePort("metrics", 9090, 0, "TCP");
    List<Resource> assignments = EndpointGenerator.generate(state(1, spec(grpcPort, metrics),
        endpoint("10.0.0.1", EAST_A, true, new EndpointPort("metrics", 15090), new EndpointPort("grpc", 8443))));

    assertThat(assignments).extracting(Resource::name)
        .containsExactly("outbound|9090||" + HOST, "outbound|50051||" + HOST);
    assertThat(addresses(unpack(assignments.get(0)).getEndpoints(0))).containsExactly("10.0.0.1:15090");
    assertThat(addresses(unpack(assignments.get(1)).getEndpoints(0))).containsExactly("10.0.0.1:8443");
  }

  @Test
  void endpoints_without_a_matching_port_are_left_out() throws Exception {
    ServicePort admin = new ServicePort("admin", 8080, 0, "TCP");
    ClusterLoadAssignment cla = only(state(1, spec(admin),
        endpoint("10.0.0.1", EAST_A, true, grpc(9000)),
        endpoint("10.0.0.2", WEST_A, true, new EndpointPort("admin", 18080))));

    assertThat(cla.getEndpointsList()).hasSize(1);
    assertThat(cla.getEndpoints(0).getLocality().getRegion()).isEqualTo("us-west1");
    assertThat(addresses(cla.getEndpoints(0))).containsExactly("10.0.0.2:18080");
  }

  @Test
  void endpoints_without_ports_use_the_target_port() throws Exception {
    ClusterLoadAssignment cla = only(state(1, spec(new ServicePort("", 80, 8080, "TCP")),
        endpoint("10.0.0.1", EAST_A, true)));

    assertThat(addresses(cla.getEndpoints(0))).containsExactly("10.0.0.1:8080");
  }

  @Test
  void a_service_without_endpoints_gets_an_empty_assignment() throws Exception {
    List<Resource> assignments = EndpointGenerator.generate(state(1, spec(grpcPort(50051))));

    assertThat(assignments).singleElement().satisfies(r -> assertThat(r.name()).isEqualTo("outbound|50051||" + HOST));
    ClusterLoadAssignment cla = unpack(assignments.get(0));
    assertThat(cla.getClusterName()).isEqualTo("outbound|50051||" + HOST);
    assertThat(cla.getEndpointsList()).isEmpty();
  }

  @Test
  void endpoints_of_every_member_cluster_are_merged() throws Exception {
    ClusterLoadAssignment cla = only(state(1,
        new ClusterShare("east", Optional.of(spec(grpcPort(50051))),
            List.of(endpointIn("east", "10.0.0.1", EAST_A, true, grpc(9000)))),
        new ClusterShare("west", Optional.empty(),
            List.of(endpointIn("west", "10.1.0.1", WEST_A, true, grpc(9000))))));

    assertThat(cla.getEndpointsList()).flatExtracting(EndpointGeneratorTest::addresses)
        .containsExactly("10.0.0.1:9000", "10.1.0.1:9000");
  }

  @Test
  void equal_endpoints_in_any_order_give_equal_bytes() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      endpoints.add(endpointIn(i % 2 == 0 ? "east" : "west", "10.0." + (i % 7) + "." + i,
          List.of(EAST_A, EAST_B, WEST_A).get(i % 3), i % 5 != 0, grpc(9000 + i % 2)));
    }
    Resource first = EndpointGenerator.generate(shares(endpoints)).get(0);
    Collections.shuffle(endpoints, new Random(7));
    Resource shuffled = EndpointGenerator.generate(shares(endpoints)).get(0);

    assertThat(shuffled.body().getValue()).isEqualTo(first.body().getValue());
    assertThat(shuffled.version()).isEqualTo(first.version());
  }

  private static io.meshplane.model.ServiceState shares(List<Endpoint> endpoints) {
    List<Endpoint> east = endpoints.stream().filter(e -> e.clusterId().equals("east")).toList();
    List<Endpoint> west = endpoints.stream().filter(e -> e.clusterId().equals("west")).toList();
    return state(3,
        new ClusterShare("west", Optional.empty(), west),
        new ClusterShare("east", Optional.of(spec(grpcPort(50051))), east));
  }

  private static ClusterLoadAssignment only(io.meshplane.model.ServiceState state) throws Exception {
    List<Resource> assignments = EndpointGenerator.generate(state);
    assertThat(assignments).hasSize(1);
    return unpack(assignments.get(0));
  }

  private static ClusterLoadAssignment unpack(Resource r) throws Exception {
    assertThat(r.typeUrl()).isEqualTo(TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
    return r.body().unpack(ClusterLoadAssignment.class);
  }

  private static List<String> addresses(LocalityLbEndpoints group) {
    return group.getLbEndpointsList().stream()
        .map(e -> e.getEndpoint().getAddress().getSocketAddress())
        .map(a -> a.getAddress() + ":" + a.getPortValue())
        .toList();
  }
}
