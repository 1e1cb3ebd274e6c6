package io.meshplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.xds.generator.ResourceNames.HostPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourceNamesTest {

  private static final String HOST = "greeter.demo.svc.cluster.local";

  @Test
  void names_follow_the_grpc_and_istio_conventions() {
    assertThat(ResourceNames.listener(HOST, 50051)).isEqualTo("greeter.demo.svc.cluster.local:50051");
    assertThat(ResourceNames.route(HOST, 50051)).isEqualTo("greeter.demo.svc.cluster.local:50051");
    assertThat(ResourceNames.cluster(HOST, 50051)).isEqualTo("outbound|50051||greeter.demo.svc.cluster.local");
    assertThat(ResourceNames.clusterLoadAssignment(HOST, 50051))
        .isEqualTo("outbound|50051||greeter.demo.svc.cluster.local");
    assertThat(ResourceNames.listenerAliases("greeter", "demo", 80))
        .containsExactly("greeter.demo.svc:80", "greeter.demo:80", "greeter:80");
  }

  @Test
  void full_listener_names_parse_to_hostname_and_port() {
    assertThat(ResourceNames.parseListener(HOST + ":50051")).contains(new HostPort(HOST, 50051));
    assertThat(ResourceNames.parseListener("api.example.com:443")).contains(new HostPort("api.example.com", 443));
    assertThat(ResourceNames.parseListener("a_b.c-d.svc.cluster.local:1"))
        .contains(new HostPort("a_b.c-d.svc.cluster.local", 1));
    assertThat(ResourceNames.parseListener(HOST + ":65535")).contains(new HostPort(HOST, 65535));
  }

  @Test
  void short_listener_names_expand_to_the_full_hostname() {
    assertThat(ResourceNames.parseListener("greeter.demo:50051")).contains(new HostPort(HOST, 50051));
    assertThat(ResourceNames.parseListener("greeter.demo.svc:50051")).contains(new HostPort(HOST, 50051));
    for (String alias : ResourceNames.listenerAliases("greeter", "demo", 8080)) {
      assertThat(ResourceNames.parseListener(alias, "demo")).as(alias).contains(new HostPort(HOST, 8080));
    }
  }

  @Test
  void bare_listener_names_expand_only_with_the_proxy_namespace() {
    assertThat(ResourceNames.parseListener("greeter:50051")).isEmpty();
    assertThat(ResourceNames.parseListener("greeter:50051", "demo")).contains(new HostPort(HOST, 50051));
    assertThat(ResourceNames.parseListener("greeter:50051", "other"))
        .contains(new HostPort("greeter.other.svc.cluster.local", 50051));
    assertThat(ResourceNames.parseListener("greeter:50051", "a.b")).isEmpty();
    assertThat(ResourceNames.parseListener("greeter:50051", "bad ns")).isEmpty();
    assertThat(ResourceNames.parseListener("greeter:50051", "")).isEmpty();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
      "greeter.demo", ":80", "greeter.demo:", "greeter.demo:0", "greeter.demo:65536", "greeter.demo:99999999999",
      "greeter.demo:-1", "greeter.demo:+80", "greeter.demo:080", "greeter.demo:8o", "greeter.demo: 80",
      "greeter demo:80", "gr\u00e9eter.demo:80", "greeter/demo:80", "greeter.demo:80:80", "[::1]:80",
      ".demo:80", "greeter.:80", "greeter..demo:80", "*:80", "greeter.demo\n:80", "greeter.demo:80\u0000"})
  void garbage_listener_names_parse_to_empty(String name) {
    assertThat(ResourceNames.parseListener(name)).isEmpty();
    assertThat(ResourceNames.parseListener(name, "demo")).isEmpty();
  }

  @Test
  void names_longer_than_the_limit_parse_to_empty() {
    String longest = "a".repeat(ResourceNames.MAX_NAME_LENGTH - 9) + ".b.c.d:80";
    assertThat(longest).hasSize(ResourceNames.MAX_NAME_LENGTH);
    assertThat(ResourceNames.parseListener(longest)).isPresent();
    assertThat(ResourceNames.parseListener("a" + longest)).isEmpty();
    assertThat(ResourceNames.parseCluster("outbound|80||" + "a".repeat(ResourceNames.MAX_NAME_LENGTH))).isEmpty();
  }

  @Test
  void cluster_names_round_trip() {
    assertThat(ResourceNames.parseCluster(ResourceNames.cluster(HOST, 50051))).contains(new HostPort(HOST, 50051));
    assertThat(ResourceNames.parseCluster("outbound|1||api.example.com")).contains(new HostPort("api.example.com", 1));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
      "outbound", "outbound|", "outbound|80|", "outbound|80||", "outbound||" + HOST, "outbound|||" + HOST,
      "outbound|0||" + HOST, "outbound|65536||" + HOST, "outbound|08||" + HOST, "outbound|80|v1|" + HOST,
      "inbound|80||" + HOST, "OUTBOUND|80||" + HOST, "outbound|80||" + HOST + "|x", "outbound|80||greeter demo",
      "outbound|80||..", HOST + ":80", " outbound|80||" + HOST})
  void garbage_cluster_names_parse_to_empty(String name) {
    assertThat(ResourceNames.parseCluster(name)).isEmpty();
  }
}
