package io.meshplane.registry.kube;

import static io.meshplane.registry.kube.KubeObjects.port;
import static io.meshplane.registry.kube.KubeObjects.service;
import static io.meshplane.registry.kube.KubeObjects.withVersion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.Service;
import io.meshplane.model.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InformerResyncTest {

  private static Service svc(String name, String version) {
    return withVersion(service("shop", name, port("http", 80, 8080, null)), version);
  }

  @Test
  void finds_objects_the_cache_lacks_holds_too_many_or_holds_at_another_version() {
    Map<String, String> d = InformerResync.differences(
        List.of(svc("same", "5"), svc("added", "7"), svc("changed", "9")),
        List.of(svc("same", "5"), svc("changed", "8"), svc("deleted", "3")));

    assertThat(d).isEqualTo(Map.of("shop/added", "7", "shop/changed", "9", "shop/deleted", ""));
  }

  @Test
  void a_difference_counts_as_lost_only_if_the_server_object_did_not_change_between_the_two_looks() {
    Map<String, String> first = Map.of("shop/lost", "7", "shop/in-flight", "9", "shop/gone", "", "shop/busy", "4");
    // The in-flight event has arrived (no longer a difference); busy changed again on the server.
    Map<String, String> second = Map.of("shop/lost", "7", "shop/gone", "", "shop/busy", "6", "shop/new", "2");

    assertThat(InformerResync.confirmed(first, second)).isEqualTo(Map.of("shop/lost", "7", "shop/gone", ""));
  }

  @Test
  void settings_are_read_from_the_config_and_bad_values_are_named() {
    assertThat(ResyncSettings.from(ConfigFactory.parseString(
        "meshplane.registry { resync-interval = 30s, resync-confirm = 5s }")))
        .isEqualTo(new ResyncSettings(Duration.ofSeconds(30), Duration.ofSeconds(5)));
    assertThat(ResyncSettings.from(ConfigFactory.parseString(
        "meshplane.registry { resync-interval = 0, resync-confirm = 5s }")).enabled()).isFalse();

    assertThatThrownBy(() -> ResyncSettings.from(ConfigFactory.parseString(
        "meshplane.registry { resync-interval = often, resync-confirm = 5s }")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("meshplane.registry.resync-interval: 'often' is not a duration");
    assertThatThrownBy(() -> ResyncSettings.from(ConfigFactory.parseString(
        "meshplane.registry { resync-interval = 5s, resync-confirm = 5s }")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("must be shorter than the interval");
  }
}
