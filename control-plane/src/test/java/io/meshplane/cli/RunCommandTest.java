package io.meshplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.meshplane.config.ClusterJoin;
import io.meshplane.config.NodeSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  void regions_make_the_region_the_pekko_data_center_and_bad_ones_exit_2() {
    NodeSettings single = settings(Map.of(), "--region", "eu");
    assertThat(single.regions()).isEmpty();
    assertThat(single.dataCenter()).as("one region: Pekko's default data center").isEqualTo("default");
    NodeSettings multi = settings(Map.of(), "--regions", "eu,us", "--region", "us");
    assertThat(multi.regions()).containsExactly("eu", "us");
    assertThat(multi.dataCenter()).isEqualTo("us");
    assertThat(settings(Map.of("MESHPLANE_REGIONS", "eu,us", "MESHPLANE_REGION", "eu")).dataCenter()).isEqualTo("eu");

    Result notListed = run("run", "--regions", "eu,us", "--region", "asia");
    assertThat(notListed.code()).isEqualTo(2);
    assertThat(notListed.err()).contains("meshplane.region").contains("asia").contains("[eu, us]");
    assertThat(run("run", "--regions", "eu,EU West", "--region", "eu").err())
        .contains("meshplane.regions").contains("EU West").contains("lower-case");
    assertThat(run("run", "--regions", "eu,eu", "--region", "eu").err()).contains("names a region twice");
  }

  @Test
  void the_takeover_startup_grace_is_60_s_unless_configured_and_a_bad_one_exits_2(@TempDir Path tmp)
      throws Exception {
    assertThat(settings(Map.of()).takeoverStartupGrace()).isEqualTo(java.time.Duration.ofSeconds(60));
    Path none = Files.writeString(tmp.resolve("none.conf"), "meshplane.takeover-startup-grace = 0s");
    assertThat(settings(Map.of("MESHPLANE_CONFIG", none.toString())).takeoverStartupGrace()).isZero();

    Path negative = Files.writeString(tmp.resolve("negative.conf"), "meshplane.takeover-startup-grace = -5s");
    Result r = run("run", "--config", negative.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("meshplane.takeover-startup-grace").contains("negative").contains("0s or more");
    Path word = Files.writeString(tmp.resolve("word.conf"), "meshplane.takeover-startup-grace = soon");
    assertThat(run("run", "--config", word.toString()).err()).contains("meshplane.takeover-startup-grace")
        .contains("soon").contains("not a duration");
  }

  @Test
  void contact_points_make_cassandra_external() {
    NodeSettings s = settings(Map.of(), "--cassandra", "10.0.0.5:9042, 10.0.0.6:9042");
    assertThat(s.cassandraContactPoints()).containsExactly("10.0.0.5:9042", "10.0.0.6:9042");
    assertThat(s.embeddedCassandra()).isFalse();
  }

  @Test
  void bootstrap_without_contact_points_exits_2_naming_the_expected_form() {
    Result r = run("run", "--join", "bootstrap");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--contact-point").contains("none given").contains("host:port");
  }

  @Test
  void a_malformed_contact_point_exits_2_with_an_example() {
    Result r = run("run", "--join", "bootstrap", "--contact-point", "127.0.0.1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'127.0.0.1' is not host:port").contains("for example 127.0.0.1:7626");
    assertThat(run("run", "--join", "bootstrap", "--contact-point", "127.0.0.1:70000").err())
        .contains("'127.0.0.1:70000' is not host:port").contains("1-65535");
  }

  @Test
  void an_unknown_join_mode_or_discovery_method_exits_2_listing_the_known_ones() {
    Result join = run("run", "--join", "gossip");
    assertThat(join.code()).isEqualTo(2);
    assertThat(join.err()).contains("'gossip' is not a join mode").contains("seed-nodes").contains("bootstrap");
    Result discovery = run("run", "--join", "bootstrap", "--discovery", "dns", "--contact-point", "127.0.0.1:7626");
    assertThat(discovery.code()).isEqualTo(2);
    assertThat(discovery.err()).contains("'dns' is not a discovery method").contains("config")
        .contains("kubernetes-api");
  }

  @Test
  void seed_nodes_and_bootstrap_together_exit_2() {
    Result r = run("run", "--join", "bootstrap", "--contact-point", "127.0.0.1:7626",
        "--seed-node", "pekko://meshplane@127.0.0.1:2552");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--seed-node").contains("not both");
    Result cps = run("run", "--contact-point", "127.0.0.1:7626");
    assertThat(cps.code()).isEqualTo(2);
    assertThat(cps.err()).contains("expected --join bootstrap");
  }

  @Test
  void more_required_contact_points_than_listed_exits_2() {
    Result r = run("run", "--join", "bootstrap", "--contact-point", "127.0.0.1:7626", "--contact-point",
        "127.0.0.1:7627", "--required-contact-points", "3");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--required-contact-points").contains("expected at most 2");
  }

  @Test
  void kubernetes_api_discovery_needs_the_replica_count_and_no_contact_points() {
    Result missing = run("run", "--join", "bootstrap", "--discovery", "kubernetes-api");
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("--required-contact-points").contains("replicas");
    Result withList = run("run", "--join", "bootstrap", "--discovery", "kubernetes-api",
        "--required-contact-points", "3", "--contact-point", "127.0.0.1:7626");
    assertThat(withList.code()).isEqualTo(2);
    assertThat(withList.err()).contains("only with --discovery config");
  }

  @Test
  void seed_nodes_are_the_default_join() {
    NodeSettings s = settings(Map.of(), "--seed-node", "pekko://meshplane@10.0.0.5:2552");
    assertThat(s.join()).isEqualTo(new ClusterJoin.SeedNodes(List.of("pekko://meshplane@10.0.0.5:2552")));
    assertThat(settings(Map.of()).join()).isEqualTo(new ClusterJoin.SeedNodes(List.of()));
  }

  @Test
  void bootstrap_with_config_discovery_requires_every_contact_point_by_default() {
    NodeSettings s = settings(Map.of(), "--join", "bootstrap", "--contact-point", "127.0.0.1:7626",
        "--contact-point", "127.0.0.1:7627", "--management-port", "7627", "--bind-host", "127.0.0.1");
    ClusterJoin.Bootstrap b = (ClusterJoin.Bootstrap) s.join();
    assertThat(b.discovery()).isEqualTo(new ClusterJoin.StaticContactPoints(List.of(
        new ClusterJoin.HostPort("127.0.0.1", 7626), new ClusterJoin.HostPort("127.0.0.1", 7627))));
    assertThat(b.requiredContactPoints()).isEqualTo(2);
    assertThat(b.managementPort()).isEqualTo(7627);
    assertThat(b.managementHost()).isEqualTo("127.0.0.1");
    assertThat(b.serviceName()).isEqualTo("meshplane");
  }

  @Test
  void bootstrap_settings_come_through_flags_environment_and_file(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("m.conf"), "meshplane { join = bootstrap, bootstrap { "
        + "discovery = kubernetes-api, required-contact-points = 5, kubernetes.namespace = mesh } }");
    NodeSettings k8s = settings(Map.of("MESHPLANE_CONFIG", file.toString(), "MESHPLANE_REQUIRED_CONTACT_POINTS", "3",
        "MESHPLANE_REMOTING_HOST", "10.1.2.3"), "--pod-label-selector", "app.kubernetes.io/name=%s");
    ClusterJoin.Bootstrap b = (ClusterJoin.Bootstrap) k8s.join();
    assertThat(b.discovery()).isEqualTo(new ClusterJoin.KubernetesApi("app.kubernetes.io/name=%s", "mesh", ""));
    assertThat(b.requiredContactPoints()).isEqualTo(3);
    assertThat(b.managementHost()).isEqualTo("10.1.2.3");
    assertThat(b.managementPort()).isEqualTo(7626);

    NodeSettings env = settings(Map.of("MESHPLANE_JOIN", "bootstrap", "MESHPLANE_CONTACT_POINTS",
        "10.0.0.1:7626, 10.0.0.2:7626,10.0.0.3:7626", "MESHPLANE_MANAGEMENT_PORT", "9000"));
    assertThat(((ClusterJoin.StaticContactPoints) ((ClusterJoin.Bootstrap) env.join()).discovery()).contactPoints())
        .extracting(ClusterJoin.HostPort::toString).containsExactly("10.0.0.1:7626", "10.0.0.2:7626", "10.0.0.3:7626");
    assertThat(((ClusterJoin.Bootstrap) env.join()).managementPort()).isEqualTo(9000);

    NodeSettings flagWins = settings(Map.of("MESHPLANE_JOIN", "bootstrap", "MESHPLANE_CONTACT_POINTS",
        "10.0.0.1:7626,10.0.0.2:7626"), "--contact-point", "127.0.0.1:7700");
    assertThat(((ClusterJoin.StaticContactPoints) ((ClusterJoin.Bootstrap) flagWins.join()).discovery())
        .contactPoints()).containsExactly(new ClusterJoin.HostPort("127.0.0.1", 7700));
  }
}
