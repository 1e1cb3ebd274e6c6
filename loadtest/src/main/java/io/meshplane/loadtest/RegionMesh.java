package io.meshplane.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The regions benchmark's control plane as real processes on this machine, laid out like
 * {@code RegionFailoverIT}: two regions, {@value #EU} and {@value #US}, each with {@code nodes}
 * control-plane JVMs and its own Cassandra data center (127.0.0.1 dc eu, 127.0.0.2 dc us, one
 * Cassandra cluster); one Pekko cluster across both; a config cluster holding the remote secrets of
 * the {@link MultiTruth} member clusters, each homed in a region ({@link #home}) through the
 * secret's {@code meshplane.io/region}; and per region a stable address (a {@link TcpFront}) that
 * prefers the region's own nodes and fails over to the other region's. Used by the benchmark
 * thread only.
 */
final class RegionMesh implements AutoCloseable {

  static final String EU = "eu";
  static final String US = "us";
  static final List<String> REGIONS = List.of(EU, US);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One member cluster's state as a node reports it in {@code /debug/clusters}. */
  record ClusterState(String watcher, int services, int pending) {}

  private final Closer closer = new Closer();
  private final Path dir;
  private final Path nodeConfig;
  private final Path configKubeconfig;
  private final Map<String, LocalCassandra> cassandra = new LinkedHashMap<>();
  private final Map<String, List<Slot>> nodes = new LinkedHashMap<>();
  private final Map<String, TcpFront> fronts = new LinkedHashMap<>();
  final List<MockCluster> members = new ArrayList<>();

  /** A node's fixed ports and its current process (null while dead). */
  private static final class Slot {
    final String name;
    final int xds = Ports.free();
    final int admin = Ports.free();
    final int remoting = Ports.free();
    ControlPlaneProcess process;
    int incarnation;

    Slot(String name) {
      this.name = name;
    }
  }

  RegionMesh(Path dir, int nodesPerRegion, MultiTruth layout) {
    this.dir = dir;
    try {
      LocalCassandra eu = closer.keep(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-eu"))
          .withDatacenter(EU)));
      cassandra.put(EU, eu);
      cassandra.put(US, closer.keep(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra-us"))
          .withHost("127.0.0.2").withDatacenter(US).withSeeds(List.of(eu.seed())))));
      MockCluster config = closer.keep(MockCluster.start(0));
      config.namespace("meshplane-system");
      configKubeconfig = config.writeKubeconfig(dir.resolve("kubeconfig-config"));
      for (int c = 0; c < layout.clusters; c++) {
        MockCluster member = closer.keep(MockCluster.start(0));
        member.namespace(Fleet.NAMESPACE);
        members.add(member);
        Secret secret = MultiMesh.remoteSecret(c, Files.readString(member.writeKubeconfig(dir.resolve("kubeconfig-"
            + c))));
        secret.getMetadata().getAnnotations().put(RemoteSecrets.REGION, home(c));
        config.client().resource(secret).create();
      }
      Path meshConfig = Files.writeString(dir.resolve("mesh-config.yaml"), MultiMesh.meshConfig(layout));
      nodeConfig = Files.writeString(dir.resolve("node.conf"), "meshplane.regions = [" + EU + ", " + US + "]\n"
          + "meshplane.mesh-config.file = \"" + meshConfig.toAbsolutePath() + "\"\n");
      for (String region : REGIONS) {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < nodesPerRegion; i++) {
          slots.add(new Slot(region + "-" + i));
        }
        nodes.put(region, slots);
      }
      // One region after the other, every node joining through eu's first: the first node
      // creates the keyspaces (for both data centers), the others find them.
      String seed = "pekko://meshplane@127.0.0.1:" + nodes.get(EU).get(0).remoting;
      for (String region : REGIONS) {
        for (Slot s : nodes.get(region)) {
          start(region, s, List.of(seed));
        }
      }
      ActorSystem<Void> frontSystem = ActorSystem.create(Behaviors.empty(), "fronts");
      closer.keep(frontSystem::terminate);
      for (String region : REGIONS) {
        fronts.put(region, closer.keep(TcpFront.start(frontSystem, addresses(region), addresses(other(region)), 0)));
      }
    } catch (IOException e) {
      closer.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closer.close();
      throw e;
    }
  }

  /** The home region of member cluster {@code c}: member-0 in eu, every other one in us. */
  static String home(int c) {
    return c == 0 ? EU : US;
  }

  static String other(String region) {
    return region.equals(EU) ? US : EU;
  }

  private List<InetSocketAddress> addresses(String region) {
    return nodes.get(region).stream().map(s -> new InetSocketAddress("127.0.0.1", s.xds)).toList();
  }

  private void start(String region, Slot s, List<String> seeds) {
    s.incarnation++;
    List<String> flags = new ArrayList<>(List.of("--config", nodeConfig.toString(), "--region", region,
        "--cluster-id", MultiMesh.CONFIG_CLUSTER, "--cassandra", cassandra.get(region).contactPoint(),
        "--cassandra-dc", region, "--kubeconfig", configKubeconfig.toString(),
        "--remoting-port", String.valueOf(s.remoting), "--node-name", s.name + "-" + s.incarnation));
    for (String seed : seeds) {
      flags.add("--seed-node");
      flags.add(seed);
    }
    s.process = closer.keep(ControlPlaneProcess.start(dir.resolve("node-" + s.name + "-" + s.incarnation + ".log"),
        s.xds, s.admin, List.of(), flags));
  }

  /** SIGKILL to every node of {@code region}. */
  void killRegion(String region) {
    for (Slot s : nodes.get(region)) {
      s.process.kill9();
      s.process = null;
    }
  }

  /** Starts every node of {@code region} again, joining through the other region's nodes. */
  void restartRegion(String region) {
    List<String> seeds = nodes.get(other(region)).stream()
        .map(s -> "pekko://meshplane@127.0.0.1:" + s.remoting).toList();
    for (Slot s : nodes.get(region)) {
      start(region, s, seeds);
    }
  }

  /**
   * Member clusters by id as the first node of {@code region} reports them; empty when it cannot
   * be read (the node is dead or busy).
   */
  Map<String, ClusterState> clusters(String region) {
    Map<String, ClusterState> out = new LinkedHashMap<>();
    Slot s = nodes.get(region).get(0);
    if (s.process == null) {
      return out;
    }
    try {
      for (JsonNode c : JSON.readTree(s.process.admin("/debug/clusters")).path("clusters")) {
        out.put(c.path("clusterId").asText(), new ClusterState(c.path("watcher").asText(), c.path("services").asInt(),
            c.path("pending").asInt()));
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return out;
  }

  /** Whether the first node of {@code region} says that {@code watcher} watches {@code clusterId}. */
  boolean watchedBy(String region, String clusterId, String watcher) {
    ClusterState c = clusters(region).get(clusterId);
    return c != null && c.watcher().equals(watcher);
  }

  /**
   * Sum of a Prometheus counter or histogram count over the live nodes of {@code region}; a node
   * whose metrics cannot be read counts 0.
   */
  double metricSum(String region, String name) {
    double sum = 0;
    for (Slot s : nodes.get(region)) {
      try {
        sum += s.process == null ? 0 : Prometheus.sum(s.process.admin("/metrics"), name);
      } catch (RuntimeException e) {
        // a node that does not answer has nothing to add
      }
    }
    return sum;
  }

  LocalCassandra cassandra(String region) {
    return cassandra.get(region);
  }

  /** The stable address (front port) of {@code region}. */
  int xdsPort(String region) {
    return fronts.get(region).port();
  }

  int nodesPerRegion() {
    return nodes.get(EU).size();
  }

  /** Writes service {@code s}'s endpoints in member {@code c}. */
  void endpoints(int c, int s, List<String> addresses) {
    members.get(c).endpoints(Fleet.NAMESPACE, "svc-" + s, 8080, addresses);
  }

  /** Creates service {@code s} in member {@code c}. */
  void service(int c, int s) {
    members.get(c).service(Fleet.NAMESPACE, "svc-" + s, Fleet.PORT, 8080);
  }

  @Override
  public void close() {
    closer.close();
  }
}
