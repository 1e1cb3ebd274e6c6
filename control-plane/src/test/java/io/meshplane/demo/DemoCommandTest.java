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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {

  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return Main.commandLine().setOut(new PrintWriter(new StringWriter(), true)).setErr(new PrintWriter(err, true))
        .execute(args);
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
    int port = LocalPorts.free("127.0.0.1");
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

  private static void writeInfo(Path dir) {
    writeInfo(dir, ProcessHandle.current().pid());
  }

  private static void writeInfo(Path dir, long pid) {
    List<DemoInfo.Backend> backends = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      backends.add(new DemoInfo.Backend(GreeterBackends.name(i), GreeterBackends.address(i), 40000, i < 3));
    }
    new DemoInfo(pid, "127.0.0.1:1", "127.0.0.1:2", "m", "s", "k", "http://127.0.0.1:9", "t", "b", "l", backends,
        List.of()).write(dir);
  }
}
