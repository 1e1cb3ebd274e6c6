package io.meshplane.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.meshplane.front.TcpFront;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.registry.kube.RemoteSecrets;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The multicluster benchmark's control plane and clusters, as real processes and servers on this
 * machine: a Cassandra server, a config cluster (a fabric8 mock API server holding only the remote
 * secrets), {@code clusters} member clusters (one mock API server each) joined through remote
 * secrets with their network ({@link MultiTruth#network}), a mesh config file naming each network's
 * gateway, N control-plane JVMs in one Pekko cluster, and the TCP front.
 */
final class MultiMesh implements ControlPlaneUnderTest {

  static final String CONFIG_CLUSTER = "config";
  private static final String SECRETS_NAMESPACE = "meshplane-system";
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The mock servers log every request at INFO through java.util.logging; held here because
   * java.util.logging keeps loggers only weakly, and would forget the level.
   */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  /**
   * The members' registries compare their caches with their API server this often (the default is
   * 5 minutes): fabric8's mock API server gives up on a websocket write that stalls for 30 s and
   * drops that watch event without closing the watch, so a lost event is repaired within a
   * minute, well inside the bench's phases. Repairs are counted in the report.
   */
  static final String RESYNC_INTERVAL = "30s";

  private final Closer closer = new Closer();
  final LocalCassandra cassandra;
  final MockCluster config;
  final List<MockCluster> members = new ArrayList<>();
  private final ControlPlaneProcess[] nodes;
  private final TcpFront front;

  MultiMesh(Path dir, int nodeCount, MultiTruth layout) {
    try {
      cassandra = closer.keep(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra"))
          .withPorts(Ports.free(), Ports.free())));
      config = closer.keep(MockCluster.start(0));
      config.namespace(SECRETS_NAMESPACE);
      Path configKubeconfig = config.writeKubeconfig(dir.resolve("kubeconfig-config"));
      for (int c = 0; c < layout.clusters; c++) {
        MockCluster member = closer.keep(MockCluster.start(0));
        member.namespace(Fleet.NAMESPACE);
        members.add(member);
        String kubeconfig = Files.readString(member.writeKubeconfig(dir.resolve("kubeconfig-" + c)));
        config.client().resource(remoteSecret(c, kubeconfig)).create();
      }
      Path meshConfig = Files.writeString(dir.resolve("mesh-config.yaml"), meshConfig(layout));
      Path nodeConfig = Files.writeString(dir.resolve("node.conf"),
          "meshplane.mesh-config.file = \"" + meshConfig.toAbsolutePath() + "\"\n"
              + "meshplane.registry.resync-interval = " + RESYNC_INTERVAL + "\n");
      nodes = new ControlPlaneProcess[nodeCount];
      int[] xds = new int[nodeCount];
      int[] admin = new int[nodeCount];
      int[] remoting = new int[nodeCount];
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (int i = 0; i < nodeCount; i++) {
        xds[i] = Ports.free();
        admin[i] = Ports.free();
        remoting[i] = Ports.free();
        addresses.add(new InetSocketAddress("127.0.0.1", xds[i]));
      }
      for (int i = 0; i < nodeCount; i++) {
        List<String> flags = new ArrayList<>(List.of("--config", nodeConfig.toString(),
            "--cluster-id", CONFIG_CLUSTER, "--network", MultiTruth.NET_A,
            "--cassandra", cassandra.contactPoint(), "--cassandra-dc", cassandra.datacenter(),
            "--kubeconfig", configKubeconfig.toString(), "--remoting-port", String.valueOf(remoting[i]),
            "--node-name", "node-" + i));
        for (int port : remoting) {
          flags.add("--seed-node");
          flags.add("pekko://meshplane@127.0.0.1:" + port);
        }
        nodes[i] = closer.keep(ControlPlaneProcess.start(dir.resolve("node-" + i + ".log"), xds[i], admin[i],
            List.of(), flags));
      }
      ActorSystem<Void> frontSystem = ActorSystem.create(Behaviors.empty(), "front");
      closer.keep(frontSystem::terminate);
      front = closer.keep(TcpFront.start(frontSystem, addresses, 0));
    } catch (IOException e) {
      closer.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closer.close();
      throw e;
    }
  }

  /** The remote secret of member {@code c}, as {@code meshplane create-remote-secret} makes it. */
  static io.fabric8.kubernetes.api.model.Secret remoteSecret(int c, String kubeconfig) {
    return new SecretBuilder()
        .withNewMetadata().withName("meshplane-remote-" + MultiTruth.clusterId(c)).withNamespace(SECRETS_NAMESPACE)
        .addToLabels(RemoteSecrets.LABEL, "true")
        .addToAnnotations(RemoteSecrets.CLUSTER_ID, MultiTruth.clusterId(c))
        .addToAnnotations(RemoteSecrets.NETWORK, MultiTruth.network(c))
        .endMetadata()
        .withType("Opaque")
        .addToData(RemoteSecrets.KUBECONFIG,
            Base64.getEncoder().encodeToString(kubeconfig.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** The mesh config: each network of the layout with its gateway. */
  static String meshConfig(MultiTruth layout) {
    StringBuilder yaml = new StringBuilder("meshId: bench\nnetworks:\n");
    for (String network : List.of(MultiTruth.NET_A, MultiTruth.NET_B)) {
      yaml.append("  ").append(network).append(":\n    gateways:\n    - address: ")
          .append(MultiTruth.gateway(network)).append("\n      port: ").append(MultiTruth.GATEWAY_PORT).append('\n');
    }
    return yaml.toString();
  }

  /** Writes service {@code s}'s endpoints in member {@code c}. */
  void endpoints(int c, int s, List<String> addresses) {
    members.get(c).endpoints(Fleet.NAMESPACE, "svc-" + s, 8080, addresses);
  }

  /** Creates service {@code s} in member {@code c}. */
  void service(int c, int s) {
    members.get(c).service(Fleet.NAMESPACE, "svc-" + s, Fleet.PORT, 8080);
  }

  /** Ready addresses of service {@code s}'s EndpointSlice in member {@code c}, as the API server holds them. */
  List<String> apiServerEndpoints(int c, int s) {
    var slice = members.get(c).client().discovery().v1().endpointSlices().inNamespace(Fleet.NAMESPACE)
        .withName("svc-" + s + "-slice").get();
    if (slice == null || slice.getEndpoints() == null) {
      return List.of();
    }
    return slice.getEndpoints().stream().flatMap(e -> e.getAddresses().stream()).sorted().toList();
  }

  /**
   * Node {@code node}'s endpoints of {@code hostname} from {@code /debug/services} ("address
   * cluster" each), or why there are none.
   */
  String nodeEndpoints(int node, String hostname) {
    try {
      JsonNode s = JSON.readTree(nodes[node].admin("/debug/services")).path(hostname);
      if (s.isMissingNode()) {
        return "not subscribed here";
      }
      List<String> out = new ArrayList<>();
      s.path("endpoints").forEach(e -> out.add(e.asText()));
      return "version " + s.path("version").asText() + ", " + out;
    } catch (IOException | RuntimeException e) {
      return "unreadable (" + e.getMessage() + ")";
    }
  }

  /**
   * Member clusters by id with the services each node's watch reports synced, from node 0's
   * {@code /debug/clusters}; empty when it cannot be read.
   */
  Map<String, Integer> syncedServices(int node) {
    Map<String, Integer> out = new HashMap<>();
    try {
      collect(JSON.readTree(nodes[node].admin("/debug/clusters")), out);
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return out;
  }

  private static void collect(JsonNode n, Map<String, Integer> out) {
    if (n.has("clusterId") && n.has("services") && n.path("synced").asBoolean(false)) {
      out.put(n.path("clusterId").asText(), n.path("services").asInt());
    }
    n.forEach(child -> collect(child, out));
  }

  /**
   * Member clusters by id with the time their watch last started or changed connectivity
   * ({@code since} of node {@code node}'s {@code /debug/clusters}): it changes when a watch moves to
   * another node. Empty when it cannot be read.
   */
  Map<String, String> watchSince(int node) {
    Map<String, String> out = new HashMap<>();
    try {
      for (JsonNode c : JSON.readTree(nodes[node].admin("/debug/clusters")).path("clusters")) {
        out.put(c.path("clusterId").asText(), c.path("since").asText());
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return out;
  }

  /** Members Up in the Pekko cluster as node {@code node} sees it; 0 when it cannot be read. */
  int upMembers(int node) {
    try {
      int up = 0;
      for (JsonNode m : JSON.readTree(nodes[node].admin("/debug/members")).path("members")) {
        up += "Up".equals(m.path("status").asText()) ? 1 : 0;
      }
      return up;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void awaitServices(int services, int timeoutSeconds) {
    throw new UnsupportedOperationException("use syncedServices: services are spread over the members");
  }

  @Override
  public String description() {
    return "Meshplane, " + nodes.length + " control-plane JVMs (" + MeshUnderTest.NODE_HEAP + ") in one Pekko "
        + "cluster behind the TCP front, one Cassandra, a config cluster and " + members.size()
        + " member clusters (fabric8 mock API servers) joined by remote secrets";
  }

  @Override
  public MockCluster kube() {
    return config;
  }

  @Override
  public int xdsPort() {
    return front.port();
  }

  @Override
  public int size() {
    return nodes.length;
  }

  @Override
  public Optional<Long> pid(int i) {
    return Optional.of(nodes[i].pid());
  }

  @Override
  public Optional<String> metrics(int i) {
    try {
      return Optional.of(nodes[i].admin("/metrics"));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    closer.close();
  }
}
