package io.meshplane.cli;

import io.meshplane.demo.Demo;
import io.meshplane.demo.DemoEndpointsCommand;
import io.meshplane.demo.DemoKillNodeCommand;
import io.meshplane.demo.DemoKillRegionCommand;
import io.meshplane.demo.DemoRegions;
import io.meshplane.demo.DemoStartNodeCommand;
import io.meshplane.demo.DemoStartRegionCommand;
import io.meshplane.demo.DemoLogging;
import io.meshplane.demo.DemoSettings;
import io.meshplane.demo.LocalPorts;
import io.meshplane.demo.StopSignal;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshplane demo}: a whole mesh on this machine (see {@link Demo}), until Ctrl-C or
 * {@code --duration}; its subcommands act on a running demo from another terminal. Exit codes:
 * 0 stopped as asked, 1 could not start, 2 bad usage.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    subcommands = {DemoEndpointsCommand.class, DemoKillNodeCommand.class, DemoStartNodeCommand.class,
        DemoKillRegionCommand.class, DemoStartRegionCommand.class},
    description = {
        "Runs a local demo mesh: a simulated Kubernetes cluster with service 'greeter' and three gRPC backends "
            + "(two registered), a real Cassandra, three control-plane nodes (child JVMs in one Pekko cluster) "
            + "behind a TCP front, and a real proxyless gRPC xDS client calling the service once a second "
            + "through the front.",
        "A second simulated cluster on another network and zone joins through a remote secret, with two more "
            + "backends; each network's gateway comes from the mesh config file the demo writes, and a sidecar and a "
            + "proxyless view client per network print what they are sent (endpoints by priority, the other network "
            + "as its gateway).",
        "From another terminal, 'meshplane demo endpoints add greeter-3' (or remove greeter-1) changes the "
            + "service's endpoints; the client's answers follow within a second.",
        "'meshplane demo kill-node 2' kills node-2 with SIGKILL: the demo prints the node's death and the "
            + "client's xDS stream moving to another node while the answers go on; 'meshplane demo start-node 2' "
            + "starts it again.",
        "'--regions 2' runs two regions, eu and us (Pekko data centers, a Cassandra data center each, --nodes nodes "
            + "each, a stable address each); cluster demo is homed in eu, demo-west in us. 'meshplane demo "
            + "kill-region eu' kills all of eu's nodes: eu's clients move to us, which takes over demo's watch; "
            + "'meshplane demo start-region eu' brings eu back."})
public final class DemoCommand implements Callable<Integer> {

  private static final int DEFAULT_XDS_PORT = 15010;
  private static final int DEFAULT_ADMIN_PORT = 15014;
  private static final int DEFAULT_NODES = 3;
  private static final int DEFAULT_NODES_PER_REGION = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DemoEndpointsCommand.DEFAULT_DIR,
      description = "Directory for the kubeconfig, xDS bootstrap, Cassandra data, logs (demo.log, node-N.log) and "
          + "demo.json; kept between runs (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--nodes", paramLabel = "N",
      description = "How many control-plane nodes, " + DemoSettings.MIN_NODES + "-" + DemoSettings.MAX_NODES
          + " (default 3); with --regions 2, per region, " + DemoSettings.MIN_NODES + "-"
          + DemoSettings.MAX_NODES_PER_REGION + " (default 2). Keep a majority alive: the Split Brain Resolver stops "
          + "a minority.")
  String nodes;

  @Option(names = "--regions", paramLabel = "N",
      description = "1 (default) or 2: with 2, regions eu and us, each with its own Cassandra data center, nodes "
          + "and stable address; kill one with 'meshplane demo kill-region eu'.")
  String regions;

  @Option(names = "--duration", paramLabel = "SECONDS",
      description = "Stop after this many seconds (default: run until Ctrl-C).")
  Long durationSeconds;

  @Option(names = "--xds-port", description = "The control plane's xDS address for the proxies: the port of the TCP "
      + "front that forwards each connection to a live node (default 15010 if free, else any free port). The nodes' "
      + "own xDS ports are free ones, listed in demo.json.")
  Integer xdsPort;

  @Option(names = "--admin-port", description = "Admin HTTP port of node-1 (default 15014 if free, else any free "
      + "port); the other nodes get free ports, listed in demo.json. Any node answers for the whole mesh.")
  Integer adminPort;

  @Override
  public Integer call() throws InterruptedException {
    Optional<Duration> duration = duration();
    int regionCount = regionCount();
    int nodeCount = nodeCount(regionCount);
    int xds = port("--xds-port", xdsPort, DEFAULT_XDS_PORT, 0);
    int admin = port("--admin-port", adminPort, DEFAULT_ADMIN_PORT, xds);
    Path demoDir = directory();
    DemoSettings settings = new DemoSettings(demoDir, xds, admin, regionCount, nodeCount,
        DemoEndpointsCommand.DEFAULT_DIR.equals(dir.toString()) ? "" : "--dir " + dir);
    PrintStream out = System.out;
    Path logFile = demoDir.resolve("demo.log");
    DemoLogging.toFile(logFile);
    StopSignal stop = StopSignal.install(out);

    Demo demo;
    try {
      demo = Demo.start(settings, logFile, out);
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("meshplane demo: could not start: " + e.getMessage()
          + "\n(details in " + logFile + ")");
      return 1;
    }
    // For a stop that bypasses the signal handlers (SIGHUP, System.exit elsewhere).
    Thread hook = new Thread(demo::close, "demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println(duration.map(d -> "[demo] running for " + d.toSeconds() + " s (Ctrl-C stops it sooner)")
        .orElse("[demo] running; Ctrl-C stops it"));
    boolean signalled = stop.await(duration);
    if (!signalled) {
      out.println("[demo] --duration " + durationSeconds + " s is over; stopping");
    }
    demo.close();
    Runtime.getRuntime().removeShutdownHook(hook);
    out.println("[demo] stopped; data kept in " + demoDir);
    return 0;
  }

  private Optional<Duration> duration() {
    if (durationSeconds == null) {
      return Optional.empty();
    }
    if (durationSeconds < 1) {
      throw usage("--duration " + durationSeconds + ": expected a number of seconds, at least 1");
    }
    return Optional.of(Duration.ofSeconds(durationSeconds));
  }

  /** The given port, checked to be valid and free, or the default if free, else any free port. */
  private int port(String option, Integer given, int preferred, int taken) {
    if (given == null) {
      int port = LocalPorts.preferredOrFree(preferred);
      return port == taken ? LocalPorts.free() : port;
    }
    if (given < 1 || given > 65535) {
      throw usage(option + " " + given + ": expected a port number 1-65535");
    }
    if (given == taken) {
      throw usage(option + " " + given + ": the xDS and admin ports must differ");
    }
    if (!LocalPorts.isFree(given)) {
      throw usage(option + " " + given + ": something already listens on that port; pick another or leave "
          + option + " out to get a free one");
    }
    return given;
  }

  private Path directory() {
    Path d = dir.toAbsolutePath().normalize();
    if (Files.exists(d) && !Files.isDirectory(d)) {
      throw usage("--dir " + dir + ": exists and is not a directory");
    }
    try {
      return Files.createDirectories(d);
    } catch (IOException e) {
      throw usage("--dir " + dir + ": cannot create it (" + e + ")");
    }
  }

  private int regionCount() {
    if (regions == null) {
      return DemoSettings.MIN_REGIONS;
    }
    String expected = ": expected " + DemoSettings.MIN_REGIONS + " (one region) or " + DemoSettings.MAX_REGIONS
        + " (regions " + String.join(" and ", DemoRegions.NAMES) + ")";
    try {
      int n = Integer.parseInt(regions.trim());
      if (n >= DemoSettings.MIN_REGIONS && n <= DemoSettings.MAX_REGIONS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below, with what was expected.
    }
    throw usage("--regions " + regions + expected);
  }

  private int nodeCount(int regionCount) {
    if (nodes == null) {
      return regionCount == 1 ? DEFAULT_NODES : DEFAULT_NODES_PER_REGION;
    }
    String expected = ": expected a number of control-plane nodes, " + DemoSettings.MIN_NODES + "-"
        + DemoSettings.maxNodes(regionCount) + (regionCount == 1 ? "" : " per region with --regions " + regionCount);
    int n;
    try {
      n = Integer.parseInt(nodes.trim());
    } catch (NumberFormatException e) {
      throw usage("--nodes " + nodes + expected);
    }
    if (n < DemoSettings.MIN_NODES || n > DemoSettings.maxNodes(regionCount)) {
      throw usage("--nodes " + nodes + expected);
    }
    return n;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
