package io.meshplane.demo;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshplane demo kill-node N}: kills node N of the running demo with SIGKILL, as a crash
 * would, after checking that the pid in {@value DemoInfo#FILE} still belongs to that node (same
 * start time). The demo's own output then shows the death and the client's stream moving. Exit
 * codes: 0 killed, 1 no running demo or the node is not running, 2 bad usage.
 */
@Command(name = "kill-node", mixinStandardHelpOptions = true,
    description = {"Kills control-plane node N of the running demo with SIGKILL (no graceful leave), as a crash "
        + "would. Watch the demo's output: the node's death, the client's xDS stream moving to another node, "
        + "and the client's answers going on.",
        "'meshplane demo start-node N' starts it again."})
public final class DemoKillNodeCommand implements Callable<Integer> {

  private static final long EXIT_WAIT_SECONDS = 10;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "N", description = "The node to kill: 1 for node-1 and so on.")
  String node;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DemoEndpointsCommand.DEFAULT_DIR,
      description = "Directory of the running demo (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Override
  public Integer call() throws InterruptedException {
    int n = DemoNodeArguments.number(spec, node);
    Optional<DemoInfo> info = DemoNodeArguments.runningDemo(spec, dir);
    if (info.isEmpty()) {
      return 1;
    }
    DemoInfo.Node target = DemoNodeArguments.node(spec, info.get(), n);
    Optional<ProcessHandle> process = target.process();
    if (process.isEmpty()) {
      spec.commandLine().getErr().println("meshplane demo kill-node: " + target.name() + " (pid " + target.pid()
          + ") is not running; start it again with: " + DemoNodeArguments.command(dir, "start-node", n));
      return 1;
    }
    process.get().destroyForcibly();
    try {
      process.get().onExit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      spec.commandLine().getErr().println("meshplane demo kill-node: sent SIGKILL to " + target.name() + " (pid "
          + target.pid() + ") but it did not exit within " + EXIT_WAIT_SECONDS + " s");
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println("killed " + target.name() + " (pid " + target.pid() + ", xDS " + target.xdsAddress()
        + ") with SIGKILL");
    out.println("the demo's output shows the client's xDS stream moving to another node if " + target.name()
        + " served it; start it again with: " + DemoNodeArguments.command(dir, "start-node", n));
    return 0;
  }
}
