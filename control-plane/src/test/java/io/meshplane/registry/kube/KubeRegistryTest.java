package io.meshplane.registry.kube;

import static io.meshplane.registry.kube.KubeObjects.namespace;
import static io.meshplane.registry.kube.KubeObjects.node;
import static io.meshplane.registry.kube.KubeObjects.pod;
import static io.meshplane.registry.kube.KubeObjects.podEndpoint;
import static io.meshplane.registry.kube.KubeObjects.port;
import static io.meshplane.registry.kube.KubeObjects.service;
import static io.meshplane.registry.kube.KubeObjects.slice;
import static io.meshplane.registry.kube.KubeObjects.slicePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.registry.MemberRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import io.meshplane.testing.MockCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KubeRegistryTest {

  private static final String CART = ServiceSpec.hostname("cart", "shop");
  private static final Duration PATIENCE = Duration.ofSeconds(20);

  /** Registries and clients: closed before the servers, so no server shuts down under live watches. */
  private final List<AutoCloseable> clients = new ArrayList<>();
  private final List<AutoCloseable> servers = new ArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Recorder recorder = new Recorder();

  @AfterEach
  void tearDown() throws Exception {
    // A mock API server closed while a registry still watches it sees the registry reconnect
    // during its shutdown; CI once saw that close wait past the mock's 10 s limit.
    for (AutoCloseable client : clients) {
      client.close();
    }
    for (AutoCloseable server : servers) {
      server.close();
    }
  }

  @Test
  void follows_services_slices_pods_nodes_and_namespaces_into_shares() {
    KubernetesMockServer server = startServer(0);
    KubernetesClient kube = testClient(server);
    create(kube, namespace("shop", "net-b"));
    create(kube, node("node-1", "eu-west", "eu-west-1a", "rack-7"));
    create(kube, pod("shop", "cart-a", Map.of("app", "cart"), "cart-sa", "node-1"));
    create(kube, pod("shop", "cart-b", Map.of("app", "cart"), null, "node-1"));
    create(kube, service("shop", "cart", port("http", 80, 8080, null)));
    create(kube, slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.2", "cart-b", "node-1", false), podEndpoint("10.0.0.1", "cart-a", "node-1", true)));

    startRegistry(server);

    ServiceSpec spec = new ServiceSpec("cart", "shop", List.of(new ServicePort("http", 80, 8080, "TCP")), List.of());
    Locality locality = new Locality("eu-west", "eu-west-1a", "rack-7");
    Endpoint a = new Endpoint("10.0.0.1", List.of(new EndpointPort("http", 8080)), "c1", "net-b", locality,
        Map.of("app", "cart"), "cart-sa", true, "cart-a");
    Endpoint b = new Endpoint("10.0.0.2", List.of(new EndpointPort("http", 8080)), "c1", "net-b", locality,
        Map.of("app", "cart"), "default", false, "cart-b");
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(recorder.latest(CART)).contains(new ClusterShare("c1", Optional.of(spec), List.of(a, b))));
    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);

    kube.discovery().v1().endpointSlices().inNamespace("shop").withName("cart-1")
        .edit(s -> { s.getEndpoints().removeIf(e -> e.getAddresses().contains("10.0.0.2")); return s; });
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(recorder.latest(CART)).map(ClusterShare::endpoints).contains(List.of(a)));

    kube.pods().inNamespace("shop").withName("cart-a")
        .edit(p -> { p.getMetadata().getLabels().put("version", "v2"); return p; });
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(onlyEndpoint().labels())
        .isEqualTo(Map.of("app", "cart", "version", "v2")));

    kube.nodes().withName("node-1")
        .edit(n -> { n.getMetadata().getLabels().put(KubeTranslator.ZONE_LABEL, "eu-west-1b"); return n; });
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(onlyEndpoint().locality())
        .isEqualTo(new Locality("eu-west", "eu-west-1b", "rack-7")));

    kube.namespaces().withName("shop")
        .edit(n -> { n.getMetadata().getLabels().put(KubeTranslator.NETWORK_LABEL, "net-c"); return n; });
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(onlyEndpoint().network()).isEqualTo("net-c"));

    kube.services().inNamespace("shop").withName("cart").delete();
    kube.discovery().v1().endpointSlices().inNamespace("shop").withName("cart-1").delete();
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(recorder.latest(CART)).hasValueSatisfying(s -> assertThat(s.isEmpty()).isTrue()));

    assertThat(recorder.synced).hasValue(1);
    assertThat(recorder.connectivity).startsWith(true).doesNotContain(false);
    assertThat(warnings).isEmpty();
  }

  @Test
  void the_first_listing_reports_each_service_once_with_its_endpoints() {
    // A registry restarted on another node (failover) must not report a Service listed before its
    // EndpointSlices: that share without endpoints would reach every proxy.
    KubernetesMockServer server = startServer(0);
    KubernetesClient kube = testClient(server);
    Map<String, String> addresses = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      create(kube, service("shop", "svc-" + i, port("http", 80, 8080, null)));
      create(kube, slice("shop", "svc-" + i + "-1", "svc-" + i, List.of(slicePort("http", 8080)),
          podEndpoint("10.0.1." + i, null, null, null)));
      addresses.put(ServiceSpec.hostname("svc-" + i, "shop"), "10.0.1." + i);
    }

    startRegistry(server);

    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);
    assertThat(recorder.history.keySet()).containsExactlyInAnyOrderElementsOf(addresses.keySet());
    recorder.history.forEach((hostname, shares) -> assertThat(shares).as("shares reported for " + hostname)
        .singleElement().satisfies(s -> assertThat(s.endpoints()).extracting(Endpoint::address)
            .containsExactly(addresses.get(hostname))));
  }

  @Test
  void malformed_service_is_skipped_while_a_good_one_in_the_same_namespace_flows() {
    KubernetesMockServer server = startServer(0);
    KubernetesClient kube = testClient(server);
    create(kube, service("shop", "bad", port("http", 0, 8080, null)));
    create(kube, service("shop", "cart", port("http", 80, 8080, null)));

    startRegistry(server);

    // synced() comes after every object of the first listing was recomputed.
    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);
    assertThat(recorder.latest(CART)).hasValueSatisfying(s -> assertThat(s.spec()).isPresent());
    assertThat(recorder.latest(ServiceSpec.hostname("bad", "shop"))).isEmpty();
    assertThat(warnings).singleElement().asString()
        .contains("cluster c1", "Service shop/bad", "spec.ports[0].port is 0; expected 1-65535");
  }

  @Test
  void endpoints_without_a_service_are_reported_and_withdrawn() {
    KubernetesMockServer server = startServer(0);
    KubernetesClient kube = testClient(server);
    startRegistry(server);
    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);

    create(kube, slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.1", null, null, null)));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recorder.latest(CART)).hasValueSatisfying(s -> {
      assertThat(s.spec()).isEmpty();
      assertThat(s.endpoints()).extracting(Endpoint::address).containsExactly("10.0.0.1");
      assertThat(s.endpoints().get(0).network()).isEqualTo("net-default");
    }));

    kube.discovery().v1().endpointSlices().inNamespace("shop").withName("cart-1").delete();
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(recorder.latest(CART)).hasValueSatisfying(s -> assertThat(s.isEmpty()).isTrue()));
  }

  @Test
  void start_never_throws_when_the_api_server_is_down_and_recovers_when_it_comes_up() throws Exception {
    int port = freePort();
    KubeRegistry registry = new KubeRegistry(KubeClients.create(config("http://127.0.0.1:" + port + "/")),
        new KubeTranslator("c1", "net-default", warnings::add), Duration.ofMillis(200));
    clients.add(registry);

    registry.start(recorder);

    await().atMost(PATIENCE).until(() -> recorder.connectivity.contains(false));
    assertThat(recorder.details).first().asString().contains("unreachable");
    assertThat(recorder.synced).hasValue(0);

    KubernetesMockServer server = startServer(port);
    create(testClient(server), service("shop", "cart", port("http", 80, 8080, null)));

    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recorder.connectivity).endsWith(true));
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recorder.latest(CART)).isPresent());
  }

  @Test
  void losing_the_api_server_after_sync_is_reported_and_its_return_too() {
    KubernetesMockServer server = startServer(0);
    int port = server.getPort();
    startRegistry(server);
    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recorder.connectivity).containsExactly(true));

    // fabric8 reconnects a broken watch silently (the informer still says it is watching):
    // only the probe sees this.
    server.destroy();
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recorder.connectivity).containsExactly(true, false));

    startServer(port);
    await().atMost(PATIENCE).untilAsserted(() ->
        assertThat(recorder.connectivity).containsExactly(true, false, true));
    assertThat(recorder.synced).hasValue(1);
  }

  @Test
  void a_slice_change_whose_watch_event_was_lost_is_repaired_by_the_resync() {
    // The slices' watch opens but never delivers an event, as when fabric8's mock API server
    // gives up on a stalled websocket write: without the resync the change would never arrive.
    KubernetesMockServer server = startServer(0, true);
    KubernetesClient kube = testClient(server);
    create(kube, service("shop", "cart", port("http", 80, 8080, null)));
    create(kube, slice("shop", "cart-1", "cart", List.of(slicePort("http", 8080)),
        podEndpoint("10.0.0.1", null, null, null)));
    String orders = ServiceSpec.hostname("orders", "shop");
    create(kube, service("shop", "orders", port("http", 80, 8080, null)));
    Repairs repairs = new Repairs();
    KubeRegistry registry = new KubeRegistry(KubeClients.create(config(server.url("/"))),
        new KubeTranslator("c1", "net-default", warnings::add), Duration.ofMillis(200),
        new ResyncSettings(Duration.ofMillis(300), Duration.ofMillis(100)), repairs);
    clients.add(registry);
    registry.start(recorder);
    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);
    assertThat(recorder.latest(CART).orElseThrow().endpoints()).extracting(Endpoint::address)
        .containsExactly("10.0.0.1");

    kube.discovery().v1().endpointSlices().inNamespace("shop").withName("cart-1")
        .edit(s -> { s.getEndpoints().get(0).setAddresses(List.of("10.0.0.9")); return s; });

    await().atMost(PATIENCE).untilAsserted(() -> assertThat(recorder.latest(CART).orElseThrow().endpoints())
        .extracting(Endpoint::address).containsExactly("10.0.0.9"));
    // Counted once the new caches are handed to the registry's thread, which may report first.
    await().atMost(PATIENCE).untilAsserted(() -> assertThat(repairs.repaired).containsEntry("EndpointSlice", 1));
    assertThat(repairs.repaired).doesNotContainKey("Service");
    // Rebuilding the caches recomputes every service, but reports only the ones that changed.
    assertThat(recorder.history.get(orders)).hasSize(1);
  }

  @Test
  void close_closes_the_client() {
    KubernetesMockServer server = startServer(0);
    KubernetesClient client = KubeClients.create(config(server.url("/")));
    KubeRegistry registry = new KubeRegistry(client, "c1", "net-default");
    registry.start(recorder);
    await().atMost(PATIENCE).until(() -> recorder.synced.get() == 1);

    registry.close();

    assertThat(client.getHttpClient().isClosed()).isTrue();
  }

  private Endpoint onlyEndpoint() {
    return recorder.latest(CART).orElseThrow().endpoints().get(0);
  }

  private KubernetesMockServer startServer(int port) {
    return startServer(port, false);
  }

  /** A CRUD mock API server; {@code silentSliceWatches}: every EndpointSlice watch delivers nothing. */
  private KubernetesMockServer startServer(int port, boolean silentSliceWatches) {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMixedDispatcher dispatcher = silentSliceWatches ? new KubernetesMixedDispatcher(responses) {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (request.getPath().startsWith("/apis/discovery.k8s.io/v1/endpointslices")
            && request.getPath().contains("watch=true")) {
          return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {});
        }
        return super.dispatch(request);
      }
    } : new KubernetesMixedDispatcher(responses);
    KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
        new MockWebServer(), responses, dispatcher, false);
    if (port == 0) {
      server.init();
    } else {
      server.init(InetAddress.getLoopbackAddress(), port);
    }
    servers.add(() -> MockCluster.destroy(server));
    return server;
  }

  private KubernetesClient testClient(KubernetesMockServer server) {
    KubernetesClient client = server.createClient();
    clients.add(client);
    return client;
  }

  private void startRegistry(KubernetesMockServer server) {
    KubeRegistry registry = new KubeRegistry(KubeClients.create(config(server.url("/"))),
        new KubeTranslator("c1", "net-default", warnings::add), Duration.ofMillis(200));
    clients.add(registry);
    registry.start(recorder);
  }

  private static Config config(String masterUrl) {
    return new ConfigBuilder(Config.empty()).withMasterUrl(masterUrl).withNamespace("default").build();
  }

  /** Creates an object the way a client would send it: without server-assigned metadata. */
  private static void create(KubernetesClient kube, HasMetadata object) {
    object.getMetadata().setUid(null);
    object.getMetadata().setResourceVersion(null);
    if (object instanceof EndpointSlice slice) {
      kube.discovery().v1().endpointSlices().resource(slice).create();
    } else {
      kube.resource(object).create();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Records the resync's repairs, by resource. */
  private static final class Repairs implements ResyncMetrics {
    final Map<String, Integer> repaired = new ConcurrentHashMap<>();

    @Override
    public void compared(String clusterId) {}

    @Override
    public void repaired(String clusterId, String resource, int objects) {
      repaired.merge(resource, objects, Integer::sum);
    }
  }

  /** Records what the registry reports; called from the registry's thread. */
  private static final class Recorder implements MemberRegistry.Listener {
    final Map<String, ClusterShare> shares = new ConcurrentHashMap<>();
    final Map<String, List<ClusterShare>> history = new ConcurrentHashMap<>();
    final AtomicInteger synced = new AtomicInteger();
    final List<Boolean> connectivity = new CopyOnWriteArrayList<>();
    final List<String> details = new CopyOnWriteArrayList<>();

    @Override
    public void shareChanged(String hostname, ClusterShare share) {
      shares.put(hostname, share);
      history.computeIfAbsent(hostname, h -> new CopyOnWriteArrayList<>()).add(share);
    }

    @Override
    public void synced() {
      synced.incrementAndGet();
    }

    @Override
    public void connectivityChanged(boolean connected, String detail) {
      connectivity.add(connected);
      details.add(detail);
    }

    Optional<ClusterShare> latest(String hostname) {
      return Optional.ofNullable(shares.get(hostname));
    }
  }
}
