package io.meshplane.testing;

import io.meshplane.node.NodeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A control-plane node as a real child JVM ({@code meshplane run}), so that tests can kill it
 * with SIGKILL. Its output goes to a log file; {@link #start} returns once {@code /readyz} says ready.
 * The tests' face of {@link NodeProcess}, with the heap and ports the tests use.
 */
public final class ControlPlaneProcess implements AutoCloseable {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final NodeProcess node;
  private final int xdsPort;

  private ControlPlaneProcess(NodeProcess node, int xdsPort) {
    this.node = node;
    this.xdsPort = xdsPort;
  }

  /** Starts {@code meshplane run} with these ports and extra flags, and waits until ready. */
  public static ControlPlaneProcess start(Path logFile, int xdsPort, int adminPort, List<String> flags) {
    return start(logFile, xdsPort, adminPort, List.of(), flags);
  }

  /** {@link #start(Path, int, int, List)} with extra JVM options (after {@code -Xmx512m}). */
  public static ControlPlaneProcess start(Path logFile, int xdsPort, int adminPort, List<String> jvmOptions,
      List<String> flags) {
    List<String> all = new ArrayList<>(List.of("--xds-port", String.valueOf(xdsPort)));
    all.addAll(flags);
    List<String> options = new ArrayList<>(List.of("-Xmx512m"));
    options.addAll(jvmOptions);
    return new ControlPlaneProcess(NodeProcess.start(logFile, adminPort, options, all, READY_TIMEOUT), xdsPort);
  }

  /** GETs a path of the admin API. */
  public String admin(String path) {
    return node.admin(path);
  }

  public String tail() {
    return node.tail();
  }

  public int xdsPort() {
    return xdsPort;
  }

  public long pid() {
    return node.pid();
  }

  /** SIGKILL: no shutdown hook, no graceful leave. */
  public void kill9() {
    node.kill9();
  }

  /** SIGTERM and wait. */
  @Override
  public void close() {
    node.close();
  }
}
