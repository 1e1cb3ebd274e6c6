package io.meshplane.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshplane.front.TcpFront;
import io.meshplane.node.NodeProcess;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.xds.generator.ResourceNames;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole mesh on one machine: two simulated Kubernetes clusters on two networks in two zones
 * ({@link DemoNetworks}: the config cluster, and a member joined through a remote secret, each
 * network's east-west gateway in the mesh config file the demo writes), the {@code greeter} service
 * in both (three real gRPC backends in the first, two registered; two in the second), a real
 * Cassandra, N control-plane nodes (child JVMs forming one Pekko cluster) behind a TCP front, a real
 * proxyless xDS client calling the service once a second through the front, and {@link ViewClient}s
 * (a sidecar and a proxyless one per network) printing what each is sent. {@link #start} brings them up in that order, printing
 * one line per step; {@link #close} stops them in reverse order. While it runs, a {@link
 * FailoverWatch} reports nodes dying and the client's stream moving, and restarts a node when
 * {@code meshplane demo start-node} asks.
 *
 * <p>Started and closed by the demo's main thread; {@link #close} may also come from a shutdown
 * hook, so it is synchronized and idempotent. Restarts run on a thread of their own; the current
 * {@link DemoInfo} is guarded by this object's lock.
 */
public final class Demo implements AutoCloseable {

  public static final String CLUSTER_ID = "demo";
  public static final String NETWORK = "demo-net";
  public static final int BACKENDS = 3;
  /** Registered in the EndpointSlice at start; the others run but wait for the user. */
  public static final int WEST_BACKENDS = 2;
  public static final String WEST_PREFIX = "greeter-w";
  /** West backends are on 127.0.0.21, 127.0.0.22, ... */
  public static final int WEST_ADDRESS_BASE = 20;
  public static final List<String> REGISTERED = List.of(GreeterBackends.name(1), GreeterBackends.name(2));
  public static final String XDS_TARGET = "xds:///" + DemoWorkloads.SERVICE + "." + DemoWorkloads.NAMESPACE
      + ".svc.cluster.local:" + DemoWorkloads.SERVICE_PORT;
  private static final Duration NODE_READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CLUSTER_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CLUSTER_POLL = Duration.ofMillis(200);

  private static final Logger log = LoggerFactory.getLogger(Demo.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Deque<Step> started;
  private final Path dir;
  private final PrintStream out;
  private final ExecutorService restarts;
  private DemoNodes nodes;
  private DemoInfo info;
  private boolean closed;

  /** Something started, to be stopped on close. */
  private record Step(String what, AutoCloseable resource) {}

  private Demo(Deque<Step> started, Path dir, PrintStream out) {
    this.started = started;
    this.dir = dir;
    this.out = out;
    // Several threads: start-region restarts all of a region's nodes at once.
    this.restarts = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "demo-restart");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts every part, writes {@value DemoInfo#FILE} and prints the summary. On failure stops
   * what had started and rethrows. With two regions ({@link DemoRegions}) the member clusters join
   * through a third, empty config cluster, and there are a Cassandra node, nodes and a front per
   * region.
   */
  public static Demo start(DemoSettings settings, Path logFile, PrintStream out) {
    Deque<Step> started = new ArrayDeque<>();
    boolean regions = settings.regions() > 1;
    try {
      Path dir = Files.createDirectories(settings.dir());
      Demo demo = new Demo(started, dir, out);
      SimulatedCluster cluster = push(started, "simulated Kubernetes cluster", SimulatedCluster.start());
      SimulatedCluster west = push(started, "simulated Kubernetes cluster " + DemoNetworks.WEST_CLUSTER,
          SimulatedCluster.start());
      SimulatedCluster config = regions ? push(started, "simulated Kubernetes cluster " + DemoRegions.CONFIG_CLUSTER,
          SimulatedCluster.start()) : cluster;
      out.println("[demo] 1/8 Kubernetes: fabric8 mock API servers (CRUD mode): cluster " + CLUSTER_ID
          + (regions ? "" : " (the config cluster)") + " on " + cluster.apiUrl() + ", cluster "
          + DemoNetworks.WEST_CLUSTER + " on " + west.apiUrl()
          + (regions ? ", config cluster " + DemoRegions.CONFIG_CLUSTER + " (remote secrets only) on " + config.apiUrl()
              : ""));

      GreeterBackends backends = push(started, "greeter backends", GreeterBackends.start(BACKENDS));
      GreeterBackends westBackends = push(started, "west greeter backends",
          GreeterBackends.start(WEST_BACKENDS, WEST_PREFIX, WEST_ADDRESS_BASE));
      out.println("[demo] 2/8 backends (grpc-java servers): " + describe(backends) + " in " + NETWORK + "; "
          + describe(westBackends) + " in " + DemoNetworks.WEST_NETWORK);

      try (KubernetesClient kube = cluster.client(); KubernetesClient westKube = west.client()) {
        DemoWorkloads.seed(kube, backends.all(), REGISTERED);
        DemoWorkloads.seed(westKube, DemoNetworks.WEST, westBackends.all(),
            westBackends.all().stream().map(GreeterBackend::name).toList());
      }
      Path kubeconfig = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
      Path westKubeconfig = west.writeKubeconfig(dir.resolve("kubeconfig-west"));
      Path configKubeconfig = regions ? config.writeKubeconfig(dir.resolve("kubeconfig-config")) : kubeconfig;
      try (KubernetesClient kube = config.client()) {
        if (regions) {
          DemoNetworks.join(kube, DemoNetworks.EAST, DemoRegions.home(DemoNetworks.EAST), kubeconfig);
          DemoNetworks.join(kube, DemoNetworks.WEST, DemoRegions.home(DemoNetworks.WEST), westKubeconfig);
        } else {
          DemoNetworks.join(kube, DemoNetworks.WEST, westKubeconfig);
        }
      }
      Path meshConfig = DemoNetworks.writeMeshConfig(dir.resolve("mesh-config.yaml"));
      Path nodeConfig = DemoNetworks.writeNodeConfig(dir.resolve("node.conf"), meshConfig);
      if (regions) {
        Files.writeString(nodeConfig, Files.readString(nodeConfig) + DemoRegions.nodeConfig());
      }
      out.println("[demo] 3/8 seeded service " + DemoWorkloads.SERVICE + ":" + DemoWorkloads.SERVICE_PORT
          + " in namespace " + DemoWorkloads.NAMESPACE + " of both clusters (one service by namespace sameness): "
          + "cluster " + CLUSTER_ID + " (network " + NETWORK + ", zone " + DemoWorkloads.ZONE + ", pods greeter-1.."
          + BACKENDS + ", EndpointSlice " + DemoWorkloads.SLICE + " " + REGISTERED + "), cluster "
          + DemoNetworks.WEST_CLUSTER + " (network " + DemoNetworks.WEST_NETWORK + ", zone " + DemoNetworks.WEST_ZONE
          + ", pods " + WEST_PREFIX + "1.." + WEST_BACKENDS + ", all registered); "
          + (regions ? "both join through remote secrets " + DemoNetworks.SECRETS_NAMESPACE + "/meshplane-remote-"
              + CLUSTER_ID + " (home region " + DemoRegions.home(DemoNetworks.EAST) + ") and "
              + DemoNetworks.SECRETS_NAMESPACE + "/meshplane-remote-" + DemoNetworks.WEST_CLUSTER + " (home region "
              + DemoRegions.home(DemoNetworks.WEST) + ") in the config cluster " + DemoRegions.CONFIG_CLUSTER
              : DemoNetworks.WEST_CLUSTER + " joins through remote secret " + DemoNetworks.SECRETS_NAMESPACE
              + "/meshplane-remote-" + DemoNetworks.WEST_CLUSTER + " in the config cluster")
          + "; gateways " + NETWORK + " " + DemoNetworks.EAST.gateway()
          + ", " + DemoNetworks.WEST_NETWORK + " " + DemoNetworks.WEST.gateway() + " in the mesh config " + meshConfig
          + "; kubeconfigs " + kubeconfig + ", " + westKubeconfig + (regions ? ", " + configKubeconfig : ""));

      Map<String, LocalCassandra> cassandras = startCassandra(settings, dir, started, out);

      out.println("[demo] 5/8 " + describeNodes(settings) + " starting (child JVMs, one Pekko cluster"
          + (regions ? " with a data center per region; " + DemoRegions.EU + "'s first, so that its nodes create the "
              + "Cassandra schema before " + DemoRegions.US + "'s look for it" : "") + ")");
      long begin = System.nanoTime();
      List<DemoNodes.Group> groups = new ArrayList<>();
      for (Map.Entry<String, LocalCassandra> c : cassandras.entrySet()) {
        groups.add(new DemoNodes.Group(regions ? c.getKey() : "", settings.nodes(),
            nodeFlags(regions ? DemoRegions.CONFIG_CLUSTER : CLUSTER_ID, configKubeconfig, nodeConfig,
                regions ? c.getKey() : DemoWorkloads.REGION, c.getValue())));
      }
      DemoNodes nodes = push(started, "control-plane nodes", DemoNodes.start(groups, dir, settings.adminPort(), out,
          NODE_READY_TIMEOUT));
      demo.nodes = nodes;
      push(started, "restarter", demo.restarts::shutdownNow);
      awaitCluster(nodes, out);
      out.printf("[demo]     control plane ready in %.1f s%n", (System.nanoTime() - begin) / 1e9);

      ActorSystem<Void> frontSystem = ActorSystem.create(Behaviors.empty(), "demo-front");
      push(started, "TCP front's actor system", frontSystem::terminate);
      Map<String, String> fronts = new LinkedHashMap<>();
      if (regions) {
        for (String region : DemoRegions.NAMES) {
          TcpFront front = push(started, "TCP front of " + region, TcpFront.start(frontSystem,
              nodes.xdsAddresses(region), nodes.xdsAddresses(DemoRegions.other(region)),
              region.equals(DemoRegions.EU) ? settings.xdsPort() : 0));
          fronts.put(region, "127.0.0.1:" + front.port());
        }
      } else {
        TcpFront front = push(started, "TCP front", TcpFront.start(frontSystem, nodes.xdsAddresses(),
            settings.xdsPort()));
        fronts.put("", "127.0.0.1:" + front.port());
      }
      String clientRegion = regions ? DemoRegions.home(DemoNetworks.EAST) : "";
      String frontAddress = fronts.get(clientRegion);
      Path bootstrap = XdsBootstrap.write(dir.resolve("xds-bootstrap.json"), frontAddress, CLUSTER_ID, NETWORK);
      out.println("[demo] 6/8 " + (regions
          ? "TCP fronts, the stable address of each region (each new connection goes to a live node of the region, "
              + "else of the other region): " + fronts.entrySet().stream().map(f -> f.getKey() + " " + f.getValue())
              .collect(Collectors.joining(", "))
          : "TCP front on " + frontAddress + " (the control plane's stable address: each new connection goes to a "
              + "live node)") + "; xDS bootstrap for the client: " + bootstrap);

      push(started, "xDS client", GreeterClient.start(XDS_TARGET, bootstrap, "demo", out::println,
          Clock.systemDefaultZone()));
      out.println("[demo] 7/8 xDS client (proxyless, cluster " + CLUSTER_ID + ", network " + NETWORK
          + (regions ? ", through " + clientRegion + "'s front" : "") + ") calling " + XDS_TARGET + " once a second");

      List<FailoverWatch.Watched> watched = new ArrayList<>(List.of(new FailoverWatch.Watched(
          "the client's", XdsBootstrap.NODE_ID, true)));
      watched.addAll(startViewClients(started, fronts, out, regions));
      out.println("[demo] 8/8 view clients (raw ADS streams): a sidecar and a proxyless client in each network"
          + (regions ? ", each through the front of its cluster's home region" : "")
          + "; each prints what it is sent of " + DemoWorkloads.SERVICE + " when it changes: endpoints by priority "
          + "(p0 its zone, p1 the other zone), other networks' endpoints as their gateway x how many it stands for");

      demo.info = info(settings, cluster, backends, kubeconfig, bootstrap, logFile, frontAddress, nodes,
          regionsInfo(fronts, cassandras, regions));
      demo.info.write(dir);
      nodes.onRestarted(demo::restarted);
      Function<String, String> failover = regions
          ? node -> settings.command("kill-region " + nodes.regionOf(node))
          : node -> nodes.size() < 2 ? "" : settings.command("kill-node " + node.substring("node-".length()));
      push(started, "failover watch", FailoverWatch.start(nodes, dir, regions ? watched : watched.subList(0, 1),
          regions, out, demo::requestRestart, failover, Clock.systemDefaultZone()));
      out.println("[demo] up; this is also in " + dir.resolve(DemoInfo.FILE) + "\n"
          + demo.info.describe().stream().map(l -> "[demo]   " + l).collect(Collectors.joining("\n")));
      return demo;
    } catch (IOException e) {
      stopAll(started, out);
      throw new UncheckedIOException("cannot create the demo directory " + settings.dir(), e);
    } catch (RuntimeException | Error e) {
      stopAll(started, out);
      throw e;
    }
  }

  private static String describeNodes(DemoSettings settings) {
    String nodes = settings.nodes() + " control-plane node" + (settings.nodes() == 1 ? "" : "s");
    return settings.regions() == 1 ? nodes : nodes + " per region (" + String.join(", ", DemoRegions.NAMES) + ")";
  }

  /**
   * One Cassandra node (region "" -> it), or one per region, each its own data center named as the
   * region; the second joins the first's ring.
   */
  private static Map<String, LocalCassandra> startCassandra(DemoSettings settings, Path dir, Deque<Step> started,
      PrintStream out) {
    Map<String, LocalCassandra> cassandras = new LinkedHashMap<>();
    if (settings.regions() == 1) {
      out.println("[demo] 4/8 Cassandra starting: a real Cassandra 5 server (child JVM), data in "
          + dir.resolve("cassandra") + " (the first start takes longest)");
      long begin = System.nanoTime();
      LocalCassandra cassandra = push(started, "Cassandra server", LocalCassandra.start(
          LocalCassandra.Settings.defaults(dir.resolve("cassandra"))));
      out.printf("[demo]     Cassandra ready in %.1f s on %s (pid %d)%n", (System.nanoTime() - begin) / 1e9,
          cassandra.contactPoint(), cassandra.pid());
      cassandras.put(DemoWorkloads.REGION, cassandra);
      return cassandras;
    }
    out.println("[demo] 4/8 Cassandra starting: a real Cassandra 5 server (child JVM) per region, one cluster with a "
        + "data center per region (" + DemoRegions.NAMES.stream().map(r -> r + " on " + DemoRegions.cassandraHost(r))
        .collect(Collectors.joining(", ")) + "), data in " + dir.resolve("cassandra-<region>")
        + " (the first start takes longest)");
    List<String> seeds = new ArrayList<>();
    for (String region : DemoRegions.NAMES) {
      long begin = System.nanoTime();
      LocalCassandra cassandra = push(started, "Cassandra server of " + region, LocalCassandra.start(
          LocalCassandra.Settings.defaults(dir.resolve("cassandra-" + region)).withHost(DemoRegions.cassandraHost(region))
              .withDatacenter(region).withSeeds(seeds)));
      if (seeds.isEmpty()) {
        seeds.add(cassandra.seed());
      }
      out.printf("[demo]     Cassandra of %s (data center %s) ready in %.1f s on %s (pid %d)%n", region,
          cassandra.datacenter(), (System.nanoTime() - begin) / 1e9, cassandra.contactPoint(), cassandra.pid());
      cassandras.put(region, cassandra);
    }
    return cassandras;
  }

  private static List<DemoInfo.Region> regionsInfo(Map<String, String> fronts, Map<String, LocalCassandra> cassandras,
      boolean regions) {
    if (!regions) {
      return List.of();
    }
    List<DemoInfo.Region> list = new ArrayList<>();
    for (String region : DemoRegions.NAMES) {
      LocalCassandra c = cassandras.get(region);
      String startedAt = ProcessHandle.of(c.pid()).flatMap(p -> p.info().startInstant()).map(Object::toString)
          .orElse(java.time.Instant.EPOCH.toString());
      List<String> homed = DemoNetworks.SITES.stream().filter(s -> DemoRegions.home(s).equals(region))
          .map(DemoNetworks.Site::clusterId).toList();
      list.add(new DemoInfo.Region(region, fronts.get(region), c.contactPoint(), c.pid(), startedAt, homed));
    }
    return list;
  }

  private static String describe(GreeterBackends backends) {
    return backends.all().stream().map(b -> b.name() + " " + b.address() + ":" + b.port())
        .collect(Collectors.joining(", "));
  }

  /**
   * A sidecar and a proxyless view client in each network, numbered from 127.0.0.51 for their node
   * ids; with regions, each through the front of its cluster's home region. Returns them as the
   * failover watch follows them.
   */
  private static List<FailoverWatch.Watched> startViewClients(Deque<Step> started, Map<String, String> fronts,
      PrintStream out, boolean regions) {
    Map<String, String> gateways = new LinkedHashMap<>();
    DemoNetworks.SITES.forEach(s -> gateways.put(s.gateway(), s.network()));
    String cluster = ResourceNames.cluster(DemoWorkloads.SERVICE + "." + DemoWorkloads.NAMESPACE + ".svc.cluster.local",
        DemoWorkloads.SERVICE_PORT);
    List<FailoverWatch.Watched> watched = new ArrayList<>();
    int address = 51;
    for (DemoNetworks.Site site : DemoNetworks.SITES) {
      String region = regions ? DemoRegions.home(site) : "";
      for (String kind : List.of("sidecar", "proxyless")) {
        watched.add(new FailoverWatch.Watched("view " + site.name() + " " + kind + "'s",
            ViewClient.nodeId(site, kind, address), false));
        push(started, "view client " + site.name() + " " + kind, ViewClient.start(site, kind, address++,
            fronts.get(region), region, cluster, gateways, out::println));
      }
    }
    return watched;
  }

  private static <T extends AutoCloseable> T push(Deque<Step> started, String what, T resource) {
    started.push(new Step(what, resource));
    return resource;
  }

  private static List<String> nodeFlags(String clusterId, Path kubeconfig, Path nodeConfig, String region,
      LocalCassandra cassandra) {
    return List.of("--config", nodeConfig.toString(), "--cluster-id", clusterId, "--network", NETWORK,
        "--region", region, "--zone", DemoWorkloads.ZONE, "--kubeconfig", kubeconfig.toString(),
        "--cassandra", cassandra.contactPoint(), "--cassandra-dc", cassandra.datacenter());
  }

  /**
   * Waits until node-1 sees every node up in one cluster. A node is ready before it has joined,
   * and its proxies are served once it has; past the deadline the demo goes on and says so.
   */
  private static void awaitCluster(DemoNodes nodes, PrintStream out) {
    long deadline = System.nanoTime() + CLUSTER_TIMEOUT.toNanos();
    NodeProcess first = nodes.live(1).orElseThrow(() -> new IllegalStateException("node-1 died at start"));
    int up = 0;
    while (System.nanoTime() - deadline < 0) {
      up = upMembers(first);
      if (up == nodes.size()) {
        out.println("[demo]     Pekko cluster formed: " + up + " member" + (up == 1 ? "" : "s") + " up");
        return;
      }
      // Waiting on node-1's process doubles as the poll interval and notices it dying.
      if (first.awaitExit(CLUSTER_POLL)) {
        throw new IllegalStateException("node-1 died while the cluster formed; see " + first.logFile());
      }
    }
    out.println("[demo]     only " + up + " of " + nodes.size() + " nodes are up in the Pekko cluster after "
        + CLUSTER_TIMEOUT.toSeconds() + " s; going on (see the nodes' logs)");
  }

  private static int upMembers(NodeProcess node) {
    try {
      JsonNode members = JSON.readTree(node.admin("/debug/members")).path("members");
      int up = 0;
      for (JsonNode m : members) {
        if ("Up".equals(m.path("status").asText())) {
          up++;
        }
      }
      return up;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static DemoInfo info(DemoSettings settings, SimulatedCluster cluster, GreeterBackends backends,
      Path kubeconfig, Path bootstrap, Path logFile, String frontAddress, DemoNodes nodes,
      List<DemoInfo.Region> regions) {
    List<DemoInfo.Backend> list = backends.all().stream()
        .map(b -> new DemoInfo.Backend(b.name(), b.address(), b.port(), REGISTERED.contains(b.name()))).toList();
    String adminAddress = "127.0.0.1:" + nodes.adminPort(1);
    String kubectl = "kubectl --kubeconfig " + kubeconfig;
    List<DemoInfo.Suggestion> commands = new java.util.ArrayList<>(List.of(
        new DemoInfo.Suggestion(settings.command("endpoints add " + GreeterBackends.name(3)),
            "register greeter-3 in the EndpointSlice: the client gets answers from it within a second"),
        new DemoInfo.Suggestion(settings.command("endpoints remove " + GreeterBackends.name(1)),
            "deregister greeter-1: its answers stop"),
        new DemoInfo.Suggestion(settings.command("endpoints list"), "what the EndpointSlice lists now"),
        new DemoInfo.Suggestion("./meshplane config-dump '" + ViewClient.nodeId(DemoNetworks.WEST, "sidecar", 53)
            + "' -o summary --admin http://" + "127.0.0.1:" + nodes.adminPort(1),
            "what the west network's sidecar was last sent")));
    if (!regions.isEmpty()) {
      commands.add(new DemoInfo.Suggestion(settings.command("kill-region " + DemoRegions.EU),
          "SIGKILL every node of region " + DemoRegions.EU + ": its clients move to " + DemoRegions.US + "'s nodes "
              + "through their region's front, and " + DemoRegions.US + " takes over the watch of cluster " + CLUSTER_ID
              + " (homed in " + DemoRegions.EU + ")"));
      commands.add(new DemoInfo.Suggestion(settings.command("start-region " + DemoRegions.EU),
          "start " + DemoRegions.EU + "'s nodes again: they rejoin through " + DemoRegions.US + " and the watch goes home"));
      commands.add(new DemoInfo.Suggestion("curl -s http://127.0.0.1:" + nodes.adminPort(nodes.size()) + "/debug/clusters",
          "which region watches each member cluster, as " + DemoRegions.US + " sees it"));
    } else if (nodes.size() > 1) {
      commands.add(new DemoInfo.Suggestion(settings.command("kill-node 2"),
          "SIGKILL node-2; kill the node that serves the client (the demo prints which) to watch its xDS "
              + "stream move to another node while the answers go on"));
      commands.add(new DemoInfo.Suggestion(settings.command("start-node 2"), "start node-2 again"));
    }
    commands.addAll(List.of(
        new DemoInfo.Suggestion(kubectl + " get endpointslices,services,pods",
            "kubectl works against the simulated cluster too (no watch; --validate=false for apply)"),
        new DemoInfo.Suggestion("kubectl --kubeconfig " + kubeconfig.resolveSibling("kubeconfig-west")
            + " get endpointslices,services,pods", "the member cluster " + DemoNetworks.WEST_CLUSTER),
        regions.isEmpty()
            ? new DemoInfo.Suggestion(kubectl + " get secrets -n " + DemoNetworks.SECRETS_NAMESPACE + " -o yaml",
                "the remote secret that joins " + DemoNetworks.WEST_CLUSTER)
            : new DemoInfo.Suggestion("kubectl --kubeconfig " + kubeconfig.resolveSibling("kubeconfig-config")
                + " get secrets -n " + DemoNetworks.SECRETS_NAMESPACE + " -o yaml", "the remote secrets in config "
                + "cluster " + DemoRegions.CONFIG_CLUSTER + " that join " + CLUSTER_ID + " (home region "
                + DemoRegions.EU + ") and " + DemoNetworks.WEST_CLUSTER + " (home region " + DemoRegions.US + ")"),
        new DemoInfo.Suggestion(kubectl + " get endpointslices -o custom-columns="
            + "'NAME:.metadata.name,ADDRESSES:.endpoints[*].addresses[*]'", "the slice's addresses, by kubectl"),
        new DemoInfo.Suggestion("./meshplane proxy-status --admin http://" + adminAddress,
            "which node serves the client, and its sync status"),
        new DemoInfo.Suggestion("curl -s http://" + adminAddress + "/debug/members",
            "the Pekko cluster as node-1 sees it"),
        new DemoInfo.Suggestion("curl -s http://" + adminAddress + "/debug/services",
            "the service as the control plane sees it"),
        new DemoInfo.Suggestion("curl -s http://" + adminAddress + "/metrics", "Prometheus metrics")));
    return new DemoInfo(ProcessHandle.current().pid(), frontAddress, adminAddress,
        "http://" + adminAddress + "/metrics", "http://" + adminAddress + "/debug/services",
        kubeconfig.toString(), cluster.apiUrl(), XDS_TARGET, bootstrap.toString(), logFile.toString(), list, commands,
        frontAddress, nodes.info(), regions);
  }

  /** What {@value DemoInfo#FILE} says now. */
  public synchronized DemoInfo info() {
    return info;
  }

  /** From the failover watch: {@code start-node} asked for node {@code index}. */
  private void requestRestart(int index) {
    restarts.execute(() -> {
      try {
        nodes.restart(index, NODE_READY_TIMEOUT);
      } catch (RuntimeException e) {
        String why = e.getMessage();
        out.println("[demo] could not start " + DemoNodes.name(index) + ": " + why);
        log.warn("demo: starting {} failed: {}", DemoNodes.name(index), why);
        NodeRequests.failed(dir, index, why);
      }
    });
  }

  private synchronized void restarted(DemoInfo.Node node) {
    if (!closed) {
      info = info.withNode(node);
      info.write(dir);
    }
  }

  /** Stops everything in reverse order of start; later calls do nothing. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
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
