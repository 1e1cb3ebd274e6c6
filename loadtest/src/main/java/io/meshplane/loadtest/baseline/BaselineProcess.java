package io.meshplane.loadtest.baseline;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The baseline control plane as a child JVM, for benchmarks that measure it beside Meshplane's
 * nodes: {@code java <jvmOptions> -cp <this JVM's classpath> }{@link BaselineControlPlane}{@code
 * --kubeconfig F --xds-port N --admin-port M --exit-with-parent}, output appended to a log file.
 * {@link #start} returns once {@code /readyz} answers 200 (the first snapshot is served); the child
 * stops by itself if this JVM dies. Thread-safe: the state is the {@link Process}, which is.
 */
public final class BaselineProcess implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final int TAIL_LINES = 60;

  private final Process process;
  private final Path logFile;
  private final int xdsPort;
  private final int adminPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private BaselineProcess(Process process, Path logFile, int xdsPort, int adminPort) {
    this.process = process;
    this.logFile = logFile;
    this.xdsPort = xdsPort;
    this.adminPort = adminPort;
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
    requireNonNull(logFile, "logFile");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineControlPlane.class.getName()));
    cmd.addAll(args);
    try {
      Path dir = logFile.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
      return new BaselineProcess(p, logFile, xdsPort, adminPort);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the baseline control plane (log " + logFile + ")", e);
    }
  }

  /** Waits until {@code /readyz} answers 200. */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!ready()) {
        // Waiting on the process doubles as the poll interval and notices an early exit at once.
        if (process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("the baseline (pid " + pid() + ") exited with code " + process.exitValue()
              + " before it was ready; last lines of " + logFile + ":\n" + tail());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the baseline (pid " + pid() + ") was not ready within "
              + timeout.toSeconds() + " s; last lines of " + logFile + ":\n" + tail());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the baseline, pid " + pid(), e);
    }
  }

  private boolean ready() throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** GETs a path of the admin API ({@code /metrics}, {@code /readyz}) and returns the body. */
  public String admin(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " of the baseline, pid " + pid(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public int xdsPort() {
    return xdsPort;
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

  /**
   * Waits up to {@code limit} for the process to end.
   *
   * @return its exit code
   * @throws IllegalStateException if it still runs
   */
  public int awaitExit(Duration limit) {
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the baseline (pid " + pid() + ") still runs after " + limit.toSeconds() + " s");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The last lines of its log. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** SIGKILL, then waits for the exit. */
  public void kill9() {
    process.destroyForcibly();
    waitFor(STOP_GRACE);
  }

  /** SIGTERM and a grace period, then SIGKILL. Idempotent. */
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
