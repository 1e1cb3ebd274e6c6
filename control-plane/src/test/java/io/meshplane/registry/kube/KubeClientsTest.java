package io.meshplane.registry.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.meshplane.model.InvalidInputException;
import io.meshplane.registry.MemberRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubeClientsTest {

  @TempDir
  Path dir;

  static String kubeconfig(String server, String currentContext) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: east
          cluster:
            server: %s
        contexts:
        - name: east-admin
          context:
            cluster: east
            user: admin
        current-context: %s
        users:
        - name: admin
          user:
            token: secret
        """.formatted(server, currentContext);
  }

  @Test
  void client_from_kubeconfig_talks_to_the_current_context_cluster_with_short_timeouts() throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
        new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), false);
    server.init();
    try {
      Path file = Files.writeString(dir.resolve("east.yaml"), kubeconfig(server.url("/"), "east-admin"));
      try (KubernetesClient client = KubeClients.fromKubeconfig(file)) {
        assertThat(client.getMasterUrl().toString()).isEqualTo(server.url("/"));
        assertThat(client.getConfiguration().getConnectionTimeout()).isEqualTo(KubeClients.CONNECT_TIMEOUT_MS);
        assertThat(client.getConfiguration().getWatchReconnectInterval())
            .isEqualTo(KubeClients.WATCH_RECONNECT_INTERVAL_MS);
        assertThat(client.namespaces().list().getItems()).isEmpty();
      }
    } finally {
      server.destroy();
    }
  }

  @Test
  void missing_kubeconfig_names_the_file_and_the_expected_form() {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> KubeClients.fromKubeconfig(missing))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("cannot be read")
        .hasMessageContaining("expected");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                  | is empty",
      "'{{{ not yaml'      | not valid YAML",
      "'foo: bar'          | no current-context",
  })
  void malformed_kubeconfig_names_the_file_and_the_problem(String content, String problem) throws IOException {
    Path file = Files.writeString(dir.resolve("bad.yaml"), content);
    assertThatThrownBy(() -> KubeClients.fromKubeconfig(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(problem)
        .hasMessageContaining("expected a kubeconfig");
  }

  @Test
  void current_context_must_exist() throws IOException {
    Path file = Files.writeString(dir.resolve("ctx.yaml"), kubeconfig("https://10.0.0.1:6443", "west-admin"));
    assertThatThrownBy(() -> KubeClients.fromKubeconfig(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("current-context 'west-admin' is not among its contexts");
  }

  @Test
  void registry_factory_checks_files_up_front_and_rejects_unknown_clusters() throws IOException {
    Path good = Files.writeString(dir.resolve("east.yaml"), kubeconfig("https://10.0.0.1:6443", "east-admin"));
    Path bad = Files.writeString(dir.resolve("west.yaml"), "foo: bar");

    assertThatThrownBy(() -> KubeClients.registryFactory(Map.of("east", good, "west", bad), "net-1"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(bad.toString());

    MemberRegistry.Factory factory = KubeClients.registryFactory(Map.of("east", good), "net-1");
    assertThatThrownBy(() -> factory.create("north"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("'north' is not configured")
        .hasMessageContaining("east");
    try (MemberRegistry registry = factory.create("east")) {
      assertThat(registry).isInstanceOf(KubeRegistry.class);
    }
  }
}
