package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a running demo tells its user and its {@code endpoints} command: addresses, files, the
 * backends and commands to try. Written to {@value #FILE} in the demo directory. Immutable.
 *
 * @param pid process id of the demo
 * @param xdsAddress host:port the proxies use: the TCP front before the nodes' xDS servers
 * @param adminAddress host:port of node-1's admin HTTP server
 * @param kubeconfig kubeconfig of the simulated cluster
 * @param kubernetesApi URL of the simulated cluster's API server
 * @param xdsTarget the channel target of the demo's xDS client
 * @param xdsBootstrap the grpc-java xDS bootstrap file of the client
 * @param logFile where the demo's own log goes (each node logs to its own file)
 * @param backends the sample backends, and whether each was registered at start
 * @param commands commands to try from another terminal
 * @param frontAddress host:port of the TCP front (the same as {@code xdsAddress})
 * @param nodes the control-plane nodes, by index from 1; a restarted node has a new pid
 * @param regions with {@code --regions 2}, each region's front and Cassandra node; empty with one
 */
public record DemoInfo(long pid, String xdsAddress, String adminAddress, String metricsUrl, String debugServicesUrl,
    String kubeconfig, String kubernetesApi, String xdsTarget, String xdsBootstrap, String logFile,
    List<Backend> backends, List<Suggestion> commands, String frontAddress, List<Node> nodes, List<Region> regions) {

  public static final String FILE = "demo.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** One sample backend: its pod name, address and port. Immutable. */
  public record Backend(String name, String address, int port, boolean registered) {

    public Backend {
      requireNonNull(name, "name");
      requireNonNull(address, "address");
    }

    public String hostPort() {
      return address + ":" + port;
    }
  }

  /** A command line to try, and what it shows. Immutable. */
  public record Suggestion(String command, String purpose) {

    public Suggestion {
      requireNonNull(command, "command");
      requireNonNull(purpose, "purpose");
    }
  }

  /**
   * One control-plane node: a {@code meshplane run} child JVM of the demo. Immutable.
   *
   * @param index 1-based, as {@code demo kill-node N} names it
   * @param startedAt when the operating system started the process, ISO-8601; with the pid it
   *     tells this process from a later one that reuses the pid
   * @param region the node's region with {@code --regions 2}, else empty
   */
  public record Node(int index, String name, long pid, String startedAt, String xdsAddress, String adminAddress,
      String remotingAddress, String logFile, String region) {

    public Node {
      region = region == null ? "" : region;
      requireNonNull(name, "name");
      requireNonNull(startedAt, "startedAt");
      requireNonNull(xdsAddress, "xdsAddress");
      requireNonNull(adminAddress, "adminAddress");
      requireNonNull(remotingAddress, "remotingAddress");
      requireNonNull(logFile, "logFile");
      if (index < 1) {
        throw new IllegalArgumentException("node index must be at least 1, was " + index);
      }
    }

    /** This node's process, if it still runs: same pid AND same start time (pids are reused). */
    public Optional<ProcessHandle> process() {
      return DemoInfo.process(pid, startedAt);
    }

    /** The name with the region, when there is one: {@code node-3 (us)}. */
    public String describe() {
      return region.isEmpty() ? name : name + " (" + region + ")";
    }
  }

  /**
   * One region of a two-region demo. Immutable.
   *
   * @param frontAddress host:port of the region's stable address (its TCP front)
   * @param cassandraPid the region's Cassandra node (a child JVM of the demo), with its start time
   * @param homeOf the member clusters homed in this region
   */
  public record Region(String name, String frontAddress, String cassandraAddress, long cassandraPid,
      String cassandraStartedAt, List<String> homeOf) {

    public Region {
      requireNonNull(name, "name");
      requireNonNull(frontAddress, "frontAddress");
      requireNonNull(cassandraAddress, "cassandraAddress");
      requireNonNull(cassandraStartedAt, "cassandraStartedAt");
      homeOf = homeOf == null ? List.of() : List.copyOf(homeOf);
    }

    /** The region's Cassandra process, if it still runs (same pid and start time). */
    public Optional<ProcessHandle> cassandraProcess() {
      return DemoInfo.process(cassandraPid, cassandraStartedAt);
    }
  }

  private static Optional<ProcessHandle> process(long pid, String startedAt) {
    Instant started = Instant.parse(startedAt);
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .filter(p -> p.info().startInstant()
            .map(s -> Duration.between(s, started).abs().compareTo(START_TIME_TOLERANCE) < 0).orElse(false));
  }

  /** Start times read twice from /proc can differ by rounding; a reused pid starts much later. */
  private static final Duration START_TIME_TOLERANCE = Duration.ofSeconds(1);

  public DemoInfo {
    requireNonNull(xdsAddress, "xdsAddress");
    requireNonNull(kubeconfig, "kubeconfig");
    requireNonNull(kubernetesApi, "kubernetesApi");
    backends = List.copyOf(backends);
    commands = List.copyOf(commands);
    frontAddress = frontAddress == null ? xdsAddress : frontAddress;
    nodes = nodes == null ? List.of() : List.copyOf(nodes);
    regions = regions == null ? List.of() : List.copyOf(regions);
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).index() != i + 1) {
        throw new IllegalArgumentException("nodes must be listed by index from 1; found " + nodes.get(i).index()
            + " at position " + (i + 1));
      }
    }
  }

  /** Node {@code index} (1-based). */
  public Optional<Node> node(int index) {
    return index >= 1 && index <= nodes.size() ? Optional.of(nodes.get(index - 1)) : Optional.empty();
  }

  /** This, with {@code node} replacing the node of the same index. */
  public DemoInfo withNode(Node node) {
    List<Node> updated = new ArrayList<>(nodes);
    updated.set(node.index() - 1, node);
    return new DemoInfo(pid, xdsAddress, adminAddress, metricsUrl, debugServicesUrl, kubeconfig, kubernetesApi,
        xdsTarget, xdsBootstrap, logFile, backends, commands, frontAddress, updated, regions);
  }

  /** The region named {@code name}. */
  public Optional<Region> region(String name) {
    return regions.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /** The nodes of region {@code name}, by index. */
  public List<Node> nodesOf(String name) {
    return nodes.stream().filter(n -> n.region().equals(name)).toList();
  }

  /** Whether the demo process that wrote this still runs. */
  public boolean demoRunning() {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The backend named {@code name}. */
  public Optional<Backend> backend(String name) {
    return backends.stream().filter(b -> b.name().equals(name)).findFirst();
  }

  /** The backend at {@code address}. */
  public Optional<Backend> backendAt(String address) {
    return backends.stream().filter(b -> b.address().equals(address)).findFirst();
  }

  /** The summary printed when the demo is up, one line per entry. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    if (regions.isEmpty()) {
      lines.add("xDS (ADS gRPC)      " + xdsAddress + "   (TCP front: each connection goes to a live node)");
    }
    for (Region r : regions) {
      lines.add(String.format("region %-12s xDS %s (TCP front: this region's nodes first, else %s's)   Cassandra "
          + "dc %s on %s (pid %d)   home of %s", r.name(), r.frontAddress(), DemoRegions.other(r.name()), r.name(),
          r.cassandraAddress(), r.cassandraPid(), String.join(", ", r.homeOf())));
    }
    for (Node n : nodes) {
      lines.add(String.format("%-19s pid %-8d xDS %s   admin http://%s   remoting %s   log %s", n.describe(),
          n.pid(), n.xdsAddress(), n.adminAddress(), n.remotingAddress(), n.logFile()));
    }
    lines.add("admin / metrics     http://" + adminAddress + "   " + metricsUrl + "   " + debugServicesUrl
        + (nodes.size() > 1 ? "   (node-1; every node answers)" : ""));
    lines.add("Kubernetes API      " + kubernetesApi + "   (fabric8 mock server, CRUD mode)");
    lines.add("kubeconfig          " + kubeconfig);
    lines.add("xDS client target   " + xdsTarget);
    lines.add("xDS bootstrap       " + xdsBootstrap);
    lines.add("demo log            " + logFile);
    for (Backend b : backends) {
      lines.add(String.format("backend %-11s %-20s %s", b.name(), b.hostPort(),
          b.registered() ? "registered in EndpointSlice " + DemoWorkloads.SLICE : "running, NOT registered"));
    }
    lines.add("try, from another terminal:");
    commands.forEach(c -> {
      lines.add("  # " + c.purpose());
      lines.add("  " + c.command());
    });
    return lines;
  }

  /**
   * Writes this as pretty JSON to {@code dir}/{@value #FILE}, through a temporary file and a rename
   * so that a reader never sees half a file.
   */
  public Path write(Path dir) {
    Path file = dir.resolve(FILE);
    Path partial = dir.resolve(FILE + ".partial");
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(partial.toFile(), this);
      Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Reads {@code dir}/{@value #FILE}.
   *
   * @throws IOException when it is missing or not what a demo writes
   */
  public static DemoInfo read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " does not exist");
    }
    return JSON.readValue(file.toFile(), DemoInfo.class);
  }
}
