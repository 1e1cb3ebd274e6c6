package io.meshplane.demo;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * {@code meshplane demo kill-region R}: kills every node of region R of a running two-region demo
 * with SIGKILL, all at once, as the loss of a whole region would, after checking that each pid in
 * {@value DemoInfo#FILE} still belongs to that node (same start time); with {@code --cassandra}
 * the region's Cassandra node too. The demo's own output then shows the region going down, its
 * clients' streams moving to the other region and the other region taking over its clusters'
 * watches. Exit codes: 0 killed, 1 no running demo or nothing of the region runs, 2 bad usage.
 */
@Command(name = "kill-region", mixinStandardHelpOptions = true,
    description = {"Kills every control-plane node of region R of a running 'meshplane demo --regions 2' with "
        + "SIGKILL (no graceful leave), as the loss of a whole region would. Watch the demo's output: the region "
        + "going down, its clients' xDS streams moving to the other region's nodes through their region's front, and "
        + "the other region taking over the watch of the cluster homed in R.",
        "'meshplane demo start-region R' starts its nodes again."})
public final class DemoKillRegionCommand implements Callable<Integer> {

  private static final long EXIT_WAIT_SECONDS = 10;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "R", description = "The region to kill: eu or us.")
  String region;

  @Option(names = "--cassandra", description = "Kill the region's Cassandra node too (SIGKILL). The other region "
      + "keeps reading and writing its own data center (LOCAL_QUORUM). The demo does not start a killed Cassandra "
      + "again, so start-region then refuses: the region is back only with a new demo.")
  boolean cassandra;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = DemoEndpointsCommand.DEFAULT_DIR,
      description = "Directory of the running demo (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Override
  public Integer call() throws InterruptedException {
    Optional<DemoInfo> info = DemoNodeArguments.runningDemo(spec, dir);
    if (info.isEmpty()) {
      return 1;
    }
    DemoInfo.Region target = DemoNodeArguments.region(spec, info.get(), region);
    List<DemoInfo.Node> running = new ArrayList<>();
    List<ProcessHandle> processes = new ArrayList<>();
    for (DemoInfo.Node n : info.get().nodesOf(target.name())) {
      n.process().ifPresent(p -> {
        running.add(n);
        processes.add(p);
      });
    }
    Optional<ProcessHandle> db = cassandra ? target.cassandraProcess() : Optional.empty();
    String command = "meshplane demo kill-region";
    if (running.isEmpty() && db.isEmpty()) {
      spec.commandLine().getErr().println(command + ": no node of region " + target.name() + " is running"
          + (cassandra ? ", nor its Cassandra node (pid " + target.cassandraPid() + ")" : "")
          + "; start its nodes again with: " + DemoNodeArguments.command(dir, "start-region", target.name()));
      return 1;
    }
    processes.forEach(ProcessHandle::destroyForcibly);
    db.ifPresent(ProcessHandle::destroyForcibly);
    List<ProcessHandle> all = new ArrayList<>(processes);
    db.ifPresent(all::add);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        spec.commandLine().getErr().println(command + ": sent SIGKILL to pid " + p.pid() + " of region "
            + target.name() + " but it did not exit within " + EXIT_WAIT_SECONDS + " s");
        return 1;
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    for (DemoInfo.Node n : running) {
      out.println("killed " + n.describe() + " (pid " + n.pid() + ", xDS " + n.xdsAddress() + ") with SIGKILL");
    }
    db.ifPresent(p -> out.println("killed the Cassandra node of " + target.name() + " (pid " + p.pid() + ", "
        + target.cassandraAddress() + ") with SIGKILL"));
    out.println("region " + target.name() + " is down; the demo's output shows its clients' xDS streams moving to "
        + DemoRegions.other(target.name()) + " and " + DemoRegions.other(target.name()) + " taking over the watch of "
        + String.join(", ", target.homeOf()) + "; start it again with: "
        + DemoNodeArguments.command(dir, "start-region", target.name()));
    return 0;
  }
}
