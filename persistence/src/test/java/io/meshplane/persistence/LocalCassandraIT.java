package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A real Cassandra 5 child JVM: start, CQL, failed starts, the watchdog and a clean stop. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalCassandraIT {

  private static LocalCassandra cassandra;

  @BeforeAll
  static void start() {
    // A named data center exercises GossipingPropertyFileSnitch; ServicePersistenceIT uses the default.
    cassandra = LocalCassandra.start(
        LocalCassandra.Settings.defaults(TestDirs.fresh("local-cassandra")).withDatacenter("eu"));
  }

  @AfterAll
  static void stop() {
    if (cassandra != null) {
      cassandra.stop();
    }
  }

  private static CqlSession session(LocalCassandra c) {
    return c.session();
  }

  private static boolean portOpen(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  @Order(1)
  void serves_cql_as_cassandra_5_in_the_named_data_center() {
    assertThat(cassandra.contactPoint()).isEqualTo("127.0.0.1:" + cassandra.nativePort());
    try (CqlSession session = session(cassandra)) {
      Row local = session.execute("SELECT release_version, data_center FROM system.local").one();
      assertThat(local.getString("release_version")).isEqualTo("5.0.9");
      assertThat(local.getString("data_center")).isEqualTo(cassandra.datacenter()).isEqualTo("eu");
    }
    assertThat(cassandra.logFile()).content().contains("Startup complete");
  }

  @Test
  @Order(2)
  void a_child_that_exits_early_fails_the_start_with_its_log() {
    Path dir = TestDirs.fresh("local-cassandra-bad-heap");
    // -Xms64m above -Xmx1m: the JVM refuses to start at all.
    assertThatThrownBy(() -> LocalCassandra.start(LocalCassandra.Settings.defaults(dir).withHeap("1m")))
        .isInstanceOf(CassandraStartException.class)
        .hasMessageContaining("exited with code")
        .hasMessageContaining("heap size");
  }

  @Test
  @Order(3)
  void a_missed_deadline_fails_the_start_and_leaves_no_process() {
    Path dir = TestDirs.fresh("local-cassandra-deadline");
    assertThatThrownBy(() -> LocalCassandra.start(
            LocalCassandra.Settings.defaults(dir).withStartTimeout(Duration.ofMillis(1))))
        .isInstanceOf(CassandraStartException.class)
        .hasMessageContaining("did not accept CQL")
        .hasMessageContaining("last lines of " + dir.resolve("cassandra.log"));
    assertThat(ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains(dir.toString())))
        .isEmpty();
  }

  @Test
  @Order(4)
  void cassandra_exits_by_itself_when_its_parent_is_killed() throws Exception {
    Path dir = TestDirs.fresh("local-cassandra-orphan");
    Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-cp", System.getProperty("java.class.path"),
        LocalCassandraParentMain.class.getName(), dir.toString())
        .redirectErrorStream(true)
        .start();
    try {
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(
            new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
          in.lines().forEach(lines::add);
        } catch (Exception e) {
          // The parent was killed; its output ends here.
        }
      }, "orphan-parent-output");
      reader.setDaemon(true);
      reader.start();
      long readyPid = awaitReady(lines, Duration.ofSeconds(90));

      List<ProcessHandle> descendants = parent.toHandle().descendants().toList();
      ProcessHandle server = descendants.stream().filter(p -> p.pid() == readyPid).findFirst()
          .orElseThrow(() -> new AssertionError("Cassandra pid " + readyPid + " is not a descendant of "
              + parent.pid() + ": " + descendants));
      assertThat(server.info().commandLine().orElse("")).contains(dir.toString());

      parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
      assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> !server.isAlive());
      assertThat(Files.readString(dir.resolve("cassandra.log"))).contains("parent process is gone");
    } finally {
      parent.destroyForcibly();
      parent.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  @Order(5)
  void stop_shuts_cassandra_down_cleanly() {
    ProcessHandle server = ProcessHandle.of(cassandra.pid()).orElseThrow();
    cassandra.stop();
    assertThat(server.isAlive()).isFalse();
    assertThat(cassandra.isRunning()).isFalse();
    assertThat(portOpen(cassandra.host(), cassandra.nativePort())).isFalse();
    // SIGTERM ran Cassandra's own drain; the watchdog did not cut it short.
    assertThat(cassandra.logFile()).content()
        .contains("Cassandra shutdown complete")
        .doesNotContain("parent process is gone");
  }

  private static long awaitReady(BlockingQueue<String> lines, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    StringBuilder seen = new StringBuilder();
    while (System.nanoTime() < deadline) {
      String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (line == null) {
        break;
      }
      seen.append(line).append('\n');
      if (line.startsWith(LocalCassandraParentMain.READY)) {
        return Long.parseLong(line.substring(LocalCassandraParentMain.READY.length()).trim());
      }
    }
    throw new AssertionError("parent did not report READY within " + timeout + "; its output:\n" + seen);
  }
}
