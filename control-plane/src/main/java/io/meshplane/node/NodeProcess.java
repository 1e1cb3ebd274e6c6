package io.meshplane.node;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

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
  private static final Duration POLL = Duration.ofMillis(200);
  private static final int TAIL_LINES = 60;

  private final Process process;
  private final int adminPort;
  private final Path logFile;
  private final Instant startedAt;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private NodeProcess(Process process, int adminPort, Path logFile) {
    this.process = process;
    this.adminPort = adminPort;
    this.logFile = logFile;
    this.startedAt = process.toHandle().info().startInstant().orElseGet(Instant::now);
  }

  /**
   * Starts {@code meshplane run --bind-host 127.0.0.1 --admin-port <adminPort> <flags>} and returns
   * without waiting for it.
   *
   * @param jvmOptions options of the child JVM, such as {@code -Xmx512m}
   * @param flags flags of {@code meshplane run} other than {@code --admin-port} and {@code --bind-host}
   */
  public static NodeProcess launch(Path logFile, int adminPort, List<String> jvmOptions, List<String> flags) {
    requireNonNull(logFile, "logFile");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.meshplane.cli.Main", "run",
        "--bind-host", "127.0.0.1", "--admin-port", String.valueOf(adminPort)));
    cmd.addAll(flags);
    try {
      Path dir = logFile.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
      return new NodeProcess(p, adminPort, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a control-plane node (log " + logFile + ")", e);
    }
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
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!ready()) {
        // Waiting on the process doubles as the poll interval and notices an early exit at once.
        if (process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("control-plane node (pid " + pid() + ") exited with code "
              + process.exitValue() + " before it was ready; last lines of " + logFile + ":\n" + tail());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("control-plane node (pid " + pid() + ") was not ready within "
              + timeout.toSeconds() + " s; last lines of " + logFile + ":\n" + tail());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for node pid " + pid(), e);
    }
  }

  /** Whether {@code /readyz} answers 200 now. */
  public boolean ready() throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** GETs {@code path} of the node's admin API and returns the body. */
  public String admin(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " of node pid " + pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The last lines of the node's log. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public long pid() {
    return process.pid();
  }

  /** When the operating system started the process (as {@link ProcessHandle.Info#startInstant}). */
  public Instant startedAt() {
    return startedAt;
  }

  public int adminPort() {
    return adminPort;
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes with the exit code when the process ends, however it ends. */
  public CompletableFuture<Integer> onExit() {
    return process.onExit().thenApply(Process::exitValue);
  }

  /**
   * Waits up to {@code limit} for the process to end.
   *
   * @return whether it has ended
   */
  public boolean awaitExit(Duration limit) {
    try {
      return process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for node pid " + pid(), e);
    }
  }

  /** SIGKILL, then waits for the exit: no shutdown hook, no graceful leave. */
  public void kill9() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** SIGTERM and up to 30 s for a graceful stop, then SIGKILL. Idempotent. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      waitFor(STOP_GRACE);
      if (process.isAlive()) {
        kill9();
      }
    }
  }

  private void waitFor(Duration limit) {
    try {
      process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
