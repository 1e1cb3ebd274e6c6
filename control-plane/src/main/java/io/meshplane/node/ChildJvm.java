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
 * A server as a child JVM on this machine: {@code java <jvmOptions> -cp <this JVM's classpath>
 * <mainClass> <args>}, its output appended to a log file, readiness and admin requests over HTTP
 * on loopback at its admin port. The common part of {@link NodeProcess} (a control-plane node) and
 * the benchmarks' baseline control plane. Thread-safe: the state is the {@link Process}, which is.
 */
public final class ChildJvm {

  private static final Duration POLL = Duration.ofMillis(100);
  private static final int TAIL_LINES = 60;

  private final String what;
  private final Process process;
  private final int adminPort;
  private final Path logFile;
  private final Instant startedAt;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private ChildJvm(String what, Process process, int adminPort, Path logFile) {
    this.what = what;
    this.process = process;
    this.adminPort = adminPort;
    this.logFile = logFile;
    this.startedAt = process.toHandle().info().startInstant().orElseGet(Instant::now);
  }

  /**
   * Starts the JVM and returns at once.
   *
   * @param what how messages name it, for example "control-plane node"
   */
  public static ChildJvm launch(String what, String mainClass, List<String> jvmOptions, List<String> args,
      int adminPort, Path logFile) {
    requireNonNull(logFile, "logFile");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(args);
    try {
      Path dir = logFile.toAbsolutePath().getParent();
      if (dir != null) {
        Files.createDirectories(dir);
      }
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
      return new ChildJvm(what, p, adminPort, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the " + what + " (log " + logFile + ")", e);
    }
  }

  /**
   * Waits until {@code /readyz} answers 200.
   *
   * @throws IllegalStateException if the process exits first or {@code timeout} passes; the
   *     message carries the tail of its log
   */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!ready()) {
        // Waiting on the process doubles as the poll interval and notices an early exit at once.
        if (process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new IllegalStateException("the " + what + " (pid " + pid() + ") exited with code "
              + process.exitValue() + " before it was ready; last lines of " + logFile + ":\n" + tail());
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the " + what + " (pid " + pid() + ") was not ready within "
              + timeout.toSeconds() + " s; last lines of " + logFile + ":\n" + tail());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the " + what + ", pid " + pid(), e);
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

  /** GETs {@code path} of its admin API and returns the body. */
  public String admin(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " of the " + what + ", pid " + pid(), e);
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
      throw new IllegalStateException("interrupted while waiting for the " + what + ", pid " + pid(), e);
    }
  }

  /** Its exit code; only once it has ended. */
  public int exitValue() {
    return process.exitValue();
  }

  /** SIGKILL, then up to 30 s for the exit: no shutdown hook, no graceful stop. */
  public void kill9() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** SIGTERM and up to {@code grace} for a graceful stop, then SIGKILL. Idempotent. */
  public void stop(Duration grace) {
    if (process.isAlive()) {
      process.destroy();
      waitFor(grace);
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
