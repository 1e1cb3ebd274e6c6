package io.meshplane.cli;

import io.meshplane.demo.Demo;
import io.meshplane.demo.DemoEndpointsCommand;
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
 * {@code --duration}. Exit codes: 0 stopped as asked, 1 could not start, 2 bad usage.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, subcommands = DemoEndpointsCommand.class,
    description = {
        "Runs a local demo mesh: a simulated Kubernetes cluster with service 'greeter' and three gRPC backends "
            + "(two registered), a control-plane node with an embedded Cassandra, and a real proxyless gRPC xDS "
            + "client calling the service once a second.",
        "From another terminal, 'meshplane demo endpoints add greeter-3' (or remove greeter-1) changes the "
            + "service's endpoints; the client's answers follow within a second."})
public final class DemoCommand implements Callable<Integer> {

  private static final int DEFAULT_XDS_PORT = 15010;
  private static final int DEFAULT_ADMIN_PORT = 15014;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DemoEndpointsCommand.DEFAULT_DIR,
      description = "Directory for the kubeconfig, xDS bootstrap, Cassandra data, log and demo.json; kept "
          + "between runs (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--duration", paramLabel = "SECONDS",
      description = "Stop after this many seconds (default: run until Ctrl-C).")
  Long durationSeconds;

  @Option(names = "--xds-port", description = "ADS gRPC port (default 15010 if free, else any free port).")
  Integer xdsPort;

  @Option(names = "--admin-port", description = "Admin HTTP port (default 15014 if free, else any free port).")
  Integer adminPort;

  @Override
  public Integer call() throws InterruptedException {
    Optional<Duration> duration = duration();
    int xds = port("--xds-port", xdsPort, DEFAULT_XDS_PORT, 0);
    int admin = port("--admin-port", adminPort, DEFAULT_ADMIN_PORT, xds);
    Path demoDir = directory();
    DemoSettings settings = new DemoSettings(demoDir, xds, admin, endpointsCommand());
    PrintStream out = System.out;
    Path logFile = demoDir.resolve("control-plane.log");
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
      return port == taken ? LocalPorts.free("127.0.0.1") : port;
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

  /** How the printed commands reach this demo's endpoints command from the working directory. */
  private String endpointsCommand() {
    String base = "./meshplane demo endpoints";
    return DemoEndpointsCommand.DEFAULT_DIR.equals(dir.toString()) ? base : base + " --dir " + dir;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
