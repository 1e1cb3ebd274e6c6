package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshplane.cli.Main;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code meshplane demo} end to end, as a user runs it: a child JVM with the real parts (mock
 * Kubernetes API, gRPC backends, control plane with embedded Cassandra, grpc-java xDS client),
 * driven through {@code meshplane demo endpoints} and observed through its output and admin API.
 */
class DemoIT {

  private static final Duration STARTUP = Duration.ofSeconds(120);
  private static final Duration CHANGE = Duration.ofSeconds(15);
  private static final long DEMO_SECONDS = 45;
  private static final Pattern ANSWER =
      Pattern.compile("\\[client \\d\\d:\\d\\d:\\d\\d] (greeter-\\d) answered: Hello demo from (greeter-\\d)");
  private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> output = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Path dir;
  private Process demo;

  @AfterEach
  void killLeftoversAndKeepOutput() throws IOException {
    if (demo != null && demo.isAlive()) {
      demo.descendants().forEach(ProcessHandle::destroyForcibly);
      demo.destroyForcibly();
    }
    if (dir != null && Files.isDirectory(dir)) {
      Files.write(dir.resolve("demo-output.txt"), output, StandardCharsets.UTF_8);
    }
  }

  @Test
  void client_follows_endpoint_slice_edits_and_everything_stops_after_the_duration() throws Exception {
    dir = Path.of("target", "demo-it-" + System.currentTimeMillis()).toAbsolutePath();
    int xdsPort = LocalPorts.free("127.0.0.1");
    int adminPort = LocalPorts.free("127.0.0.1");
    demo = startDemo(dir, xdsPort, adminPort);

    await("demo up").atMost(STARTUP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      assertThat(demo.isAlive()).as("demo process alive; output:\n%s", tail()).isTrue();
      assertThat(output).as("output").anyMatch(l -> l.startsWith("[demo] up"));
    });
    JsonNode info = JSON.readTree(dir.resolve("demo.json").toFile());
    assertThat(info.path("xdsAddress").asText()).isEqualTo("127.0.0.1:" + xdsPort);
    assertThat(info.path("adminAddress").asText()).isEqualTo("127.0.0.1:" + adminPort);
    assertThat(info.path("metricsUrl").asText()).isEqualTo("http://127.0.0.1:" + adminPort + "/metrics");
    assertThat(info.path("debugServicesUrl").asText()).isEqualTo("http://127.0.0.1:" + adminPort + "/debug/services");
    assertThat(info.path("kubernetesApi").asText()).startsWith("http://127.0.0.1:");
    assertThat(info.path("xdsTarget").asText()).isEqualTo("xds:///greeter.default.svc.cluster.local:50051");
    assertThat(Path.of(info.path("kubeconfig").asText())).isEqualTo(dir.resolve("kubeconfig")).isRegularFile();
    assertThat(Path.of(info.path("xdsBootstrap").asText())).isEqualTo(dir.resolve("xds-bootstrap.json")).isRegularFile();
    assertThat(info.path("backends")).extracting(b -> b.path("name").asText() + " " + b.path("address").asText()
        + " " + b.path("registered").asBoolean())
        .containsExactly("greeter-1 127.0.0.11 true", "greeter-2 127.0.0.12 true", "greeter-3 127.0.0.13 false");
    assertThat(info.path("backends")).extracting(b -> b.path("port").asInt()).doesNotContain(0).containsOnly(
        info.path("backends").get(0).path("port").asInt());
    assertThat(info.path("commands")).extracting(c -> c.path("command").asText())
        .anyMatch(c -> c.contains("demo endpoints") && c.endsWith("add greeter-3"));

    await("answers from greeter-1 and greeter-2").atMost(CHANGE).untilAsserted(() ->
        assertThat(answersFrom(0)).as("answers; output:\n%s", tail()).contains("greeter-1", "greeter-2"));

    int beforeAdd = output.size();
    assertThat(endpoints(dir, "add", "greeter-3")).contains("added greeter-3 (127.0.0.13)");
    await("an answer from greeter-3").atMost(CHANGE).untilAsserted(() ->
        assertThat(answersFrom(beforeAdd)).as("answers; output:\n%s", tail()).contains("greeter-3"));

    String edsBeforeRemoval = ackedEdsVersion(adminPort);
    assertThat(endpoints(dir, "remove", "greeter-1")).contains("removed greeter-1 (127.0.0.11)");
    // Visible = the control plane dropped the address AND the client acknowledged the EDS push without it.
    await("removal of greeter-1 acknowledged by the client").atMost(CHANGE).untilAsserted(() -> {
      assertThat(admin(adminPort, "/debug/services")).contains("127.0.0.12").doesNotContain("127.0.0.11");
      assertThat(ackedEdsVersion(adminPort)).isNotEqualTo(edsBeforeRemoval);
    });
    int afterRemoval = output.size();
    await("5 answers after the removal").atMost(CHANGE).until(() -> answersFrom(afterRemoval).size() >= 5);
    assertThat(answersFrom(afterRemoval).subList(0, 5)).as("output:\n%s", tail())
        .doesNotContain("greeter-1").containsAnyOf("greeter-2", "greeter-3");

    assertThat(demo.waitFor(DEMO_SECONDS + 60, TimeUnit.SECONDS)).as("demo exits by itself; output:\n%s", tail())
        .isTrue();
    assertThat(demo.exitValue()).as("exit code; output:\n%s", tail()).isZero();
    assertThat(ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))).as("processes left behind").isEmpty();
  }

  private Process startDemo(Path dir, int xdsPort, int adminPort) throws IOException {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), "io.meshplane.cli.Main", "demo", "--dir", dir.toString(),
        "--duration", String.valueOf(DEMO_SECONDS), "--xds-port", String.valueOf(xdsPort),
        "--admin-port", String.valueOf(adminPort));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          output.add(line);
        }
      } catch (IOException e) {
        output.add("(reading the demo's output failed: " + e + ")");
      }
    }, "demo-output");
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  /** Runs {@code meshplane demo endpoints <args> --dir <dir>} in this JVM and returns its output. */
  private static String endpoints(Path dir, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> argv = new ArrayList<>(List.of("demo", "endpoints"));
    argv.addAll(List.of(args));
    argv.addAll(List.of("--dir", dir.toString()));
    int exit = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(argv.toArray(String[]::new));
    assertThat(exit).as("exit code of %s; out: %s; err: %s", argv, out, err).isZero();
    return out.toString();
  }

  /** The backends that answered, in order, from output line {@code from} on. */
  private List<String> answersFrom(int from) {
    List<String> lines = output.subList(Math.min(from, output.size()), output.size());
    List<String> backends = new ArrayList<>();
    for (String line : lines) {
      Matcher m = ANSWER.matcher(line);
      if (m.find()) {
        assertThat(m.group(1)).as("header and message agree: %s", line).isEqualTo(m.group(2));
        backends.add(m.group(1));
      }
    }
    return backends;
  }

  private String ackedEdsVersion(int adminPort) throws Exception {
    String proxy = URLEncoder.encode(XdsBootstrap.NODE_ID, StandardCharsets.UTF_8);
    JsonNode eds = JSON.readTree(admin(adminPort, "/debug/proxies/" + proxy)).path("types").path(EDS);
    assertThat(eds.path("ackedVersion").asText()).as("EDS acked; proxy status %s", eds).isNotEmpty();
    return eds.path("ackedVersion").asText();
  }

  private String admin(int adminPort, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return response.body();
  }

  private String tail() {
    List<String> all = List.copyOf(output);
    return all.subList(Math.max(0, all.size() - 60), all.size()).stream().collect(Collectors.joining("\n"));
  }
}
