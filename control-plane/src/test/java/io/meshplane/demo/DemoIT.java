package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code meshplane demo} end to end, as a user runs it: a child JVM with the real parts (mock
 * Kubernetes API, gRPC backends, a Cassandra child JVM, three control-plane node JVMs behind the
 * TCP front, grpc-java xDS client), driven through {@code meshplane demo endpoints}, {@code
 * kill-node} and {@code start-node} and observed through its output, {@value DemoInfo#FILE} and the
 * admin API. Every wait is a condition with a deadline; only the demo's own {@code --duration}
 * bounds the run.
 */
class DemoIT {

  private static final Duration STARTUP = Duration.ofSeconds(150);
  private static final Duration CHANGE = Duration.ofSeconds(15);
  private static final Duration FAILOVER = Duration.ofSeconds(40);
  /** Counted from "running": enough for the steps below with a margin on a busy 2-core machine. */
  private static final long DEMO_SECONDS = 50;
  private static final Pattern SERVED = Pattern.compile("\\[demo] the client's xDS stream is served by (node-\\d)");
  private static final Pattern MOVED = Pattern.compile("\\[demo] the client's xDS stream moved node-\\d -> (node-\\d)");
  private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> output = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Path dir;
  private Process demo;

  @AfterEach
  void killLeftoversAndKeepOutput() throws IOException {
    DemoChild.killLeftoversAndKeepOutput(demo, dir, output);
  }

  @Test
  void three_nodes_serve_the_client_through_a_kill_and_a_restart_and_everything_stops_after_the_duration()
      throws Exception {
    dir = Path.of("target", "demo-it-" + System.currentTimeMillis()).toAbsolutePath();
    int xdsPort = LocalPorts.free();
    int adminPort = LocalPorts.free();
    demo = startDemo(dir, xdsPort, adminPort);

    await("demo up").atMost(STARTUP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      assertThat(demo.isAlive()).as("demo process alive; output:\n%s", tail()).isTrue();
      assertThat(output).as("output").anyMatch(l -> l.startsWith("[demo] up"));
    });
    JsonNode info = JSON.readTree(dir.resolve("demo.json").toFile());
    assertThat(info.path("xdsAddress").asText()).isEqualTo("127.0.0.1:" + xdsPort);
    assertThat(info.path("frontAddress").asText()).isEqualTo("127.0.0.1:" + xdsPort);
    assertThat(info.path("adminAddress").asText()).isEqualTo("127.0.0.1:" + adminPort);
    assertThat(info.path("metricsUrl").asText()).isEqualTo("http://127.0.0.1:" + adminPort + "/metrics");
    assertThat(info.path("kubernetesApi").asText()).startsWith("http://127.0.0.1:");
    assertThat(info.path("xdsTarget").asText()).isEqualTo("xds:///greeter.default.svc.cluster.local:50051");
    assertThat(Path.of(info.path("kubeconfig").asText())).isEqualTo(dir.resolve("kubeconfig")).isRegularFile();
    assertThat(Path.of(info.path("xdsBootstrap").asText())).isEqualTo(dir.resolve("xds-bootstrap.json")).isRegularFile();
    assertThat(Files.readString(dir.resolve("xds-bootstrap.json"))).as("the client's xDS server is the front")
        .contains("\"127.0.0.1:" + xdsPort + "\"");
    assertThat(info.path("backends")).extracting(b -> b.path("name").asText() + " " + b.path("address").asText()
        + " " + b.path("registered").asBoolean())
        .containsExactly("greeter-1 127.0.0.11 true", "greeter-2 127.0.0.12 true", "greeter-3 127.0.0.13 false");
    assertThat(info.path("commands")).extracting(c -> c.path("command").asText())
        .contains("./meshplane demo endpoints add greeter-3 --dir " + dir, "./meshplane demo kill-node 2 --dir " + dir,
            "./meshplane demo start-node 2 --dir " + dir);
    JsonNode nodes = info.path("nodes");
    assertThat(nodes).extracting(n -> n.path("index").asInt() + " " + n.path("name").asText())
        .containsExactly("1 node-1", "2 node-2", "3 node-3");
    assertThat(nodes.get(0).path("adminAddress").asText()).isEqualTo("127.0.0.1:" + adminPort);
    assertThat(nodes).extracting(n -> n.path("xdsAddress").asText()).doesNotHaveDuplicates()
        .doesNotContain("127.0.0.1:" + xdsPort);
    List<Long> firstPids = new ArrayList<>();
    for (JsonNode n : nodes) {
      assertThat(ProcessHandle.of(n.path("pid").asLong()).map(ProcessHandle::isAlive)).as("%s runs", n).contains(true);
      assertThat(n.path("startedAt").asText()).isNotEmpty();
      assertThat(n.path("remotingAddress").asText()).startsWith("127.0.0.1:");
      assertThat(Path.of(n.path("logFile").asText())).isEqualTo(dir.resolve(n.path("name").asText() + ".log"))
          .isRegularFile();
      firstPids.add(n.path("pid").asLong());
    }
    List<ProcessHandle> cassandra = demo.children().filter(p -> !firstPids.contains(p.pid())).toList();
    assertThat(cassandra).as("the demo's Cassandra child").singleElement()
        .satisfies(p -> assertThat(p.info().commandLine()).hasValueSatisfying(c ->
            assertThat(c).contains("-Dcassandra.storagedir=" + dir.resolve("cassandra"))));

    // Two networks: each sidecar sees its own network's endpoints in its zone at p0 and the other
    // network's gateway (standing for its endpoints) in the other zone at p1; proxyless clients
    // see their own network only.
    await("each client's two-network view").atMost(CHANGE).untilAsserted(() -> {
      assertThat(views("east sidecar")).as("output:\n%s", tail()).anyMatch(v -> v.matches(
          "p0 local-a \\[127\\.0\\.0\\.11:\\d+, 127\\.0\\.0\\.12:\\d+] \\| "
              + "p1 local-b \\[west-net gateway 127\\.0\\.0\\.200:15443 x2]"));
      assertThat(views("west sidecar")).as("output:\n%s", tail()).anyMatch(v -> v.matches(
          "p0 local-b \\[127\\.0\\.0\\.21:\\d+, 127\\.0\\.0\\.22:\\d+] \\| "
              + "p1 local-a \\[demo-net gateway 127\\.0\\.0\\.100:15443 x2]"));
      assertThat(views("east proxyless")).as("output:\n%s", tail()).anyMatch(v -> v.matches(
          "p0 local-a \\[127\\.0\\.0\\.11:\\d+, 127\\.0\\.0\\.12:\\d+]"));
      assertThat(views("west proxyless")).as("output:\n%s", tail()).anyMatch(v -> v.matches(
          "p0 local-b \\[127\\.0\\.0\\.21:\\d+, 127\\.0\\.0\\.22:\\d+]"));
    });
    assertThat(output).as("the west cluster joins through a remote secret")
        .anyMatch(l -> l.contains("joins through remote secret meshplane-system/meshplane-remote-demo-west"));
    assertThat(Files.readString(dir.resolve("mesh-config.yaml"))).contains("west-net", "127.0.0.200");

    await("answers from greeter-1 and greeter-2").atMost(CHANGE).untilAsserted(() ->
        assertThat(answersFrom(0)).as("answers; output:\n%s", tail()).contains("greeter-1", "greeter-2"));

    int beforeAdd = output.size();
    assertThat(demoCommand("endpoints", "add", "greeter-3")).contains("added greeter-3 (127.0.0.13)");
    await("an answer from greeter-3").atMost(CHANGE).untilAsserted(() ->
        assertThat(answersFrom(beforeAdd)).as("answers; output:\n%s", tail()).contains("greeter-3"));
    await("the west sidecar's gateway to demo-net stands for 3 endpoints").atMost(CHANGE).untilAsserted(() ->
        assertThat(views("west sidecar")).as("output:\n%s", tail())
            .anyMatch(v -> v.endsWith("p1 local-a [demo-net gateway 127.0.0.100:15443 x3]")));

    String edsBeforeRemoval = ackedEdsVersion(adminPort);
    assertThat(demoCommand("endpoints", "remove", "greeter-1")).contains("removed greeter-1 (127.0.0.11)");
    await("removal of greeter-1 acknowledged by the client").atMost(CHANGE).untilAsserted(() -> {
      assertThat(admin(adminPort, "/debug/services")).contains("127.0.0.12").doesNotContain("127.0.0.11");
      assertThat(ackedEdsVersion(adminPort)).isNotEqualTo(edsBeforeRemoval);
    });

    // Kill the node that serves the client's stream: the stream moves, the answers go on.
    await("the demo says which node serves the client").atMost(CHANGE).until(() -> servingNode().isPresent());
    String serving = servingNode().orElseThrow();
    int index = Integer.parseInt(serving.substring("node-".length()));
    long servingPid = nodes.get(index - 1).path("pid").asLong();
    assertThat(output).anyMatch(l -> l.contains("served by " + serving + " (to watch it fail over: ./meshplane demo "
        + "kill-node " + index + " --dir " + dir + ")"));
    int beforeKill = output.size();
    assertThat(demoCommand("kill-node", String.valueOf(index)))
        .contains("killed " + serving + " (pid " + servingPid + ", xDS ");
    assertThat(ProcessHandle.of(servingPid).filter(ProcessHandle::isAlive)).as("killed").isEmpty();
    Pattern moved = Pattern.compile("\\[demo] the client's xDS stream moved " + serving + " -> (node-\\d), seen");
    await("the stream moves off " + serving).atMost(FAILOVER).untilAsserted(() -> {
      assertThat(linesFrom(beforeKill)).as("output:\n%s", tail()).anyMatch(l -> l.startsWith("[demo] " + serving
          + " (pid " + servingPid + ") died (exit code 137: SIGKILL)"));
      assertThat(linesFrom(beforeKill)).as("output:\n%s", tail()).anyMatch(l -> moved.matcher(l).find());
    });
    int afterMove = output.size();
    await("3 answers after the move").atMost(CHANGE).until(() -> answersFrom(afterMove).size() >= 3);
    assertThat(answersFrom(afterMove)).as("output:\n%s", tail()).doesNotContain("greeter-1");
    assertThat(demoCommandExiting(1, "kill-node", String.valueOf(index))).as("killing a dead node").isEmpty();

    String back = demoCommand("start-node", String.valueOf(index));
    assertThat(back).contains(serving + " is back after");
    JsonNode restarted = JSON.readTree(dir.resolve("demo.json").toFile()).path("nodes").get(index - 1);
    long newPid = restarted.path("pid").asLong();
    assertThat(newPid).isNotEqualTo(servingPid);
    assertThat(ProcessHandle.of(newPid).map(ProcessHandle::isAlive)).contains(true);
    assertThat(output).anyMatch(l -> l.startsWith("[demo] " + serving + " is back (pid " + newPid + ","));
    await(serving + " rejoins the cluster").atMost(FAILOVER).untilAsserted(() -> {
      JsonNode members = JSON.readTree(admin(restarted.path("adminAddress").asText(), "/debug/members"));
      assertThat(members.path("selfStatus").asText()).as("members: %s", members).isEqualTo("Up");
      assertThat(members.path("members")).as("members: %s", members)
          .filteredOn(m -> m.path("status").asText().equals("Up")).hasSize(3);
    });

    assertThat(demo.waitFor(DEMO_SECONDS + 90, TimeUnit.SECONDS)).as("demo exits by itself; output:\n%s", tail())
        .isTrue();
    assertThat(demo.exitValue()).as("exit code; output:\n%s", tail()).isZero();
    List<Long> children = new ArrayList<>(firstPids);
    children.add(newPid);
    cassandra.forEach(c -> children.add(c.pid()));
    assertThat(children).as("nodes and Cassandra after the demo stopped")
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertThat(ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))).as("processes left behind").isEmpty();
  }

  /** What the view client {@code client} ("west sidecar") printed, each view without its label. */
  private List<String> views(String client) {
    Pattern view = Pattern.compile("^\\[view " + Pattern.quote(client) + " @[^]]+] greeter: (.*)$");
    List<String> views = new ArrayList<>();
    for (String line : linesFrom(0)) {
      Matcher m = view.matcher(line);
      if (m.find()) {
        views.add(m.group(1));
      }
    }
    return views;
  }

  /** The node the demo last said serves the client. */
  private Optional<String> servingNode() {
    String last = null;
    for (String line : output) {
      Matcher m = SERVED.matcher(line);
      if (m.find()) {
        last = m.group(1);
      }
      Matcher moved = MOVED.matcher(line);
      if (moved.find()) {
        last = moved.group(1);
      }
    }
    return Optional.ofNullable(last);
  }

  private Process startDemo(Path dir, int xdsPort, int adminPort) throws IOException {
    return DemoChild.start(dir, List.of("--duration", String.valueOf(DEMO_SECONDS),
        "--xds-port", String.valueOf(xdsPort), "--admin-port", String.valueOf(adminPort), "--nodes", "3"), output);
  }

  /** Runs {@code meshplane demo <args> --dir <dir>} in this JVM; it must exit 0. Returns its output. */
  private String demoCommand(String... args) {
    return demoCommandExiting(0, args);
  }

  private String demoCommandExiting(int expected, String... args) {
    return DemoChild.command(dir, expected, args);
  }

  private List<String> linesFrom(int from) {
    return DemoChild.linesFrom(output, from);
  }

  /** The backends that answered, in order, from output line {@code from} on. */
  private List<String> answersFrom(int from) {
    return DemoChild.answersFrom(output, from);
  }

  private String ackedEdsVersion(int adminPort) throws Exception {
    String proxy = URLEncoder.encode(XdsBootstrap.NODE_ID, StandardCharsets.UTF_8);
    JsonNode eds = JSON.readTree(admin(adminPort, "/debug/proxies/" + proxy)).path("types").path(EDS);
    assertThat(eds.path("ackedVersion").asText()).as("EDS acked; proxy status %s", eds).isNotEmpty();
    return eds.path("ackedVersion").asText();
  }

  private String admin(int adminPort, String path) throws Exception {
    return admin("127.0.0.1:" + adminPort, path);
  }

  private String admin(String hostPort, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
    return response.body();
  }

  private String tail() {
    return DemoChild.tail(output);
  }
}
