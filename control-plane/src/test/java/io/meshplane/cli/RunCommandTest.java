package io.meshplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.meshplane.config.NodeSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunCommandTest {

  record Result(int code, String err) {}

  static Result run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err));
    cl.getSubcommands().get("run").setErr(new PrintWriter(err));
    return new Result(cl.execute(args), err.toString());
  }

  static NodeSettings settings(Map<String, String> env, String... args) {
    RunCommand cmd = new RunCommand();
    new CommandLine(cmd).parseArgs(args);
    Config config = cmd.resolveConfig(env);
    return NodeSettings.from(config);
  }

  @Test
  void an_unknown_flag_exits_2_naming_it() {
    Result r = run("run", "--bogus");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--bogus'");
  }

  @Test
  void a_port_out_of_range_exits_2_with_the_expected_range() {
    Result r = run("run", "--xds-port", "99999");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("meshplane.xds.port").contains("1-65535");
  }

  @Test
  void a_non_numeric_port_exits_2() {
    Result r = run("run", "--admin-port", "http");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--admin-port").contains("http");
  }

  @Test
  void an_unreadable_kubeconfig_exits_2_naming_the_file(@TempDir Path tmp) {
    Result r = run("run", "--kubeconfig", tmp.resolve("missing.yaml").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("missing.yaml").contains("expected");
  }

  @Test
  void a_missing_config_file_exits_2(@TempDir Path tmp) {
    Result r = run("run", "--config", tmp.resolve("nope.conf").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("nope.conf").contains("HOCON");
  }

  @Test
  void a_bad_cluster_id_or_contact_point_exits_2() {
    assertThat(run("run", "--cluster-id", "has space").err()).contains("meshplane.cluster-id");
    assertThat(run("run", "--cassandra", "just-a-host").err()).contains("host:port");
  }

  @Test
  void flags_win_over_environment_which_wins_over_the_file(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("m.conf"),
        "meshplane { cluster-id = from-file, network = net-file, region = region-file }");
    NodeSettings s = settings(Map.of("MESHPLANE_CONFIG", file.toString(), "MESHPLANE_CLUSTER_ID", "from-env",
        "MESHPLANE_NETWORK", "net-env", "MESHPLANE_XDS_PORT", "16000"), "--cluster-id", "from-flag");
    assertThat(s.clusterId()).isEqualTo("from-flag");
    assertThat(s.network()).isEqualTo("net-env");
    assertThat(s.region()).isEqualTo("region-file");
    assertThat(s.xdsPort()).isEqualTo(16000);
    assertThat(s.embeddedCassandra()).isTrue();
  }

  @Test
  void contact_points_make_cassandra_external() {
    NodeSettings s = settings(Map.of(), "--cassandra", "10.0.0.5:9042, 10.0.0.6:9042");
    assertThat(s.cassandraContactPoints()).containsExactly("10.0.0.5:9042", "10.0.0.6:9042");
    assertThat(s.embeddedCassandra()).isFalse();
  }
}
