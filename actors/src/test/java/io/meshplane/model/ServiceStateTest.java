package io.meshplane.model;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.emptyShare;
import static io.meshplane.model.TestServices.endpoint;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.spec;
import static io.meshplane.model.TestServices.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServiceStateTest {

  @Test
  void endpoints_alone_do_not_make_a_service_exist() {
    ServiceState orphan = state(GREETER, 1,
        new ClusterShare("east", Optional.empty(), List.of(endpoint("east", "10.0.0.1", 9000))));

    assertThat(orphan.exists()).isFalse();
    assertThat(orphan.spec()).isEmpty();
    assertThat(orphan.endpoints()).hasSize(1);
  }

  @Test
  void merges_ports_by_number_with_the_first_cluster_by_id_winning() {
    ServiceSpec east = spec("greeter", "default", List.of(), new ServicePort("grpc", 50051, 0, "grpc"));
    ServiceSpec west = spec("greeter", "default", List.of("shop"),
        new ServicePort("grpc-renamed", 50051, 0, "grpc"), new ServicePort("http", 8080, 0, "http"));

    ServiceState merged = state(GREETER, 2, share("west", west), share("east", east));

    assertThat(merged.ports()).containsExactly(new ServicePort("http", 8080, 0, "http"),
        new ServicePort("grpc", 50051, 0, "grpc"));
    assertThat(merged.exportTo()).containsExactly("shop");
  }

  @Test
  void replacing_a_share_bumps_the_version_and_an_empty_share_removes_the_cluster() {
    ServiceState one = ServiceState.empty(GREETER).withShare(share("east", spec("greeter", "default")));

    assertThat(one.version()).isEqualTo(1);
    assertThat(one.clusters()).containsOnlyKeys("east");

    ServiceState none = one.withShare(emptyShare("east"));

    assertThat(none.version()).isEqualTo(2);
    assertThat(none.clusters()).isEmpty();
    assertThat(none.share("east")).isEqualTo(emptyShare("east"));
  }

  @Test
  void rejects_a_negative_version() {
    assertThatThrownBy(() -> new ServiceState(GREETER, -1, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version");
  }
}
