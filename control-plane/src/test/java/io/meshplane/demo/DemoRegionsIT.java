package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code meshplane demo --regions 2} end to end, as a user runs it, with one node per region to
 * spare the CPU: a child JVM with two Cassandra data centers (child JVMs), a node in eu and one in
 * us, a front per region, the grpc-java client and the view clients; driven through {@code demo
 * kill-region}, {@code endpoints} and {@code start-region} and observed through its output and
 * {@value DemoInfo#FILE}. Every wait is a condition with a deadline; only the demo's own
 * {@code --duration} bounds the run.
 */
class DemoRegionsIT {

  private static final Duration STARTUP = Duration.ofSeconds(150);
  private static final Duration STEP = Duration.ofSeconds(45);
  /** Counted from "running": enough for the steps below with a margin on a busy 2-core machine. */
  private static final long DEMO_SECONDS = 50;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<String> output = new CopyOnWriteArrayList<>();
  private Path dir;
  private Process demo;

  @AfterEach
  void killLeftoversAndKeepOutput() throws IOException {
    DemoChild.killLeftoversAndKeepOutput(demo, dir, output);
  }

  @Test
  void a_killed_region_s_clients_are_served_by_the_other_which_takes_its_cluster_over_until_it_comes_back()
      throws Exception {
    dir = Path.of("target", "demo-regions-it-" + System.currentTimeMillis()).toAbsolutePath();
    demo = startDemo(dir);

    await("demo up").atMost(STARTUP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      assertThat(demo.isAlive()).as("demo process alive; output:\n%s", tail()).isTrue();
      assertThat(output).as("output").anyMatch(l -> l.startsWith("[demo] up"));
    });
    JsonNode info = JSON.readTree(dir.resolve("demo.json").toFile());
    assertThat(info.path("nodes")).extracting(n -> n.path("name").asText() + " " + n.path("region").asText())
        .containsExactly("node-1 eu", "node-2 us");
    assertThat(info.path("regions")).extracting(r -> r.path("name").asText() + " " + r.path("homeOf"))
        .containsExactly("eu [\"demo\"]", "us [\"demo-west\"]");
    JsonNode eu = info.path("regions").get(0);
    JsonNode us = info.path("regions").get(1);
    assertThat(eu.path("frontAddress").asText()).isEqualTo(info.path("xdsAddress").asText())
        .isNotEqualTo(us.path("frontAddress").asText());
    assertThat(eu.path("cassandraAddress").asText()).startsWith("127.0.0.1:");
    assertThat(us.path("cassandraAddress").asText()).startsWith("127.0.0.2:");
    long euNode = info.path("nodes").get(0).path("pid").asLong();
    long usNode = info.path("nodes").get(1).path("pid").asLong();
    List<Long> cassandra = List.of(eu.path("cassandraPid").asLong(), us.path("cassandraPid").asLong());
    assertThat(demo.children().map(ProcessHandle::pid).toList()).as("the demo's children")
        .containsExactlyInAnyOrder(euNode, usNode, cassandra.get(0), cassandra.get(1));
    assertThat(ProcessHandle.of(cassandra.get(1)).flatMap(p -> p.info().commandLine())).hasValueSatisfying(c ->
        assertThat(c).contains("-Dcassandra.storagedir=" + dir.resolve("cassandra-us")));

    await("each region serves its own clients and watches its own cluster").atMost(STEP).untilAsserted(() ->
        assertThat(output).as("output:\n%s", tail()).contains(
            "[demo] cluster demo (home region eu) is watched by region eu",
            "[demo] cluster demo-west (home region us) is watched by region us",
            "[demo] view west sidecar's xDS stream is served by node-2 (us)")
            .anyMatch(l -> l.startsWith("[demo] the client's xDS stream is served by node-1 (eu) (to watch it fail "
                + "over: ./meshplane demo kill-region eu --dir " + dir + ")")));

    // ---- eu dies: every node of it, by SIGKILL ----
    int beforeKill = output.size();
    assertThat(demoCommand("kill-region", "eu")).contains("killed node-1 (eu) (pid " + euNode + ", xDS ",
        "region eu is down");
    assertThat(ProcessHandle.of(euNode).filter(ProcessHandle::isAlive)).as("killed").isEmpty();
    await("eu's clients move to us").atMost(STEP).untilAsserted(() -> assertThat(linesFrom(beforeKill))
        .as("output:\n%s", tail())
        .anyMatch(l -> l.startsWith("[demo] node-1 (eu) (pid " + euNode + ") died (exit code 137: SIGKILL)"))
        .anyMatch(l -> l.startsWith("[demo] region eu is down"))
        .anyMatch(l -> l.startsWith("[demo] the client's xDS stream moved node-1 (eu) -> node-2 (us) (from region "
            + "eu to region us)"))
        .anyMatch(l -> l.startsWith("[demo] view east proxyless's xDS stream moved node-1 (eu) -> node-2 (us)")));

    // demo's API server lives on: with its home region gone, us must watch it for a change to arrive.
    int beforeChange = output.size();
    assertThat(demoCommand("endpoints", "add", "greeter-3")).contains("added greeter-3 (127.0.0.13)");
    await("us takes demo's watch over and its change reaches eu's clients, served by us").atMost(STEP)
        .untilAsserted(() -> {
          assertThat(linesFrom(beforeKill)).as("output:\n%s", tail()).anyMatch(l -> l.startsWith(
              "[demo] region us took over the watch of cluster demo (home region eu)"));
          assertThat(linesFrom(beforeChange)).as("output:\n%s", tail()).anyMatch(l -> l.matches(
              "\\[view east proxyless @demo-net/local-a via eu] greeter: p0 local-a \\[127\\.0\\.0\\.11:\\d+, "
                  + "127\\.0\\.0\\.12:\\d+, 127\\.0\\.0\\.13:\\d+]"));
          assertThat(answersFrom(beforeChange)).as("output:\n%s", tail()).contains("greeter-3");
        });
    assertThat(demoCommandExiting(1, "kill-region", "eu")).as("killing a dead region").isEmpty();

    // ---- eu comes back, through us; demo's watch goes home ----
    String back = demoCommand("start-region", "eu");
    assertThat(back).contains("node-1 (eu) is back after", "region eu is back");
    long newPid = JSON.readTree(dir.resolve("demo.json").toFile()).path("nodes").get(0).path("pid").asLong();
    assertThat(newPid).isNotEqualTo(euNode);
    await("demo's watch goes home to eu").atMost(STEP).untilAsserted(() -> assertThat(output)
        .as("output:\n%s", tail())
        .anyMatch(l -> l.startsWith("[demo] region eu is back with node-1"))
        .contains("[demo] the watch of cluster demo went home to region eu (us handed it back)"));

    assertThat(demo.waitFor(DEMO_SECONDS + 90, TimeUnit.SECONDS)).as("demo exits by itself; output:\n%s", tail())
        .isTrue();
    assertThat(demo.exitValue()).as("exit code; output:\n%s", tail()).isZero();
    List<Long> children = new ArrayList<>(List.of(euNode, usNode, newPid));
    children.addAll(cassandra);
    assertThat(children).as("nodes and Cassandra after the demo stopped")
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertThat(ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))).as("processes left behind").isEmpty();
  }

  private Process startDemo(Path dir) throws IOException {
    return DemoChild.start(dir, List.of("--duration", String.valueOf(DEMO_SECONDS),
        "--xds-port", String.valueOf(LocalPorts.free()),
        "--admin-port", String.valueOf(LocalPorts.free()), "--regions", "2", "--nodes", "1"), output);
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

  private String tail() {
    return DemoChild.tail(output);
  }
}
