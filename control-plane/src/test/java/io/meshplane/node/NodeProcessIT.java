package io.meshplane.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshplane.testing.Closer;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code meshplane run --exit-with-parent} for real: a parent JVM ({@link NodeParentMain}) starts
 * a node, which starts its embedded Cassandra; the parent is killed with SIGKILL, and the node and
 * its Cassandra must both go away by themselves.
 */
class NodeProcessIT {

  private static final Pattern READY = Pattern.compile("node ready: pid (\\d+)");

  private final Closer closer = new Closer();
  private final List<String> parentOutput = new CopyOnWriteArrayList<>();
  private Process parent;
  private List<ProcessHandle> leftovers = List.of();

  @AfterEach
  void stop() {
    if (parent != null) {
      parent.destroyForcibly();
    }
    leftovers.forEach(ProcessHandle::destroyForcibly);
    closer.close();
  }

  @Test
  void a_node_and_its_cassandra_exit_when_the_parent_is_killed() throws Exception {
    Path dir = TestDirs.fresh("node-process");
    MockCluster kube = closer.keep(MockCluster.start(0));
    kube.namespace("default");
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), NodeParentMain.class.getName(),
        dir.resolve("node.log").toString(), String.valueOf(Ports.free()),
        "--xds-port", String.valueOf(Ports.free()), "--kubeconfig", kubeconfig.toString(),
        "--data-dir", dir.resolve("cassandra").toString(), "--cassandra-port", String.valueOf(Ports.free()),
        "--exit-with-parent").redirectErrorStream(true).start();
    readOutput(parent);

    await("node ready").atMost(Duration.ofSeconds(150)).untilAsserted(() -> {
      assertThat(parent.isAlive()).as("parent alive; output: %s", parentOutput).isTrue();
      assertThat(parentOutput).as("parent output").anyMatch(l -> READY.matcher(l).find());
    });
    ProcessHandle node = parentOutput.stream().map(READY::matcher).filter(Matcher::find)
        .map(m -> ProcessHandle.of(Long.parseLong(m.group(1))).orElseThrow()).findFirst().orElseThrow();
    List<ProcessHandle> cassandra = node.descendants().toList();
    leftovers = Stream.concat(Stream.of(node), cassandra.stream()).toList();
    assertThat(cassandra).as("the node's embedded Cassandra").isNotEmpty();

    parent.destroyForcibly();

    await("node exits after its parent was killed").atMost(Duration.ofSeconds(45))
        .until(() -> !node.isAlive());
    await("the node's Cassandra exits too").atMost(Duration.ofSeconds(45))
        .until(() -> cassandra.stream().noneMatch(ProcessHandle::isAlive));
  }

  private void readOutput(Process p) {
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          parentOutput.add(line);
        }
      } catch (IOException e) {
        parentOutput.add("(reading failed: " + e + ")");
      }
    }, "parent-output");
    reader.setDaemon(true);
    reader.start();
  }
}
