package io.meshplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.testing.MockCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshConfigSourceTest {

  private static final Duration PATIENCE = Duration.ofSeconds(20);
  /** Long: the tests poll the file by hand. */
  private static final Duration NEVER = Duration.ofHours(1);

  @TempDir
  Path dir;
  private final List<MeshConfig> heard = new CopyOnWriteArrayList<>();
  private MeshConfigSource source;
  private MockCluster cluster;

  @AfterEach
  void tearDown() {
    if (source != null) {
      source.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void a_changed_file_is_applied_and_an_invalid_one_keeps_the_last_good_config() throws Exception {
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, "meshId: first\n");
    source = MeshConfigSource.start(Optional.of(file), Optional.empty(), "meshplane-system", Optional.empty(), NEVER);
    source.subscribe(heard::add);
    await().atMost(PATIENCE).until(() -> heard.size() == 1);
    assertThat(heard.get(0).meshId()).isEqualTo("first");

    Files.writeString(file, "meshId: second\nnetworks: {n1: {gateways: [{address: 10.0.0.1, port: 15443}]}}\n");
    source.pollFile();
    await().atMost(PATIENCE).until(() -> heard.size() == 2);
    assertThat(heard.get(1).meshId()).isEqualTo("second");
    assertThat(heard.get(1).knowsNetwork("n1")).isTrue();

    Files.writeString(file, "meshId: third\nlocalityFailover: maybe\n");
    source.pollFile();
    assertThat(source.status().config().meshId()).as("the last good config stays").isEqualTo("second");
    assertThat(source.status().problem()).hasValueSatisfying(p -> assertThat(p)
        .contains("file " + file).contains("localityFailover: 'maybe' is not a boolean; expected true or false"));
    assertThat(heard).hasSize(2);

    Files.delete(file);
    source.pollFile();
    assertThat(source.status().config().meshId()).isEqualTo("second");
    assertThat(source.status().problem()).hasValueSatisfying(p -> assertThat(p).contains("does not exist"));
  }

  @Test
  void without_sources_the_default_is_in_force() {
    source = MeshConfigSource.start(Optional.empty(), Optional.empty(), "", Optional.empty(), NEVER);
    source.subscribe(heard::add);
    await().atMost(PATIENCE).until(() -> heard.size() == 1);
    assertThat(heard.get(0)).isEqualTo(MeshConfig.DEFAULT);
  }

  @Test
  void a_configmap_overrides_the_file_key_by_key_and_is_followed() throws Exception {
    cluster = MockCluster.start(0);
    cluster.namespace("meshplane-system");
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, "meshId: from-file\ntrustDomain: file.example.com\n");
    source = MeshConfigSource.start(Optional.of(file), Optional.of(cluster.client()), "meshplane-system",
        Optional.of("mesh"), NEVER);
    source.subscribe(heard::add);
    await().atMost(PATIENCE).until(() -> !heard.isEmpty());
    assertThat(heard.get(heard.size() - 1).meshId()).isEqualTo("from-file");

    configMap("meshId: from-map\n");
    await().atMost(PATIENCE).until(() -> heard.get(heard.size() - 1).meshId().equals("from-map"));
    assertThat(heard.get(heard.size() - 1).trustDomain()).as("the file's other keys stay")
        .isEqualTo("file.example.com");

    configMap("meshId: from-map\nnetworks: {n1: {gateways: [{address: 10.0.0.1, port: 0}]}}\n");
    await().atMost(PATIENCE).until(() -> source.status().problem().isPresent());
    assertThat(source.status().problem().get()).contains("ConfigMap meshplane-system/mesh")
        .contains("networks.n1.gateways[0].port: 0 is not a port");
    assertThat(source.status().config().meshId()).isEqualTo("from-map");
    assertThat(source.status().config().networks()).isEmpty();

    cluster.client().configMaps().inNamespace("meshplane-system").withName("mesh").delete();
    await().atMost(PATIENCE).until(() -> heard.get(heard.size() - 1).meshId().equals("from-file"));
  }

  private void configMap(String yaml) {
    cluster.client().configMaps().inNamespace("meshplane-system").resource(new ConfigMapBuilder()
            .withNewMetadata().withName("mesh").withNamespace("meshplane-system").endMetadata()
            .addToData(MeshConfigSource.KEY, yaml).build())
        .createOr(r -> r.update());
  }
}
