package io.meshplane.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code meshplane demo}: placeholder until the demo lands. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Runs a local demo mesh.")
public final class DemoCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("meshplane demo: not built yet");
    return 1;
  }
}
