package io.meshplane.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshplane demo start-region R}: asks the running two-region demo to start every node of
 * region R that is not running (a {@link NodeRequests} file each; the demo starts them at once)
 * and waits until {@value DemoInfo#FILE} lists all of them again. They rejoin the Pekko cluster
 * through the other region's nodes, which are its only live seeds. Exit codes: 0 the region is
 * back, 1 no running demo, every node of R already runs, or one did not come back in time, 2 bad
 * usage.
 */
@Command(name = "start-region", mixinStandardHelpOptions = true,
    description = "Starts the control-plane nodes of region R of the running demo again (after 'meshplane demo "
        + "kill-region R') and waits until they are ready. They rejoin the Pekko cluster through the other region, "
        + "the region's front sends them new connections again, and the watches of the clusters homed in R go home.")
public final class DemoStartRegionCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "R", description = "The region to start: eu or us.")
  String region;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DemoEndpointsCommand.DEFAULT_DIR,
      description = "Directory of the running demo (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
      description = "How long to wait for the region's nodes to be ready (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    if (timeoutSeconds < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--timeout " + timeoutSeconds + ": expected a number of seconds, at least 1");
    }
    Optional<DemoInfo> info = DemoNodeArguments.runningDemo(spec, dir);
    if (info.isEmpty()) {
      return 1;
    }
    DemoInfo.Region target = DemoNodeArguments.region(spec, info.get(), region);
    if (target.cassandraProcess().isEmpty()) {
      spec.commandLine().getErr().println("meshplane demo start-region: the Cassandra node of region " + target.name()
          + " (pid " + target.cassandraPid() + ") is not running (killed with kill-region --cassandra?); the demo "
          + "does not start it again and the region's nodes cannot start without it: stop the demo and start a new one");
      return 1;
    }
    List<DemoInfo.Node> down = info.get().nodesOf(target.name()).stream().filter(n -> n.process().isEmpty()).toList();
    if (down.isEmpty()) {
      spec.commandLine().getErr().println("meshplane demo start-region: every node of region " + target.name()
          + " is already running; stop them first with: "
          + DemoNodeArguments.command(dir, "kill-region", target.name()));
      return 1;
    }
    try {
      for (DemoInfo.Node n : down) {
        NodeRequests.requestStart(dir, n.index());
      }
    } catch (IOException e) {
      spec.commandLine().getErr().println("meshplane demo start-region: cannot write the requests in " + dir + ": "
          + e);
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("asked the demo to start " + String.join(", ", down.stream().map(DemoInfo.Node::name).toList())
        + " of region " + target.name() + "; waiting until " + (down.size() == 1 ? "it is" : "they are")
        + " ready (up to " + timeoutSeconds + " s) ...");
    out.flush();
    int exit = DemoNodeArguments.awaitBack(spec, dir, info.get(), down, Duration.ofSeconds(timeoutSeconds), out);
    if (exit == 0) {
      out.println("region " + target.name() + " is back; the demo's output shows the watch of "
          + String.join(", ", target.homeOf()) + " going home");
    }
    return exit;
  }
}
