package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a running demo tells its user and its {@code endpoints} command: addresses, files, the
 * backends and commands to try. Written to {@value #FILE} in the demo directory. Immutable.
 *
 * @param pid process id of the demo
 * @param xdsAddress host:port of the ADS gRPC server
 * @param adminAddress host:port of the admin HTTP server
 * @param kubeconfig kubeconfig of the simulated cluster
 * @param kubernetesApi URL of the simulated cluster's API server
 * @param xdsTarget the channel target of the demo's xDS client
 * @param xdsBootstrap the grpc-java xDS bootstrap file of the client
 * @param logFile where the control plane's log goes
 * @param backends the sample backends, and whether each was registered at start
 * @param commands commands to try from another terminal
 */
public record DemoInfo(long pid, String xdsAddress, String adminAddress, String metricsUrl, String debugServicesUrl,
    String kubeconfig, String kubernetesApi, String xdsTarget, String xdsBootstrap, String logFile,
    List<Backend> backends, List<Suggestion> commands) {

  public static final String FILE = "demo.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** One sample backend: its pod name, address and port. Immutable. */
  public record Backend(String name, String address, int port, boolean registered) {

    public Backend {
      requireNonNull(name, "name");
      requireNonNull(address, "address");
    }

    public String hostPort() {
      return address + ":" + port;
    }
  }

  /** A command line to try, and what it shows. Immutable. */
  public record Suggestion(String command, String purpose) {

    public Suggestion {
      requireNonNull(command, "command");
      requireNonNull(purpose, "purpose");
    }
  }

  public DemoInfo {
    requireNonNull(xdsAddress, "xdsAddress");
    requireNonNull(kubeconfig, "kubeconfig");
    requireNonNull(kubernetesApi, "kubernetesApi");
    backends = List.copyOf(backends);
    commands = List.copyOf(commands);
  }

  /** The backend named {@code name}. */
  public Optional<Backend> backend(String name) {
    return backends.stream().filter(b -> b.name().equals(name)).findFirst();
  }

  /** The backend at {@code address}. */
  public Optional<Backend> backendAt(String address) {
    return backends.stream().filter(b -> b.address().equals(address)).findFirst();
  }

  /** The summary printed when the demo is up, one line per entry. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("xDS (ADS gRPC)      " + xdsAddress);
    lines.add("admin / metrics     http://" + adminAddress + "   " + metricsUrl + "   " + debugServicesUrl);
    lines.add("Kubernetes API      " + kubernetesApi + "   (fabric8 mock server, CRUD mode)");
    lines.add("kubeconfig          " + kubeconfig);
    lines.add("xDS client target   " + xdsTarget);
    lines.add("xDS bootstrap       " + xdsBootstrap);
    lines.add("control-plane log   " + logFile);
    for (Backend b : backends) {
      lines.add(String.format("backend %-11s %-20s %s", b.name(), b.hostPort(),
          b.registered() ? "registered in EndpointSlice " + DemoWorkloads.SLICE : "running, NOT registered"));
    }
    lines.add("try, from another terminal:");
    commands.forEach(c -> {
      lines.add("  # " + c.purpose());
      lines.add("  " + c.command());
    });
    return lines;
  }

  /** Writes this as pretty JSON to {@code dir}/{@value #FILE}. */
  public Path write(Path dir) {
    Path file = dir.resolve(FILE);
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * Reads {@code dir}/{@value #FILE}.
   *
   * @throws IOException when it is missing or not what a demo writes
   */
  public static DemoInfo read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " does not exist");
    }
    return JSON.readValue(file.toFile(), DemoInfo.class);
  }
}
