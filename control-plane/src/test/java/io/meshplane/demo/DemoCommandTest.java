package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private final List<Process> standIns = new ArrayList<>();

  @AfterEach
  void stopStandIns() {
    standIns.forEach(Process::destroyForcibly);
  }

  private int run(String... args) {
    return Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
  }

  /** A real process standing in for a demo node, so that kill-node has something to kill. */
  private Process standInNode() throws IOException {
    Process p = new ProcessBuilder("sleep", "600").start();
    standIns.add(p);
    return p;
  }

  @Test
  void rejects_a_node_count_out_of_range_or_not_a_number() {
    assertThat(run("demo", "--duration", "5", "--nodes", "0")).isEqualTo(2);
    assertThat(run("demo", "--duration", "5", "--nodes", "6")).isEqualTo(2);
    assertThat(run("demo", "--duration", "5", "--nodes", "three")).isEqualTo(2);
    assertThat(err.toString()).contains("--nodes 0: expected a number of control-plane nodes, 1-5",
        "--nodes 6: expected a number of control-plane nodes, 1-5",
        "--nodes three: expected a number of control-plane nodes, 1-5");
  }

  @Test
  void kill_node_rejects_a_node_that_is_not_a_number_or_out_of_range(@TempDir Path tmp) {
    writeInfo(tmp);
    assertThat(run("demo", "kill-node", "two", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "kill-node", "0", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "kill-node", "4", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "kill-node", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("node 'two': expected a node number, 1 for node-1 and so on",
        "node '0': expected a node number", "node 4: expected a node number 1-3 (this demo runs 3 nodes)",
        "Missing required parameter: 'N'");
  }

  @Test
  void kill_node_kills_the_node_with_sigkill(@TempDir Path tmp) throws Exception {
    Process node = standInNode();
    writeInfo(tmp, ProcessHandle.current().pid(), List.of(node(1, ProcessHandle.current()), node(2, node.toHandle()),
        node(3, ProcessHandle.current())));

    assertThat(run("demo", "kill-node", "2", "--dir", tmp.toString())).as("err: %s", err).isZero();

    assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(node.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    assertThat(out.toString()).contains("killed node-2 (pid " + node.pid() + ", xDS 127.0.0.1:2002) with SIGKILL",
        "start it again with: ./meshplane demo start-node 2 --dir " + tmp);
  }

  @Test
  void kill_node_leaves_a_process_alone_that_only_reuses_the_pid(@TempDir Path tmp) throws Exception {
    Process other = standInNode();
    DemoInfo.Node stale = new DemoInfo.Node(2, "node-2", other.pid(),
        other.toHandle().info().startInstant().orElseThrow().minusSeconds(3600).toString(), "127.0.0.1:2002",
        "127.0.0.1:3002", "127.0.0.1:4002", "node-2.log", "");
    writeInfo(tmp, ProcessHandle.current().pid(), List.of(node(1, ProcessHandle.current()), stale,
        node(3, ProcessHandle.current())));

    assertThat(run("demo", "kill-node", "2", "--dir", tmp.toString())).isEqualTo(1);

    assertThat(err.toString()).contains("node-2 (pid " + other.pid() + ") is not running; start it again with: "
        + "./meshplane demo start-node 2");
    assertThat(other.isAlive()).as("a process that is not the node is not killed").isTrue();
  }

  @Test
  void kill_node_without_a_running_demo_says_so(@TempDir Path tmp) {
    assertThat(run("demo", "kill-node", "1", "--dir", tmp.toString())).isEqualTo(1);
    writeInfo(tmp, ProcessHandle.current().pid() + 1_000_000);
    assertThat(run("demo", "kill-node", "1", "--dir", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("is a demo running there?", "is no longer running, nor are its nodes");
  }

  @Test
  void start_node_rejects_bad_arguments_and_a_node_that_runs(@TempDir Path tmp) {
    writeInfo(tmp);
    assertThat(run("demo", "start-node", "x", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "start-node", "9", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "start-node", "1", "--timeout", "0", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "start-node", "1", "--dir", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("node 'x': expected a node number",
        "node 9: expected a node number 1-3 (this demo runs 3 nodes)",
        "--timeout 0: expected a number of seconds, at least 1",
        "node-1 is already running (pid " + ProcessHandle.current().pid() + ")");
    assertThat(NodeRequests.pending(tmp, 1)).as("no request for a running node").isFalse();
  }

  @Test
  void start_node_asks_the_demo_and_gives_up_with_a_reason_when_nobody_answers(@TempDir Path tmp) throws Exception {
    Process gone = standInNode();
    DemoInfo.Node killed = node(2, gone.toHandle());
    gone.destroyForcibly().waitFor();
    writeInfo(tmp, ProcessHandle.current().pid(), List.of(node(1, ProcessHandle.current()), killed,
        node(3, ProcessHandle.current())));

    assertThat(run("demo", "start-node", "2", "--timeout", "1", "--dir", tmp.toString())).isEqualTo(1);

    assertThat(NodeRequests.takeStartRequests(tmp)).as("the request the demo would take").containsExactly(2);
    assertThat(out.toString()).contains("asked the demo to start node-2");
    assertThat(err.toString()).contains("node-2 is not back after 1 s: the demo (pid "
        + ProcessHandle.current().pid() + ") did not take the request; is it still running?");
  }

  @Test
  void start_node_reports_why_the_demo_could_not_start_the_node(@TempDir Path tmp) throws Exception {
    Process gone = standInNode();
    DemoInfo.Node killed = node(2, gone.toHandle());
    gone.destroyForcibly().waitFor();
    writeInfo(tmp, ProcessHandle.current().pid(), List.of(node(1, ProcessHandle.current()), killed,
        node(3, ProcessHandle.current())));
    // The demo's side, run by hand: it takes the request and fails.
    Thread demo = new Thread(() -> {
      while (NodeRequests.takeStartRequests(tmp).isEmpty()) {
        Thread.onSpinWait();
      }
      NodeRequests.failed(tmp, 2, "port 2002 is taken");
    });
    demo.setDaemon(true);
    demo.start();

    assertThat(run("demo", "start-node", "2", "--timeout", "30", "--dir", tmp.toString())).isEqualTo(1);

    assertThat(err.toString()).contains("the demo could not start node-2: port 2002 is taken");
  }

  @Test
  void rejects_a_duration_below_one_second() {
    assertThat(run("demo", "--duration", "0")).isEqualTo(2);
    assertThat(err.toString()).contains("--duration 0: expected a number of seconds, at least 1");
  }

  @Test
  void rejects_a_port_out_of_range() {
    assertThat(run("demo", "--duration", "5", "--xds-port", "70000")).isEqualTo(2);
    assertThat(err.toString()).contains("--xds-port 70000: expected a port number 1-65535");
  }

  @Test
  void rejects_equal_xds_and_admin_ports() {
    int port = LocalPorts.free();
    assertThat(run("demo", "--duration", "5", "--xds-port", "" + port, "--admin-port", "" + port)).isEqualTo(2);
    assertThat(err.toString()).contains("the xDS and admin ports must differ");
  }

  @Test
  void rejects_a_port_already_in_use() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(run("demo", "--duration", "5", "--admin-port", "" + busy.getLocalPort())).isEqualTo(2);
    }
    assertThat(err.toString()).contains("something already listens on that port");
  }

  @Test
  void rejects_a_dir_that_is_a_file(@TempDir Path tmp) throws IOException {
    Path file = Files.writeString(tmp.resolve("file"), "x");
    assertThat(run("demo", "--duration", "5", "--dir", file.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("exists and is not a directory");
  }

  @Test
  void endpoints_rejects_an_unknown_action_and_backend(@TempDir Path tmp) {
    writeInfo(tmp);
    assertThat(run("demo", "endpoints", "frobnicate", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "endpoints", "add", "greeter-9", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "endpoints", "remove", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("unknown action 'frobnicate'; expected one of [list, add, remove]",
        "unknown backend 'greeter-9'; expected one of greeter-1, greeter-2, greeter-3",
        "remove needs a backend; expected one of greeter-1, greeter-2, greeter-3");
  }

  @Test
  void endpoints_without_a_running_demo_says_so(@TempDir Path tmp) {
    assertThat(run("demo", "endpoints", "list", "--dir", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("demo.json", "is a demo running there?");
  }

  @Test
  void endpoints_of_a_demo_that_is_gone_says_so(@TempDir Path tmp) {
    long gone = ProcessHandle.current().pid() + 1_000_000;
    writeInfo(tmp, gone);
    assertThat(run("demo", "endpoints", "list", "--dir", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("(pid " + gone + ") is no longer running");
  }

  @Test
  void rejects_a_region_count_other_than_one_or_two() {
    assertThat(run("demo", "--duration", "5", "--regions", "3")).isEqualTo(2);
    assertThat(run("demo", "--duration", "5", "--regions", "0")).isEqualTo(2);
    assertThat(run("demo", "--duration", "5", "--regions", "two")).isEqualTo(2);
    assertThat(err.toString()).contains("--regions 3: expected 1 (one region) or 2 (regions eu and us)",
        "--regions 0: expected 1 (one region) or 2 (regions eu and us)",
        "--regions two: expected 1 (one region) or 2 (regions eu and us)");
  }

  @Test
  void rejects_more_than_three_nodes_per_region_with_two_regions() {
    assertThat(run("demo", "--duration", "5", "--regions", "2", "--nodes", "4")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--nodes 4: expected a number of control-plane nodes, 1-3 per region with --regions 2");
  }

  @Test
  void kill_region_rejects_an_unknown_region_and_a_demo_of_one_region(@TempDir Path tmp, @TempDir Path single) {
    ProcessHandle self = ProcessHandle.current();
    writeRegionsInfo(tmp, List.of(node(1, self, "eu"), node(2, self, "us")));
    writeInfo(single);

    assertThat(run("demo", "kill-region", "asia", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "kill-region", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "kill-region", "eu", "--dir", single.toString())).isEqualTo(2);
    assertThat(run("demo", "start-region", "asia", "--dir", tmp.toString())).isEqualTo(2);
    assertThat(run("demo", "start-region", "eu", "--timeout", "0", "--dir", tmp.toString())).isEqualTo(2);

    assertThat(err.toString()).contains("region 'asia': expected one of eu, us (the regions of this demo)",
        "Missing required parameter: 'R'",
        "region 'eu': this demo runs a single region; start one with two regions (eu, us) with: ./meshplane demo "
            + "--regions 2",
        "--timeout 0: expected a number of seconds, at least 1");
  }

  @Test
  void kill_region_kills_every_node_of_the_region_with_sigkill_and_no_other(@TempDir Path tmp) throws Exception {
    Process eu1 = standInNode();
    Process eu2 = standInNode();
    Process us1 = standInNode();
    writeRegionsInfo(tmp, List.of(node(1, eu1.toHandle(), "eu"), node(2, eu2.toHandle(), "eu"),
        node(3, us1.toHandle(), "us")));

    assertThat(run("demo", "kill-region", "eu", "--dir", tmp.toString())).as("err: %s", err).isZero();

    assertThat(eu1.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(eu2.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(eu1.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    assertThat(eu2.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    assertThat(us1.isAlive()).as("the other region's node lives on").isTrue();
    assertThat(out.toString()).contains("killed node-1 (eu) (pid " + eu1.pid() + ", xDS 127.0.0.1:2001) with SIGKILL",
        "killed node-2 (eu) (pid " + eu2.pid() + ", xDS 127.0.0.1:2002) with SIGKILL",
        "region eu is down", "us taking over the watch of demo",
        "start it again with: ./meshplane demo start-region eu --dir " + tmp);

    assertThat(run("demo", "kill-region", "eu", "--dir", tmp.toString())).as("nothing left to kill").isEqualTo(1);
    assertThat(err.toString()).contains("no node of region eu is running; start its nodes again with: "
        + "./meshplane demo start-region eu --dir " + tmp);
  }

  @Test
  void kill_region_with_cassandra_kills_the_region_s_cassandra_node_too(@TempDir Path tmp) throws Exception {
    Process node = standInNode();
    Process cassandra = standInNode();
    ProcessHandle self = ProcessHandle.current();
    writeInfo(tmp, self.pid(), List.of(node(1, node.toHandle(), "eu"), node(2, self, "us")),
        List.of(region("eu", cassandra.toHandle(), "demo"), region("us", self, "demo-west")));

    assertThat(run("demo", "kill-region", "eu", "--cassandra", "--dir", tmp.toString())).as("err: %s", err).isZero();

    assertThat(cassandra.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(cassandra.exitValue()).isEqualTo(137);
    assertThat(node.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(out.toString()).contains("killed the Cassandra node of eu (pid " + cassandra.pid() + ", 127.0.0.1:9042)");
    assertThat(run("demo", "start-region", "eu", "--dir", tmp.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("the Cassandra node of region eu (pid " + cassandra.pid() + ") is not running");
    assertThat(NodeRequests.pending(tmp, 1)).as("no request the demo could not serve").isFalse();
  }

  @Test
  void start_region_asks_for_every_stopped_node_of_the_region_and_refuses_a_running_region(@TempDir Path tmp)
      throws Exception {
    Process gone1 = standInNode();
    Process gone2 = standInNode();
    ProcessHandle self = ProcessHandle.current();
    List<DemoInfo.Node> nodes = List.of(node(1, gone1.toHandle(), "eu"), node(2, gone2.toHandle(), "eu"),
        node(3, self, "us"), node(4, self, "us"));
    gone1.destroyForcibly().waitFor();
    gone2.destroyForcibly().waitFor();
    writeRegionsInfo(tmp, nodes);

    assertThat(run("demo", "start-region", "us", "--dir", tmp.toString())).isEqualTo(1);
    assertThat(run("demo", "start-region", "eu", "--timeout", "1", "--dir", tmp.toString())).isEqualTo(1);

    assertThat(NodeRequests.takeStartRequests(tmp)).as("the requests the demo would take").containsExactly(1, 2);
    assertThat(out.toString()).contains("asked the demo to start node-1, node-2 of region eu");
    assertThat(err.toString()).contains("every node of region us is already running; stop them first with: "
            + "./meshplane demo kill-region us",
        "node-1, node-2 are not back after 1 s: node-1: the demo (pid " + self.pid() + ") did not take the request");
  }

  private static DemoInfo.Node node(int index, ProcessHandle process) {
    return node(index, process, "");
  }

  private static DemoInfo.Node node(int index, ProcessHandle process, String region) {
    return new DemoInfo.Node(index, "node-" + index, process.pid(),
        process.info().startInstant().orElseThrow().toString(), "127.0.0.1:200" + index, "127.0.0.1:300" + index,
        "127.0.0.1:400" + index, "node-" + index + ".log", region);
  }

  private static DemoInfo.Region region(String name, ProcessHandle cassandra, String homeOf) {
    return new DemoInfo.Region(name, "127.0.0.1:1" + name.length(), DemoRegions.cassandraHost(name) + ":9042",
        cassandra.pid(), cassandra.info().startInstant().orElseThrow().toString(), List.of(homeOf));
  }

  /** A two-region demo (this JVM standing in for it and both Cassandra nodes) with the given nodes. */
  private static void writeRegionsInfo(Path dir, List<DemoInfo.Node> nodes) {
    ProcessHandle self = ProcessHandle.current();
    writeInfo(dir, self.pid(), nodes, List.of(region("eu", self, "demo"), region("us", self, "demo-west")));
  }

  private static void writeInfo(Path dir) {
    writeInfo(dir, ProcessHandle.current().pid());
  }

  private static void writeInfo(Path dir, long pid) {
    ProcessHandle self = ProcessHandle.current();
    writeInfo(dir, pid, List.of(node(1, self), node(2, self), node(3, self)));
  }

  private static void writeInfo(Path dir, long pid, List<DemoInfo.Node> nodes) {
    writeInfo(dir, pid, nodes, List.of());
  }

  private static void writeInfo(Path dir, long pid, List<DemoInfo.Node> nodes, List<DemoInfo.Region> regions) {
    List<DemoInfo.Backend> backends = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      backends.add(new DemoInfo.Backend(GreeterBackends.name(i), GreeterBackends.address(i), 40000, i < 3));
    }
    new DemoInfo(pid, "127.0.0.1:1", "127.0.0.1:2", "m", "s", "k", "http://127.0.0.1:9", "t", "b", "l", backends,
        List.of(), "127.0.0.1:1", nodes, regions).write(dir);
  }
}
