package io.meshplane.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * What {@code demo kill-node}, {@code start-node}, {@code kill-region} and {@code start-region}
 * share: the node number or region name (a bad one is a usage error, exit 2, naming what was
 * expected), the running demo's {@value DemoInfo#FILE} (missing, or written by a demo that is
 * gone: exit 1), and waiting for restarted nodes. Stateless.
 */
final class DemoNodeArguments {

  private static final Duration POLL = Duration.ofMillis(250);

  private DemoNodeArguments() {}

  /**
   * Region {@code name} of the demo; a usage error naming the demo's regions when it has no such
   * region, or runs a single one.
   */
  static DemoInfo.Region region(CommandLine.Model.CommandSpec spec, DemoInfo info, String name) {
    if (info.regions().isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "region '" + name + "': this demo runs a single "
          + "region; start one with two regions (" + String.join(", ", DemoRegions.NAMES) + ") with: ./meshplane demo "
          + "--regions 2");
    }
    return info.region(name.trim()).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "region '" + name + "': expected one of " + String.join(", ", info.regions().stream()
            .map(DemoInfo.Region::name).toList()) + " (the regions of this demo)"));
  }

  /**
   * Waits until {@value DemoInfo#FILE} lists a new, running process for each of {@code before}
   * (the demo writes it once the node is ready), printing each as it comes back. Exit code: 0 all
   * back, 1 the demo said one failed, stopped, or the time ran out (the message says which).
   */
  static int awaitBack(CommandLine.Model.CommandSpec spec, Path dir, DemoInfo info, List<DemoInfo.Node> before,
      Duration timeout, PrintWriter out) throws InterruptedException {
    String command = "meshplane demo " + spec.name();
    long begin = System.nanoTime();
    long deadline = begin + timeout.toNanos();
    List<DemoInfo.Node> waiting = new ArrayList<>(before);
    while (System.nanoTime() - deadline < 0) {
      for (DemoInfo.Node old : List.copyOf(waiting)) {
        Optional<String> failure = NodeRequests.failure(dir, old.index());
        if (failure.isPresent()) {
          spec.commandLine().getErr().println(command + ": the demo could not start " + old.name() + ": "
              + failure.get());
          return 1;
        }
        Optional<DemoInfo.Node> now = current(dir, old.index()).filter(node -> !node.equals(old));
        if (now.isPresent() && now.get().process().isPresent()) {
          DemoInfo.Node back = now.get();
          out.printf("%s is back after %.1f s: pid %d, xDS %s, admin http://%s, log %s%n", back.describe(),
              (System.nanoTime() - begin) / 1e9, back.pid(), back.xdsAddress(), back.adminAddress(), back.logFile());
          out.flush();
          waiting.remove(old);
        }
      }
      if (waiting.isEmpty()) {
        return 0;
      }
      if (!info.demoRunning()) {
        spec.commandLine().getErr().println(command + ": the demo (pid " + info.pid() + ") stopped before "
            + names(waiting) + " " + (waiting.size() == 1 ? "was" : "were") + " back");
        return 1;
      }
      Thread.sleep(POLL.toMillis());
    }
    List<String> why = new ArrayList<>();
    for (DemoInfo.Node n : waiting) {
      String prefix = waiting.size() == 1 ? "" : n.name() + ": ";
      why.add(NodeRequests.pending(dir, n.index())
          ? prefix + "the demo (pid " + info.pid() + ") did not take the request; is it still running?"
          : prefix + n.name() + " did not get ready; see its log " + n.logFile());
    }
    spec.commandLine().getErr().println(command + ": " + names(waiting) + (waiting.size() == 1 ? " is" : " are")
        + " not back after " + timeout.toSeconds() + " s: " + String.join("; ", why));
    return 1;
  }

  private static String names(List<DemoInfo.Node> nodes) {
    return String.join(", ", nodes.stream().map(DemoInfo.Node::name).toList());
  }

  private static Optional<DemoInfo.Node> current(Path dir, int n) {
    try {
      return DemoInfo.read(dir).node(n);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** {@code value} as a node number of at least 1; the upper bound comes with the demo's file. */
  static int number(CommandLine.Model.CommandSpec spec, String value) {
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below, with what was expected.
    }
    throw new CommandLine.ParameterException(spec.commandLine(),
        "node '" + value + "': expected a node number, 1 for node-1 and so on");
  }

  /** The demo's file, or empty after telling the user why there is none to act on. */
  static Optional<DemoInfo> runningDemo(CommandLine.Model.CommandSpec spec, Path dir) {
    String command = "meshplane demo " + spec.name();
    String startOne = "start one with: ./meshplane demo"
        + (DemoEndpointsCommand.DEFAULT_DIR.equals(dir.toString()) ? "" : " --dir " + dir);
    DemoInfo info;
    try {
      info = DemoInfo.read(dir);
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println(command + ": cannot read the demo's " + DemoInfo.FILE + " in "
          + dir.toAbsolutePath() + " (" + e.getMessage() + "); is a demo running there? " + startOne);
      return Optional.empty();
    }
    if (!info.demoRunning()) {
      spec.commandLine().getErr().println(command + ": the demo that wrote " + dir.resolve(DemoInfo.FILE) + " (pid "
          + info.pid() + ") is no longer running, nor are its nodes; " + startOne);
      return Optional.empty();
    }
    return Optional.of(info);
  }

  /** Node {@code n} of the demo; a usage error naming the demo's range when it has no such node. */
  static DemoInfo.Node node(CommandLine.Model.CommandSpec spec, DemoInfo info, int n) {
    return info.node(n).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
        "node " + n + ": expected a node number 1-" + info.nodes().size() + " (this demo runs "
            + info.nodes().size() + " node" + (info.nodes().size() == 1 ? "" : "s") + ")"));
  }

  /** How to run {@code meshplane demo <subcommand> <n>} against the demo in {@code dir}. */
  static String command(Path dir, String subcommand, int n) {
    return command(dir, subcommand, String.valueOf(n));
  }

  /** How to run {@code meshplane demo <subcommand> <argument>} against the demo in {@code dir}. */
  static String command(Path dir, String subcommand, String argument) {
    return "./meshplane demo " + subcommand + " " + argument
        + (DemoEndpointsCommand.DEFAULT_DIR.equals(dir.toString()) ? "" : " --dir " + dir);
  }
}
