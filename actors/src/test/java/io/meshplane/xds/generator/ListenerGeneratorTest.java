package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.Fixtures.HOST;
import static io.meshplane.xds.generator.Fixtures.grpcPort;
import static io.meshplane.xds.generator.Fixtures.spec;
import static io.meshplane.xds.generator.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource.ConfigSourceSpecifierCase;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServicePort;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ListenerGeneratorTest {

  @Test
  void listener_points_at_route_over_ads() throws Exception {
    List<Resource> listeners = ListenerGenerator.generate(state(1, spec(grpcPort(50051))));

    assertThat(listeners).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo(HOST + ":50051");
      assertThat(r.typeUrl()).isEqualTo(TypeUrls.LISTENER);
    });
    Listener listener = listeners.get(0).body().unpack(Listener.class);
    assertThat(listener.getName()).isEqualTo(HOST + ":50051");
    HttpConnectionManager hcm = hcm(listener);
    assertThat(hcm.getCodecType()).isEqualTo(CodecType.AUTO);
    assertThat(hcm.getStatPrefix()).isNotEmpty();
    assertThat(hcm.getRds().getRouteConfigName()).isEqualTo(HOST + ":50051");
    assertThat(hcm.getRds().getConfigSource().getConfigSourceSpecifierCase()).isEqualTo(ConfigSourceSpecifierCase.ADS);
    assertThat(hcm.getRds().getConfigSource().getResourceApiVersion()).isEqualTo(ApiVersion.V3);
  }

  @Test
  void router_is_the_only_http_filter() throws Exception {
    Listener listener = ListenerGenerator.generate(state(1, spec(grpcPort(50051)))).get(0).body().unpack(Listener.class);

    List<HttpFilter> filters = hcm(listener).getHttpFiltersList();
    assertThat(filters).singleElement().satisfies(f -> {
      assertThat(f.getName()).isEqualTo("envoy.filters.http.router");
      assertThat(f.getTypedConfig().is(Router.class)).isTrue();
    });
  }

  @Test
  void each_service_port_gets_its_own_listener() {
    List<Resource> listeners = ListenerGenerator.generate(
        state(1, spec(new ServicePort("http", 8080, 0, "TCP"), grpcPort(50051))));

    assertThat(listeners).extracting(Resource::name).containsExactly(HOST + ":8080", HOST + ":50051");
  }

  @Test
  void aliases_carry_the_dialed_name_and_point_at_the_canonical_route() throws Exception {
    List<Resource> aliases = ListenerGenerator.aliases(state(1, spec(grpcPort(50051))));

    assertThat(aliases).extracting(Resource::name)
        .containsExactly("greeter.demo.svc:50051", "greeter.demo:50051", "greeter:50051");
    for (Resource alias : aliases) {
      Listener listener = alias.body().unpack(Listener.class);
      assertThat(listener.getName()).isEqualTo(alias.name());
      assertThat(hcm(listener).getRds().getRouteConfigName()).isEqualTo(HOST + ":50051");
    }
  }

  @Test
  void a_service_no_cluster_declares_has_no_listeners() {
    var endpointsOnly = state(1, new ClusterShare("east", Optional.empty(),
        List.of(Fixtures.endpoint("10.0.0.1", Fixtures.EAST_A, true, Fixtures.grpc(50051)))));

    assertThat(ListenerGenerator.generate(endpointsOnly)).isEmpty();
    assertThat(ListenerGenerator.aliases(endpointsOnly)).isEmpty();
  }

  private static HttpConnectionManager hcm(Listener listener) throws Exception {
    return listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
  }
}
