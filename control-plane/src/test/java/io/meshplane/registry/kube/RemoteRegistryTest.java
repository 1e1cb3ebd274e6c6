package io.meshplane.registry.kube;

import static io.meshplane.registry.kube.MemberClustersTest.kubeconfig;
import static io.meshplane.registry.kube.MemberClustersTest.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServiceSpec;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.testing.MockCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemoteRegistryTest {

  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String CART = ServiceSpec.hostname("cart", "shop");
  private static final String BILLING = ServiceSpec.hostname("billing", "shop");

  @TempDir
  Path dir;
  private final List<AutoCloseable> closeFirst = new ArrayList<>();
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private final Recorder recorder = new Recorder();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeFirst) {
      c.close();
    }
    for (AutoCloseable c : closeLast) {
      c.close();
    }
  }

  static final class Recorder implements MemberRegistry.Listener {
    final Map<String, ClusterShare> shares = new ConcurrentHashMap<>();
    final List<String> connectivity = new CopyOnWriteArrayList<>();
    final AtomicInteger synced = new AtomicInteger();

    @Override
    public void shareChanged(String hostname, ClusterShare share) {
      shares.put(hostname, share);
    }

    @Override
    public void synced() {
      synced.incrementAndGet();
    }

    @Override
    public void connectivityChanged(boolean connected, String detail) {
      connectivity.add(connected + " " + detail);
    }

    boolean has(String hostname) {
      ClusterShare s = shares.get(hostname);
      return s != null && !s.isEmpty();
    }
  }

  private MockCluster cluster() {
    MockCluster c = MockCluster.start(0);
    closeLast.add(c);
    c.namespace("shop");
    return c;
  }

  @Test
  void a_rotated_secret_reconnects_with_the_new_credentials_and_drops_what_only_the_old_server_had() {
    MockCluster a = cluster();
    a.service("shop", "cart", 80, 8080);
    a.endpoints("shop", "cart", 8080, List.of("10.0.0.1"));
    MockCluster b = cluster();
    b.service("shop", "billing", 80, 8080);
    b.endpoints("shop", "billing", 8080, List.of("10.1.0.1"));
    MemberClusters members = MemberClusters.unwatched("config-1", "net-default", "meshplane-system");
    members.apply(List.of(secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east"), kubeconfig(a.port()), "")));
    MemberRegistry.Factory factory = KubeClients.memberRegistryFactory(members,
        Optional.of(a.writeKubeconfig(dir.resolve("config.yaml"))), "net-default");

    MemberRegistry registry = factory.create("east");
    closeFirst.add(registry);
    registry.start(recorder);
    await().atMost(PATIENCE).until(() -> recorder.has(CART) && recorder.synced.get() == 1);
    assertThat(recorder.shares.get(CART).clusterId()).isEqualTo("east");
    assertThat(recorder.shares.get(CART).endpoints()).singleElement()
        .satisfies(e -> assertThat(e.network()).isEqualTo("net-default"));

    // The secret now points at another API server (and names a network): no restart needed.
    members.apply(List.of(secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east", RemoteSecrets.NETWORK, "net-b"),
        kubeconfig(b.port()), "")));

    await().atMost(PATIENCE).until(() -> recorder.has(BILLING) && !recorder.has(CART));
    assertThat(recorder.shares.get(BILLING).endpoints()).singleElement()
        .satisfies(e -> assertThat(e.network()).isEqualTo("net-b"));
    assertThat(recorder.shares.get(CART)).isEqualTo(new ClusterShare("east", Optional.empty(), List.of()));
  }

  @Test
  void a_member_whose_kubeconfig_is_broken_reports_itself_unreachable_naming_the_secret() {
    MockCluster a = cluster();
    MemberClusters members = MemberClusters.unwatched("config-1", "net-default", "meshplane-system");
    members.apply(List.of(secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east"), "kind: Config\n", "")));
    MemberRegistry registry = KubeClients.memberRegistryFactory(members,
        Optional.of(a.writeKubeconfig(dir.resolve("config.yaml"))), "net-default").create("east");
    closeFirst.add(registry);

    registry.start(recorder);

    await().atMost(PATIENCE).until(() -> !recorder.connectivity.isEmpty());
    assertThat(recorder.connectivity.get(0)).startsWith("false remote secret meshplane-system/east, key kubeconfig "
        + "has no current-context; expected a kubeconfig");

    // Fixed: the watch starts.
    a.service("shop", "cart", 80, 8080);
    members.apply(List.of(secret("east", Map.of(RemoteSecrets.CLUSTER_ID, "east"), kubeconfig(a.port()), "")));
    await().atMost(PATIENCE).until(() -> recorder.has(CART));
  }
}
