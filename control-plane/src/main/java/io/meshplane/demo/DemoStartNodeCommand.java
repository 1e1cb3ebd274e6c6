package io.meshplane.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
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

  private static final Duration POLL = Duration.ofMillis(250);

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
    return await(info.get(), before, n, out);
  }

  private int await(DemoInfo info, DemoInfo.Node before, int n, PrintWriter out) throws InterruptedException {
    long begin = System.nanoTime();
    long deadline = begin + Duration.ofSeconds(timeoutSeconds).toNanos();
    while (System.nanoTime() - deadline < 0) {
      Optional<String> failure = NodeRequests.failure(dir, n);
      if (failure.isPresent()) {
        spec.commandLine().getErr().println("meshplane demo start-node: the demo could not start " + before.name()
            + ": " + failure.get());
        return 1;
      }
      Optional<DemoInfo.Node> now = current(n).filter(node -> !node.equals(before));
      if (now.isPresent() && now.get().process().isPresent()) {
        DemoInfo.Node back = now.get();
        out.printf("%s is back after %.1f s: pid %d, xDS %s, admin http://%s, log %s%n", back.name(),
            (System.nanoTime() - begin) / 1e9, back.pid(), back.xdsAddress(), back.adminAddress(), back.logFile());
        return 0;
      }
      if (!info.demoRunning()) {
        spec.commandLine().getErr().println("meshplane demo start-node: the demo (pid " + info.pid()
            + ") stopped before " + before.name() + " was back");
        return 1;
      }
      Thread.sleep(POLL.toMillis());
    }
    String why = NodeRequests.pending(dir, n)
        ? "the demo (pid " + info.pid() + ") did not take the request; is it still running?"
        : before.name() + " did not get ready; see its log " + before.logFile();
    spec.commandLine().getErr().println("meshplane demo start-node: " + before.name() + " is not back after "
        + timeoutSeconds + " s: " + why);
    return 1;
  }

  private Optional<DemoInfo.Node> current(int n) {
    try {
      return DemoInfo.read(dir).node(n);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
