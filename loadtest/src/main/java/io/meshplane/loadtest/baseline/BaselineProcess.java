package io.meshplane.loadtest.baseline;

import io.meshplane.node.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The baseline control plane as a child JVM, for benchmarks that measure it beside Meshplane's
 * nodes: {@code java <jvmOptions> -cp <this JVM's classpath> }{@link BaselineControlPlane}{@code
 * --kubeconfig F --xds-port N --admin-port M --exit-with-parent}, output appended to a log file.
 * {@link #start} returns once {@code /readyz} answers 200 (the first snapshot is served); the child
 * stops by itself if this JVM dies. Thread-safe: the state is the {@link Process}, which is.
 */
public final class BaselineProcess implements AutoCloseable {

  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final ChildJvm jvm;
  private final int xdsPort;

  private BaselineProcess(ChildJvm jvm, int xdsPort) {
    this.jvm = jvm;
    this.xdsPort = xdsPort;
  }

  /**
   * Starts the baseline and waits until it serves.
   *
   * @param jvmOptions options of the child JVM, such as {@code -Xmx512m} (use the same as
   *     Meshplane's nodes for a fair memory comparison)
   * @throws IllegalStateException if it exits or is not ready within {@code timeout}; the message
   *     carries the tail of its log
   */
  public static BaselineProcess start(Path logFile, Path kubeconfig, int xdsPort, int adminPort,
      List<String> jvmOptions, Duration timeout) {
    BaselineProcess p = launch(logFile, List.of("--kubeconfig", kubeconfig.toString(),
        "--xds-port", String.valueOf(xdsPort), "--admin-port", String.valueOf(adminPort), "--exit-with-parent"),
        jvmOptions, xdsPort, adminPort);
    try {
      p.awaitReady(timeout);
      return p;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  /** Starts {@link BaselineControlPlane} with these exact arguments and returns at once. */
  static BaselineProcess launch(Path logFile, List<String> args, List<String> jvmOptions, int xdsPort, int adminPort) {
    return new BaselineProcess(ChildJvm.launch("baseline control plane", BaselineControlPlane.class.getName(),
        jvmOptions, args, adminPort, logFile), xdsPort);
  }

  /** Waits until {@code /readyz} answers 200. */
  public void awaitReady(Duration timeout) {
    jvm.awaitReady(timeout);
  }

  /** GETs a path of the admin API ({@code /metrics}, {@code /readyz}) and returns the body. */
  public String admin(String path) {
    return jvm.admin(path);
  }

  public long pid() {
    return jvm.pid();
  }

  public int xdsPort() {
    return xdsPort;
  }

  public int adminPort() {
    return jvm.adminPort();
  }

  public Path logFile() {
    return jvm.logFile();
  }

  public boolean isAlive() {
    return jvm.isAlive();
  }

  /**
   * Waits up to {@code limit} for the process to end.
   *
   * @return its exit code
   * @throws IllegalStateException if it still runs
   */
  public int awaitExit(Duration limit) {
    if (!jvm.awaitExit(limit)) {
      throw new IllegalStateException("the baseline (pid " + pid() + ") still runs after " + limit.toSeconds() + " s");
    }
    return jvm.exitValue();
  }

  /** The last lines of its log. */
  public String tail() {
    return jvm.tail();
  }

  /** SIGKILL, then waits for the exit. */
  public void kill9() {
    jvm.kill9();
  }

  /** SIGTERM and a grace period, then SIGKILL. Idempotent. */
  @Override
  public void close() {
    jvm.stop(STOP_GRACE);
  }
}
