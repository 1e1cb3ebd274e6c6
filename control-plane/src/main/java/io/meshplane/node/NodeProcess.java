package io.meshplane.node;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A control-plane node as a child JVM: {@code java -cp <this JVM's classpath> io.meshplane.cli.Main
 * run ...}, with its output appended to a log file. Used by the demo (which runs several nodes and
 * lets its user kill one) and by tests that kill nodes with SIGKILL.
 *
 * <p>{@link #launch} returns at once; {@link #awaitReady} waits until the node's {@code /readyz}
 * answers 200. {@link #close} stops the node with SIGTERM (a graceful leave), then SIGKILL after a
 * grace period. Thread-safe: the state is the {@link Process}, which is.
 */
public final class NodeProcess implements AutoCloseable {

  /** Between SIGTERM and SIGKILL in {@link #close}. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);

  private final ChildJvm jvm;

  private NodeProcess(ChildJvm jvm) {
    this.jvm = jvm;
  }

  /**
   * Starts {@code meshplane run --bind-host 127.0.0.1 --admin-port <adminPort> <flags>} and returns
   * without waiting for it.
   *
   * @param jvmOptions options of the child JVM, such as {@code -Xmx512m}
   * @param flags flags of {@code meshplane run} other than {@code --admin-port} and {@code --bind-host}
   */
  public static NodeProcess launch(Path logFile, int adminPort, List<String> jvmOptions, List<String> flags) {
    List<String> args = new ArrayList<>(List.of("run", "--bind-host", "127.0.0.1", "--admin-port",
        String.valueOf(adminPort)));
    args.addAll(flags);
    return new NodeProcess(ChildJvm.launch("control-plane node", "io.meshplane.cli.Main", jvmOptions, args,
        adminPort, logFile));
  }

  /** {@link #launch}, then {@link #awaitReady}; stops the node if it does not get ready. */
  public static NodeProcess start(Path logFile, int adminPort, List<String> jvmOptions, List<String> flags,
      Duration timeout) {
    NodeProcess node = launch(logFile, adminPort, jvmOptions, flags);
    try {
      node.awaitReady(timeout);
      return node;
    } catch (RuntimeException e) {
      node.close();
      throw e;
    }
  }

  /**
   * Waits until {@code /readyz} answers 200.
   *
   * @throws IllegalStateException if the node exits first or {@code timeout} passes; the message
   *     carries the tail of its log
   */
  public void awaitReady(Duration timeout) {
    jvm.awaitReady(timeout);
  }

  /** Whether {@code /readyz} answers 200 now. */
  public boolean ready() throws InterruptedException {
    return jvm.ready();
  }

  /** GETs {@code path} of the node's admin API and returns the body. */
  public String admin(String path) {
    return jvm.admin(path);
  }

  /** The last lines of the node's log. */
  public String tail() {
    return jvm.tail();
  }

  public long pid() {
    return jvm.pid();
  }

  /** When the operating system started the process (as {@link ProcessHandle.Info#startInstant}). */
  public Instant startedAt() {
    return jvm.startedAt();
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

  /** Completes with the exit code when the process ends, however it ends. */
  public CompletableFuture<Integer> onExit() {
    return jvm.onExit();
  }

  /**
   * Waits up to {@code limit} for the process to end.
   *
   * @return whether it has ended
   */
  public boolean awaitExit(Duration limit) {
    return jvm.awaitExit(limit);
  }

  /** SIGKILL, then waits for the exit: no shutdown hook, no graceful leave. */
  public void kill9() {
    jvm.kill9();
  }

  /** SIGTERM and up to 30 s for a graceful stop, then SIGKILL. Idempotent. */
  @Override
  public void close() {
    jvm.stop(STOP_GRACE);
  }
}
