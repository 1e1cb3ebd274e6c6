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
 * {@code meshplane demo start-node N}: asks the running demo to start node N again (a
 * {@link NodeRequests} file; the demo owns its nodes, so that they stop with it) and waits until
 * {@value DemoInfo#FILE} lists the new process, which the demo writes once the node is ready.
 * Exit codes: 0 the node is back, 1 no running demo, the node already runs, or it did not come
 * back in time, 2 bad usage.
 */
@Command(name = "start-node", mixinStandardHelpOptions = true,
    description = "Starts control-plane node N of the running demo again (after 'meshplane demo kill-node N') "
        + "and waits until it is ready. It rejoins the Pekko cluster and the TCP front sends it new connections.")
public final class DemoStartNodeCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "N", description = "The node to start: 1 for node-1 and so on.")
  String node;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DemoEndpointsCommand.DEFAULT_DIR,
      description = "Directory of the running demo (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long to wait for the node to be ready (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Override
  public Integer call() throws InterruptedException {
    int n = DemoNodeArguments.number(spec, node);
    if (timeoutSeconds < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--timeout " + timeoutSeconds + ": expected a number of seconds, at least 1");
    }
    Optional<DemoInfo> info = DemoNodeArguments.runningDemo(spec, dir);
    if (info.isEmpty()) {
      return 1;
    }
    DemoInfo.Node before = DemoNodeArguments.node(spec, info.get(), n);
    Optional<ProcessHandle> running = before.process();
    if (running.isPresent()) {
      spec.commandLine().getErr().println("meshplane demo start-node: " + before.name() + " is already running (pid "
          + before.pid() + "); stop it first with: " + DemoNodeArguments.command(dir, "kill-node", n));
      return 1;
    }
    try {
      NodeRequests.requestStart(dir, n);
    } catch (IOException e) {
      spec.commandLine().getErr().println("meshplane demo start-node: cannot write the request in " + dir + ": " + e);
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("asked the demo to start " + before.name() + "; waiting until it is ready (up to " + timeoutSeconds
        + " s) ...");
    out.flush();
    return DemoNodeArguments.awaitBack(spec, dir, info.get(), List.of(before), Duration.ofSeconds(timeoutSeconds),
        out);
  }
}
