package io.meshplane.registry.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.meshplane.registry.kube.RemoteSecrets.SecretStatus;
import io.meshplane.testing.MockCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemberClustersTest {

  static final String NS = "meshplane-system";
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  @TempDir
  Path dir;
  private final List<MemberClusters.Change> changes = new CopyOnWriteArrayList<>();
  private MockCluster config;
  private MemberClusters members;

  @AfterEach
  void tearDown() {
    if (members != null) {
      members.close();
    }
    if (config != null) {
      config.close();
    }
  }

  /** A kubeconfig for an API server at {@code port}. */
  static String kubeconfig(int port) {
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: c
          cluster:
            server: http://127.0.0.1:%d
        users:
        - name: u
          user:
            token: t
        contexts:
        - name: ctx
          context:
            cluster: c
            user: u
        current-context: ctx
        """.formatted(port);
  }

  static Secret secret(String name, Map<String, String> annotations, String kubeconfig, String createdAt) {
    SecretBuilder b = new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .addToLabels(RemoteSecrets.LABEL, "true").withAnnotations(annotations)
        .withCreationTimestamp(createdAt).endMetadata();
    if (kubeconfig != null) {
      b.addToStringData(RemoteSecrets.KUBECONFIG, kubeconfig);
    }
    return b.build();
  }

  private void startWatching() {
    config = MockCluster.start(0);
    config.namespace(NS);
    members = MemberClusters.watch(config.client(), "config-1", "net-default", NS);
    members.addListener(changes::add);
  }

  private void write(Secret secret) {
    config.client().secrets().inNamespace(NS).resource(secret).createOr(r -> r.update());
  }

  @Test
  void clusters_join_rotate_and_leave_with_their_secrets() {
    startWatching();
    assertThat(members.ids()).containsExactly("config-1");

    write(secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east", RemoteSecrets.NETWORK, "net-east",
        RemoteSecrets.REGION, "eu"), kubeconfig(1111), "2026-01-01T00:00:00Z"));
    await().atMost(PATIENCE).until(() -> members.ids().contains("east"));
    assertThat(changes).containsExactly(new MemberClusters.Change(java.util.Set.of("east"), java.util.Set.of(),
        java.util.Set.of()));
    RemoteSecrets.RemoteCluster east = members.remote("east").orElseThrow();
    assertThat(east.network()).isEqualTo("net-east");
    assertThat(east.region()).isEqualTo("eu");
    assertThat(east.secret()).isEqualTo(NS + "/east");
    assertThat(east.kubeconfig()).contains("127.0.0.1:1111");

    write(secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east", RemoteSecrets.NETWORK, "net-east"),
        kubeconfig(2222), "2026-01-01T00:00:00Z"));
    await().atMost(PATIENCE).until(() -> changes.size() == 2);
    assertThat(changes.get(1).rotated()).containsExactly("east");
    assertThat(members.remote("east").orElseThrow().kubeconfig()).contains("127.0.0.1:2222");

    config.client().secrets().inNamespace(NS).withName("east").delete();
    await().atMost(PATIENCE).until(() -> changes.size() == 3);
    assertThat(changes.get(2).left()).containsExactly("east");
    assertThat(members.ids()).containsExactly("config-1");
  }

  @Test
  void a_secret_without_the_label_is_ignored() {
    startWatching();
    Secret unlabelled = secret("plain", Map.of(RemoteSecrets.CLUSTER_ID, "plain"), kubeconfig(1), "");
    unlabelled.getMetadata().setLabels(Map.of());
    write(unlabelled);
    write(secret("marker", Map.of(RemoteSecrets.CLUSTER_ID, "marker"), kubeconfig(1), "2026-01-01T00:00:00Z"));
    await().atMost(PATIENCE).until(() -> members.ids().contains("marker"));
    assertThat(members.ids()).containsExactlyInAnyOrder("config-1", "marker");
  }

  @Test
  void of_two_secrets_claiming_one_cluster_the_oldest_wins_and_both_are_named() {
    members = MemberClusters.unwatched("config-1", "net-default", "meshplane-system");
    members.apply(List.of(
        secret("west-new", Map.of(RemoteSecrets.CLUSTER_ID, "west"), kubeconfig(2), "2026-02-01T00:00:00Z"),
        secret("west-old", Map.of(RemoteSecrets.CLUSTER_ID, "west"), kubeconfig(1), "2026-01-01T00:00:00Z")));

    assertThat(members.remote("west").orElseThrow().secret()).isEqualTo(NS + "/west-old");
    assertThat(members.secrets()).contains(
        new SecretStatus(NS + "/west-old", "west", "active", ""),
        new SecretStatus(NS + "/west-new", "west", "rejected", "remote secrets " + NS + "/west-old and " + NS
            + "/west-new both claim cluster west; the oldest, " + NS + "/west-old, is used; expected one secret "
            + "per cluster id"));
  }

  @Test
  void a_secret_without_a_cluster_id_or_claiming_the_config_cluster_is_rejected() {
    members = MemberClusters.unwatched("config-1", "net-default", "meshplane-system");
    members.apply(List.of(
        secret("anonymous", Map.of(), kubeconfig(1), ""),
        secret("impostor", Map.of(RemoteSecrets.CLUSTER_ID, "config-1"), kubeconfig(1), ""),
        secret("bad-id", Map.of(RemoteSecrets.CLUSTER_ID, "no/slash"), kubeconfig(1), "")));

    assertThat(members.ids()).containsExactly("config-1");
    assertThat(members.secrets()).extracting(SecretStatus::secret, SecretStatus::state).containsExactly(
        org.assertj.core.groups.Tuple.tuple(NS + "/anonymous", "rejected"),
        org.assertj.core.groups.Tuple.tuple(NS + "/bad-id", "rejected"),
        org.assertj.core.groups.Tuple.tuple(NS + "/impostor", "rejected"));
    assertThat(members.secrets().get(0).detail()).isEqualTo("remote secret " + NS + "/anonymous names no cluster: "
        + "expected the annotation meshplane.io/cluster-id (or data key cluster-id) with the member cluster's id");
    assertThat(members.secrets().get(1).detail()).contains("'no/slash' is not a valid cluster id");
    assertThat(members.secrets().get(2).detail()).contains("this control plane's own config cluster");
  }

  @Test
  void a_broken_kubeconfig_is_reported_and_a_rotation_to_one_keeps_the_last_good() {
    members = MemberClusters.unwatched("config-1", "net-default", "meshplane-system");
    members.addListener(changes::add);
    members.apply(List.of(
        secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east"), "apiVersion: v1\nkind: Config\n", ""),
        secret("south", Map.of(RemoteSecrets.CLUSTER_ID, "south"), null, ""),
        secret("west", Map.of(RemoteSecrets.CLUSTER_ID, "west"), kubeconfig(1), "")));

    assertThat(members.ids()).containsExactlyInAnyOrder("config-1", "east", "south", "west");
    assertThat(members.remote("east").orElseThrow().usable()).isFalse();
    assertThat(members.secrets()).contains(new SecretStatus(NS + "/east", "east", "broken", "remote secret " + NS
        + "/east, key kubeconfig has no current-context; expected a kubeconfig (apiVersion v1, kind Config) whose "
        + "current-context names a context whose cluster has a server URL"));
    assertThat(members.secrets()).contains(new SecretStatus(NS + "/south", "south", "broken", "remote secret " + NS
        + "/south has no data key 'kubeconfig'; expected a kubeconfig with inline credentials there"));

    // West's credentials are rotated to garbage: the good ones stay, nothing rotates.
    changes.clear();
    members.apply(List.of(secret("west", Map.of(RemoteSecrets.CLUSTER_ID, "west"), "clusters: [", "")));
    assertThat(members.remote("west").orElseThrow().kubeconfig()).isEqualTo(kubeconfig(1));
    assertThat(members.secrets()).singleElement().satisfies(s -> {
      assertThat(s.state()).isEqualTo("kept");
      assertThat(s.detail()).contains("is not valid YAML").contains("the previous kubeconfig (from " + NS
          + "/west) stays in use");
    });
    assertThat(changes).containsExactly(new MemberClusters.Change(java.util.Set.of(),
        java.util.Set.of("east", "south"), java.util.Set.of()));
  }
}
