package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.Fixtures.HOST;
import static io.meshplane.xds.generator.Fixtures.grpcPort;
import static io.meshplane.xds.generator.Fixtures.spec;
import static io.meshplane.xds.generator.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServicePort;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RouteGeneratorTest {

  @Test
  void route_configuration_is_named_like_the_listener() throws Exception {
    List<Resource> routes = RouteGenerator.generate(state(1, spec(grpcPort(50051))));

    assertThat(routes).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo(HOST + ":50051");
      assertThat(r.typeUrl()).isEqualTo(TypeUrls.ROUTE_CONFIGURATION);
    });
    assertThat(routes.get(0).body().unpack(RouteConfiguration.class).getName()).isEqualTo(HOST + ":50051");
  }

  @Test
  void virtual_host_answers_every_name_a_client_may_dial() throws Exception {
    VirtualHost host = onlyHost(RouteGenerator.generate(state(1, spec(grpcPort(50051)))).get(0));

    assertThat(host.getDomainsList()).containsExactlyInAnyOrder(
        HOST + ":50051", HOST,
        "greeter.demo.svc:50051", "greeter.demo.svc",
        "greeter.demo:50051", "greeter.demo",
        "greeter:50051", "greeter");
  }

  @Test
  void every_request_goes_to_the_outbound_cluster_without_timeout() throws Exception {
    VirtualHost host = onlyHost(RouteGenerator.generate(state(1, spec(grpcPort(50051)))).get(0));

    assertThat(host.getRoutesList()).singleElement().satisfies(route -> {
      assertThat(route.getMatch().hasPrefix()).isTrue();
      assertThat(route.getMatch().getPrefix()).isEmpty();
      assertThat(route.getRoute().getCluster()).isEqualTo("outbound|50051||" + HOST);
      assertThat(route.getRoute().hasTimeout()).isTrue();
      assertThat(route.getRoute().getTimeout().getSeconds()).isZero();
      assertThat(route.getRoute().getTimeout().getNanos()).isZero();
    });
  }

  @Test
  void each_port_routes_to_its_own_cluster() throws Exception {
    List<Resource> routes = RouteGenerator.generate(
        state(1, spec(new ServicePort("http", 8080, 9090, "TCP"), grpcPort(50051))));

    assertThat(routes).extracting(Resource::name).containsExactly(HOST + ":8080", HOST + ":50051");
    Route http = onlyHost(routes.get(0)).getRoutes(0);
    assertThat(http.getRoute().getCluster()).isEqualTo("outbound|8080||" + HOST);
    assertThat(onlyHost(routes.get(0)).getDomainsList()).contains(HOST + ":8080").doesNotContain(HOST + ":50051");
  }

  @Test
  void a_service_no_cluster_declares_has_no_routes() {
    assertThat(RouteGenerator.generate(state(1, new ClusterShare("east", Optional.empty(),
        List.of(Fixtures.endpoint("10.0.0.1", Fixtures.EAST_A, true)))))).isEmpty();
  }

  private static VirtualHost onlyHost(Resource r) throws Exception {
    RouteConfiguration config = r.body().unpack(RouteConfiguration.class);
    assertThat(config.getVirtualHostsList()).hasSize(1);
    return config.getVirtualHosts(0);
  }
}
