package io.meshplane.loadtest;

import io.meshplane.front.TcpFront;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Everything a benchmark runs against, as real processes on this machine: a Cassandra server, a
 * simulated Kubernetes API server, N control-plane JVMs in one Pekko cluster and the TCP front
 * that gives proxies one stable address. Nodes can be killed with SIGKILL and started again.
 */
final class MeshUnderTest implements ControlPlaneUnderTest {

  /** The heap limit {@link ControlPlaneProcess} gives each node; a baseline gets the same. */
  static final String NODE_HEAP = "-Xmx512m";

  private final Closer closer = new Closer();
  private final Path dir;
  final LocalCassandra cassandra;
  final MockCluster kube;
  private final Path kubeconfig;
  private final int[] xdsPorts;
  private final int[] adminPorts;
  private final int[] remotingPorts;
  private final ControlPlaneProcess[] nodes;
  private final int[] incarnations;
  private final List<String> extraFlags;
  private final boolean profile;
  private final List<Path> recordings = new ArrayList<>();
  final TcpFront front;

  MeshUnderTest(Path dir, int nodeCount, List<String> extraFlags) {
    this(dir, nodeCount, extraFlags, false);
  }

  /** With {@code profile}, each node records a Java Flight Recording, written when it stops. */
  MeshUnderTest(Path dir, int nodeCount, List<String> extraFlags, boolean profile) {
    this.dir = dir;
    this.extraFlags = List.copyOf(extraFlags);
    this.profile = profile;
    try {
      cassandra = closer.keep(LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra"))
          .withPorts(Ports.free(), Ports.free())));
      kube = closer.keep(MockCluster.start(0));
      kube.namespace("default");
      kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
      xdsPorts = new int[nodeCount];
      adminPorts = new int[nodeCount];
      remotingPorts = new int[nodeCount];
      nodes = new ControlPlaneProcess[nodeCount];
      incarnations = new int[nodeCount];
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (int i = 0; i < nodeCount; i++) {
        xdsPorts[i] = Ports.free();
        adminPorts[i] = Ports.free();
        remotingPorts[i] = Ports.free();
        addresses.add(new InetSocketAddress("127.0.0.1", xdsPorts[i]));
      }
      for (int i = 0; i < nodeCount; i++) {
        start(i);
      }
      ActorSystem<Void> frontSystem = ActorSystem.create(Behaviors.empty(), "front");
      closer.keep(frontSystem::terminate);
      front = closer.keep(TcpFront.start(frontSystem, addresses, 0));
    } catch (RuntimeException e) {
      closer.close();
      throw e;
    }
  }

  @Override
  public String description() {
    return "Meshplane, " + nodes.length + " control-plane JVMs (" + NODE_HEAP + ") in one Pekko cluster behind the "
        + "TCP front, one Cassandra";
  }

  @Override
  public MockCluster kube() {
    return kube;
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
  public java.util.Optional<Long> pid(int i) {
    return nodes[i] == null ? java.util.Optional.empty() : java.util.Optional.of(nodes[i].pid());
  }

  @Override
  public java.util.Optional<String> metrics(int i) {
    ControlPlaneProcess n = nodes[i];
    if (n == null) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(n.admin("/metrics"));
    } catch (RuntimeException e) {
      // A node killed between the check and the scrape.
      return java.util.Optional.empty();
    }
  }

  ControlPlaneProcess node(int i) {
    return nodes[i];
  }

  boolean alive(int i) {
    return nodes[i] != null;
  }

  /** Starts (or restarts) node {@code i}; node 0 is the seed, so it is the oldest while it lives. */
  void start(int i) {
    incarnations[i]++;
    String name = "node-" + i + "-" + incarnations[i];
    List<String> jvmOptions = new ArrayList<>();
    if (profile) {
      Path jfr = dir.resolve(name + ".jfr");
      recordings.add(jfr);
      jvmOptions.add("-XX:StartFlightRecording=settings=default,dumponexit=true,filename=" + jfr);
    }
    nodes[i] = ControlPlaneProcess.start(dir.resolve(name + ".log"), xdsPorts[i], adminPorts[i], jvmOptions,
        flags(i));
    closer.keep(nodes[i]);
  }

  private List<String> flags(int i) {
    List<String> flags = new ArrayList<>(List.of("--cassandra", cassandra.contactPoint(),
        "--cassandra-dc", cassandra.datacenter(), "--kubeconfig", kubeconfig.toString(),
        "--remoting-port", String.valueOf(remotingPorts[i]), "--node-name", "node-" + i));
    // Every node lists every seed: a restarted first seed joins the others instead of forming a
    // cluster of its own.
    for (int port : remotingPorts) {
      flags.add("--seed-node");
      flags.add("pekko://meshplane@127.0.0.1:" + port);
    }
    flags.addAll(extraFlags);
    return flags;
  }

  /** The flight recordings of the nodes started with {@code profile}; complete once they stopped. */
  List<Path> recordings() {
    return List.copyOf(recordings);
  }

  /** SIGKILL: no shutdown hook, no graceful leave. */
  void kill(int i) {
    nodes[i].kill9();
    nodes[i] = null;
  }

  /** Sum of a Prometheus counter or histogram count over every live node (all label values). */
  long metricSum(String name) {
    return metricSum(name, -1);
  }

  /** {@link #metricSum(String)} without node {@code except}. */
  long metricSum(String name, int except) {
    return (long) metricValues(name, except).sum();
  }

  /** The largest value of a metric's samples on the live nodes other than {@code except}; 0 if none. */
  double metricMax(String name, int except) {
    return metricValues(name, except).max().orElse(0);
  }

  /**
   * A classic histogram's cumulative bucket counts summed over its labels and the live nodes other
   * than {@code except}, by upper bound.
   */
  java.util.SortedMap<Double, Long> histogramBuckets(String name, int except) {
    java.util.SortedMap<Double, Long> buckets = new java.util.TreeMap<>();
    for (int i = 0; i < nodes.length; i++) {
      ControlPlaneProcess n = nodes[i];
      if (n == null || i == except) {
        continue;
      }
      for (String line : n.admin("/metrics").split("\n")) {
        int le = line.indexOf("le=\"");
        if (line.startsWith(name + "_bucket{") && le > 0) {
          String bound = line.substring(le + 4, line.indexOf('"', le + 4));
          double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
          buckets.merge(upper, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
        }
      }
    }
    return buckets;
  }

  private java.util.stream.DoubleStream metricValues(String name, int except) {
    java.util.stream.DoubleStream.Builder values = java.util.stream.DoubleStream.builder();
    for (int i = 0; i < nodes.length; i++) {
      ControlPlaneProcess n = nodes[i];
      if (n == null || i == except) {
        continue;
      }
      for (String line : n.admin("/metrics").split("\n")) {
        if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
          values.add(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
      }
    }
    return values.build();
  }

  @Override
  public void close() {
    closer.close();
  }
}
