package io.meshplane.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointTest {

  private static Endpoint withPorts(EndpointPort... ports) {
    return new Endpoint("10.0.0.1", List.of(ports), "east", "net-1", Locality.UNKNOWN, Map.of(), "default", true,
        "w-1");
  }

  @Test
  void a_named_service_port_maps_to_the_endpoint_port_of_the_same_name() {
    Endpoint e = withPorts(new EndpointPort("http", 8081), new EndpointPort("grpc", 9000));

    assertThat(e.portFor(new ServicePort("grpc", 50051, 0, "grpc"))).contains(9000);
    assertThat(e.portFor(new ServicePort("http", 80, 0, "http"))).contains(8081);
  }

  @Test
  void an_unnamed_service_port_maps_to_the_only_endpoint_port() {
    assertThat(withPorts(new EndpointPort("", 9000)).portFor(new ServicePort("", 80, 8080, "tcp"))).contains(9000);
    assertThat(withPorts(new EndpointPort("x", 9000)).portFor(new ServicePort("", 80, 8080, "tcp")))
        .contains(9000);
  }

  @Test
  void an_endpoint_without_ports_serves_the_numeric_target_port() {
    assertThat(withPorts().portFor(new ServicePort("grpc", 50051, 9090, "grpc"))).contains(9090);
    assertThat(withPorts().portFor(new ServicePort("grpc", 50051, 0, "grpc"))).isEmpty();
  }

  @Test
  void a_named_service_port_the_endpoint_does_not_serve_maps_to_nothing() {
    Endpoint e = withPorts(new EndpointPort("http", 8081), new EndpointPort("metrics", 9102));

    assertThat(e.portFor(new ServicePort("grpc", 50051, 9000, "grpc"))).isEmpty();
  }

  @Test
  void the_key_is_cluster_and_address() {
    assertThat(withPorts().key()).isEqualTo("east/10.0.0.1");
  }
}
