package io.meshplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.model.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigClusterSettingsTest {

  private static Config config(Map<String, Object> overrides) {
    return ConfigFactory.parseMap(overrides).withFallback(ConfigFactory.parseResources("meshplane.conf")).resolve();
  }

  @Test
  void defaults_follow_remote_secrets_in_meshplane_system_and_read_no_mesh_config() {
    ConfigClusterSettings s = ConfigClusterSettings.from(config(Map.of()));

    assertThat(s).isEqualTo(new ConfigClusterSettings(true, "meshplane-system", Optional.empty(), Optional.empty(),
        Duration.ofSeconds(5)));
  }

  @Test
  void reads_the_mesh_config_sources() {
    ConfigClusterSettings s = ConfigClusterSettings.from(config(Map.of("meshplane.mesh-config.file", "/etc/mesh.yaml",
        "meshplane.mesh-config.configmap", "mesh", "meshplane.remote-secrets.enabled", false)));

    assertThat(s.meshConfigFile()).contains(Path.of("/etc/mesh.yaml"));
    assertThat(s.meshConfigMap()).contains("mesh");
    assertThat(s.remoteSecrets()).isFalse();
  }

  @Test
  void bad_values_name_the_setting_and_the_expected_form() {
    assertThatThrownBy(() -> ConfigClusterSettings.from(config(Map.of("meshplane.remote-secrets.namespace", "Mesh"))))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("meshplane.remote-secrets.namespace: 'Mesh' is not a namespace name; expected lower-case letters, "
            + "digits and '-', at most 63 characters");
    assertThatThrownBy(() -> ConfigClusterSettings.from(config(Map.of("meshplane.mesh-config.configmap", "a_b"))))
        .hasMessageContaining("meshplane.mesh-config.configmap: 'a_b' is not a ConfigMap name");
    assertThatThrownBy(() -> ConfigClusterSettings.from(config(Map.of("meshplane.mesh-config.poll-interval", "soon"))))
        .hasMessageContaining("meshplane.mesh-config.poll-interval: 'soon' is not a duration");
  }
}
