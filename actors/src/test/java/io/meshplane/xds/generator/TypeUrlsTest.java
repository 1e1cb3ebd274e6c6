package io.meshplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import org.junit.jupiter.api.Test;

class TypeUrlsTest {

  @Test
  void type_urls_are_those_of_the_generated_v3_messages() {
    assertThat(TypeUrls.LISTENER).isEqualTo(Protos.pack(Listener.getDefaultInstance()).getTypeUrl());
    assertThat(TypeUrls.ROUTE_CONFIGURATION)
        .isEqualTo(Protos.pack(RouteConfiguration.getDefaultInstance()).getTypeUrl());
    assertThat(TypeUrls.CLUSTER).isEqualTo("type.googleapis.com/envoy.config.cluster.v3.Cluster")
        .isEqualTo(Protos.pack(Cluster.getDefaultInstance()).getTypeUrl());
    assertThat(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .isEqualTo(Protos.pack(ClusterLoadAssignment.getDefaultInstance()).getTypeUrl());
    assertThat(TypeUrls.SUPPORTED).containsExactlyInAnyOrder(TypeUrls.LISTENER, TypeUrls.ROUTE_CONFIGURATION,
        TypeUrls.CLUSTER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
  }

  @Test
  void only_lds_and_cds_are_wildcard_by_default() {
    assertThat(TypeUrls.isWildcardByDefault(TypeUrls.LISTENER)).isTrue();
    assertThat(TypeUrls.isWildcardByDefault(TypeUrls.CLUSTER)).isTrue();
    assertThat(TypeUrls.isWildcardByDefault(TypeUrls.ROUTE_CONFIGURATION)).isFalse();
    assertThat(TypeUrls.isWildcardByDefault(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)).isFalse();
    assertThat(TypeUrls.isWildcardByDefault("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"))
        .isFalse();
  }

  @Test
  void short_names_are_the_xds_service_acronyms() {
    assertThat(TypeUrls.shortName(TypeUrls.LISTENER)).isEqualTo("LDS");
    assertThat(TypeUrls.shortName(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)).isEqualTo("EDS");
    assertThat(TypeUrls.shortName("x")).isEqualTo("x");
  }
}
