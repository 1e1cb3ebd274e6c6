package io.meshplane.testing;

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
import org.awaitility.Awaitility;

/**
 * A control-plane node as a real child JVM ({@code meshplane run}), so that tests can kill it
 * with SIGKILL. Its output goes to a log file; {@link #start} returns once {@code /readyz} says ready.
 */
public final class ControlPlaneProcess implements AutoCloseable {

  private final Process process;
  private final int xdsPort;
  private final int adminPort;
  private final Path log;

  private ControlPlaneProcess(Process process, int xdsPort, int adminPort, Path log) {
    this.process = process;
    this.xdsPort = xdsPort;
    this.adminPort = adminPort;
    this.log = log;
  }

  /** Starts {@code meshplane run} with these ports and extra flags, and waits until ready. */
  public static ControlPlaneProcess start(Path logFile, int xdsPort, int adminPort, List<String> flags) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), "io.meshplane.cli.Main", "run",
        "--xds-port", String.valueOf(xdsPort), "--admin-port", String.valueOf(adminPort),
        "--bind-host", "127.0.0.1"));
    cmd.addAll(flags);
    try {
      Files.createDirectories(logFile.getParent());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
      ControlPlaneProcess cp = new ControlPlaneProcess(p, xdsPort, adminPort, logFile);
      try {
        cp.awaitReady(Duration.ofSeconds(90));
      } catch (RuntimeException e) {
        cp.close();
        throw e;
      }
      return cp;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    Awaitility.await("control plane ready (log: " + log + ")").atMost(timeout).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("control plane exited with " + process.exitValue() + "; log:\n"
                + tail());
          }
          try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** GETs a path of the admin API. */
  public String admin(String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
          + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  public int xdsPort() {
    return xdsPort;
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no graceful leave. */
  public void kill9() {
    process.destroyForcibly();
    waitFor();
  }

  private void waitFor() {
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM and wait. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      waitFor();
      if (process.isAlive()) {
        process.destroyForcibly();
        waitFor();
      }
    }
  }
}
