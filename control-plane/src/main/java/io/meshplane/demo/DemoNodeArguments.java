package io.meshplane.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine;

/**
 * What {@code demo kill-node} and {@code demo start-node} share: the node number (a bad one is a
 * usage error, exit 2, naming the range) and the running demo's {@value DemoInfo#FILE} (missing,
 * or written by a demo that is gone: exit 1). Stateless.
 */
final class DemoNodeArguments {

  private DemoNodeArguments() {}

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
    return "./meshplane demo " + subcommand + " " + n
        + (DemoEndpointsCommand.DEFAULT_DIR.equals(dir.toString()) ? "" : " --dir " + dir);
  }
}
