package io.meshplane.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code meshplane} command: {@code run}, {@code demo}, {@code proxy-status}, {@code config-dump},
 * {@code create-remote-secret} and their help.
 */
@Command(name = "meshplane", mixinStandardHelpOptions = true, version = "meshplane 0.1.0",
    description = "A service-mesh control plane: Kubernetes workloads in, Envoy xDS out.",
    subcommands = {RunCommand.class, DemoCommand.class, ProxyStatusCommand.class, ConfigDumpCommand.class,
        CreateRemoteSecretCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    commonPoolOfAtLeastTwo();
    System.exit(commandLine().execute(args));
  }

  /**
   * On a machine with fewer than 3 cores the JDK gives the common fork-join pool a parallelism of
   * 1, and then every asynchronous CompletableFuture callback without an executor starts a new
   * thread. Pekko's Java API hands out Scala-backed CompletionStages whose plain {@code thenApply}
   * and {@code handle} run asynchronously, so a node on 2 cores started about 250 threads a second
   * under load (seen in a JFR profile of the fleet benchmark). Must run before anything touches
   * the pool; an explicit {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism} wins.
   */
  static void commonPoolOfAtLeastTwo() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null && Runtime.getRuntime().availableProcessors() < 3) {
      System.setProperty(key, "2");
    }
  }

  /** The configured command line; exit codes: 0 ok, 1 failure, 2 bad usage or configuration. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main());
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, demo, proxy-status, config-dump or create-remote-secret");
  }
}
