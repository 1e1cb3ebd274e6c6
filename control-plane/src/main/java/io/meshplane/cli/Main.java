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
    System.exit(commandLine().execute(args));
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
