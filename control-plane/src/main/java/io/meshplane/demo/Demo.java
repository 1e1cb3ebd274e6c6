package io.meshplane.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshplane.config.NodeSettings;
import io.meshplane.node.ControlPlaneNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole mesh on one machine: a simulated Kubernetes cluster with the {@code greeter} service,
 * three real gRPC backends (two registered), a control-plane node with its embedded Cassandra,
 * and a real proxyless xDS client calling the service once a second. {@link #start} brings them
 * up in that order, printing one line per step; {@link #close} stops them in reverse order.
 * Started and closed by the demo's main thread; {@link #close} may also come from a shutdown
 * hook, so it is synchronized and idempotent.
 */
public final class Demo implements AutoCloseable {

  public static final String CLUSTER_ID = "demo";
  public static final String NETWORK = "demo-net";
  public static final int BACKENDS = 3;
  /** Registered in the EndpointSlice at start; the others run but wait for the user. */
  public static final List<String> REGISTERED = List.of(GreeterBackends.name(1), GreeterBackends.name(2));
  public static final String XDS_TARGET = "xds:///" + DemoWorkloads.SERVICE + "." + DemoWorkloads.NAMESPACE
      + ".svc.cluster.local:" + DemoWorkloads.SERVICE_PORT;

  private static final Logger log = LoggerFactory.getLogger(Demo.class);

  private final Deque<Step> started;
  private final DemoInfo info;
  private final PrintStream out;
  private boolean closed;

  /** Something started, to be stopped on close. */
  private record Step(String what, AutoCloseable resource) {}

  private Demo(Deque<Step> started, DemoInfo info, PrintStream out) {
    this.started = started;
    this.info = info;
    this.out = out;
  }

  /**
   * Starts every part, writes {@value DemoInfo#FILE} and prints the summary. On failure stops
   * what had started and rethrows.
   */
  public static Demo start(DemoSettings settings, Path logFile, PrintStream out) {
    Deque<Step> started = new ArrayDeque<>();
    try {
      Path dir = Files.createDirectories(settings.dir());
      SimulatedCluster cluster = push(started, "simulated Kubernetes cluster", SimulatedCluster.start());
      out.println("[demo] 1/6 Kubernetes: fabric8 mock API server (CRUD mode) on " + cluster.apiUrl());

      GreeterBackends backends = push(started, "greeter backends", GreeterBackends.start(BACKENDS));
      out.println("[demo] 2/6 backends: " + backends.all().stream()
          .map(b -> b.name() + " " + b.address() + ":" + b.port()).collect(Collectors.joining(", "))
          + " (grpc-java servers)");

      try (KubernetesClient kube = cluster.client()) {
        DemoWorkloads.seed(kube, backends.all(), REGISTERED);
      }
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      out.println("[demo] 3/6 seeded namespace " + DemoWorkloads.NAMESPACE + ", node " + DemoWorkloads.NODE
          + ", pods greeter-1.." + BACKENDS + ", service " + DemoWorkloads.SERVICE + ":" + DemoWorkloads.SERVICE_PORT
          + ", EndpointSlice " + DemoWorkloads.SLICE + " " + REGISTERED + "; kubeconfig " + kubeconfig);

      out.println("[demo] 4/6 control plane starting: embedded Cassandra in " + dir.resolve("cassandra")
          + " (the first start takes longest), log in " + logFile);
      long begin = System.nanoTime();
      ControlPlaneNode node = push(started, "control-plane node", startNode(settings, kubeconfig));
      String xdsAddress = "127.0.0.1:" + node.xdsPort();
      String adminAddress = "127.0.0.1:" + node.adminPort();
      out.printf("[demo]     control plane ready in %.1f s: xDS %s, admin http://%s%n",
          (System.nanoTime() - begin) / 1e9, xdsAddress, adminAddress);

      Path bootstrap = XdsBootstrap.write(dir.resolve("xds-bootstrap.json"), xdsAddress, CLUSTER_ID, NETWORK);
      out.println("[demo] 5/6 xDS bootstrap for the client: " + bootstrap);

      push(started, "xDS client", GreeterClient.start(XDS_TARGET, bootstrap, "demo", out::println,
          Clock.systemDefaultZone()));
      out.println("[demo] 6/6 xDS client calling " + XDS_TARGET + " once a second");

      DemoInfo info = info(settings, cluster, backends, kubeconfig, bootstrap, logFile, xdsAddress, adminAddress);
      info.write(dir);
      out.println("[demo] up; this is also in " + dir.resolve(DemoInfo.FILE) + "\n"
          + info.describe().stream().map(l -> "[demo]   " + l).collect(Collectors.joining("\n")));
      return new Demo(started, info, out);
    } catch (IOException e) {
      stopAll(started, out);
      throw new UncheckedIOException("cannot create the demo directory " + settings.dir(), e);
    } catch (RuntimeException | Error e) {
      stopAll(started, out);
      throw e;
    }
  }

  private static <T extends AutoCloseable> T push(Deque<Step> started, String what, T resource) {
    started.push(new Step(what, resource));
    return resource;
  }

  private static ControlPlaneNode startNode(DemoSettings settings, Path kubeconfig) {
    Map<String, Object> o = new HashMap<>();
    o.put("meshplane.node-name", "demo-control-plane");
    o.put("meshplane.cluster-id", CLUSTER_ID);
    o.put("meshplane.network", NETWORK);
    o.put("meshplane.region", DemoWorkloads.REGION);
    o.put("meshplane.zone", DemoWorkloads.ZONE);
    o.put("meshplane.kubeconfig", kubeconfig.toString());
    o.put("meshplane.bind-host", "127.0.0.1");
    o.put("meshplane.xds.port", settings.xdsPort());
    o.put("meshplane.admin.port", settings.adminPort());
    o.put("meshplane.cassandra.embedded.data-dir", settings.dir().resolve("cassandra").toString());
    o.put("meshplane.cassandra.embedded.native-port", LocalPorts.free("127.0.0.1"));
    o.put("meshplane.remoting.host", "127.0.0.1");
    o.put("meshplane.remoting.port", 0);
    Config config = ConfigFactory.parseMap(o)
        .withFallback(ConfigFactory.parseResources("meshplane.conf"))
        .withFallback(ConfigFactory.load()).resolve();
    return ControlPlaneNode.start(NodeSettings.from(config), config);
  }

  private static DemoInfo info(DemoSettings settings, SimulatedCluster cluster, GreeterBackends backends,
      Path kubeconfig, Path bootstrap, Path logFile, String xdsAddress, String adminAddress) {
    List<DemoInfo.Backend> list = backends.all().stream()
        .map(b -> new DemoInfo.Backend(b.name(), b.address(), b.port(), REGISTERED.contains(b.name()))).toList();
    String endpoints = settings.endpointsCommand();
    String kubectl = "kubectl --kubeconfig " + kubeconfig;
    List<DemoInfo.Suggestion> commands = List.of(
        new DemoInfo.Suggestion(endpoints + " add " + GreeterBackends.name(3),
            "register greeter-3 in the EndpointSlice: the client gets answers from it within a second"),
        new DemoInfo.Suggestion(endpoints + " remove " + GreeterBackends.name(1),
            "deregister greeter-1: its answers stop"),
        new DemoInfo.Suggestion(endpoints + " list", "what the EndpointSlice lists now"),
        new DemoInfo.Suggestion(kubectl + " get endpointslices,services,pods",
            "kubectl works against the simulated cluster too (no watch; --validate=false for apply)"),
        new DemoInfo.Suggestion(kubectl + " get endpointslices -o custom-columns="
            + "'NAME:.metadata.name,ADDRESSES:.endpoints[*].addresses[*]'", "the slice's addresses, by kubectl"),
        new DemoInfo.Suggestion("curl -s http://" + adminAddress + "/debug/services",
            "the service as the control plane sees it"),
        new DemoInfo.Suggestion("curl -s http://" + adminAddress + "/metrics", "Prometheus metrics"));
    return new DemoInfo(ProcessHandle.current().pid(), xdsAddress, adminAddress,
        "http://" + adminAddress + "/metrics", "http://" + adminAddress + "/debug/services",
        kubeconfig.toString(), cluster.apiUrl(), XDS_TARGET, bootstrap.toString(), logFile.toString(), list, commands);
  }

  public DemoInfo info() {
    return info;
  }

  /** Stops everything in reverse order of start; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopAll(started, out);
  }

  private static void stopAll(Deque<Step> started, PrintStream out) {
    while (!started.isEmpty()) {
      Step step = started.pop();
      out.println("[demo] stopping the " + step.what());
      try {
        step.resource().close();
      } catch (Exception e) {
        log.warn("demo: stopping the {} failed: {}", step.what(), e.toString());
        out.println("[demo] stopping the " + step.what() + " failed: " + e);
      }
    }
  }
}
