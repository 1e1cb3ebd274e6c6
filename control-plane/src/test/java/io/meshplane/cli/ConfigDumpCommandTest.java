package io.meshplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.meshplane.testing.Ports;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConfigDumpCommandTest {

  static final String DUMP = """
      {"proxy":"web-1","streams":[{"servingNode":"node-b","stream":"xds-sotw-3","mode":"SOTW",
        "configs":[
          {"typeUrl":"type.googleapis.com/envoy.config.cluster.v3.Cluster","type":"CDS","status":"ACKED",
           "versionInfo":"c1","nonce":"1","sentAt":"2025-03-01T12:00:00Z","ackedVersion":"c1",
           "subscription":{"wildcard":true,"names":[]},"resources":[{"name":"a"},{"name":"b"}]},
          {"typeUrl":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","type":"EDS",
           "status":"NACKED","versionInfo":"e2","nonce":"4","sentAt":"2025-03-01T12:00:01Z","ackedVersion":"e1",
           "nack":{"versionInfo":"e2","nonce":"4","error":"bad endpoint"},
           "subscription":{"wildcard":false,"names":["a"]},"resources":[{"name":"a"}],"omittedResources":2}]}],
       "note":"some resources are omitted","unansweredNodes":["pekko://meshplane@127.0.0.1:2553"]}
      """;

  /** Paths the fake admin API was asked for, raw (still percent-encoded). */
  final List<String> asked = new CopyOnWriteArrayList<>();
  HttpServer admin;

  /** A real HTTP server on loopback that answers config dumps: 404 for "nobody", else DUMP. */
  String startAdmin() throws IOException {
    admin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    admin.createContext("/debug/config-dump/", exchange -> {
      String path = exchange.getRequestURI().getRawPath();
      asked.add(path);
      boolean unknown = path.endsWith("/nobody");
      byte[] body = (unknown ? "proxy nobody is not connected to any node (3 asked)\n" : DUMP)
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(unknown ? 404 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    admin.start();
    return "127.0.0.1:" + admin.getAddress().getPort();
  }

  @AfterEach
  void stopAdmin() {
    if (admin != null) {
      admin.stop(0);
    }
  }

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    // Set on the root: picocli hands both writers down to every subcommand.
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void a_missing_proxy_id_exits_2_naming_it() {
    Run r = run("config-dump");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("PROXY_ID");
  }

  @Test
  void an_id_that_cannot_be_a_node_id_exits_2_saying_what_was_expected() {
    Run r = run("config-dump", "web 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'web 1'").contains("printable ASCII without spaces");
    assertThat(run("config-dump", "x".repeat(257)).err()).contains("at most 256");
    assertThat(run("config-dump", "").err()).contains("the proxy id is empty");
  }

  @Test
  void an_unknown_output_format_exits_2_naming_the_formats() {
    Run r = run("config-dump", "web-1", "-o", "xml");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("-o xml").contains("json, yaml or summary");
  }

  @Test
  void a_bad_admin_address_exits_2_with_the_expected_form() {
    Run r = run("config-dump", "web-1", "--admin", "http://");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--admin http://").contains("expected host:port or a URL");
  }

  @Test
  void an_unreachable_node_exits_1_naming_the_address() {
    int port = Ports.free();
    Run r = run("config-dump", "web-1", "--admin", "127.0.0.1:" + port);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach").contains(String.valueOf(port));
  }

  @Test
  void an_unknown_proxy_exits_1_saying_it_is_not_connected() throws Exception {
    Run r = run("config-dump", "nobody", "--admin", startAdmin());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("proxy nobody is not connected to any node");
  }

  @Test
  void json_is_the_admin_api_answer_and_the_id_is_one_encoded_path_segment() throws Exception {
    String address = startAdmin();
    Run r = run("config-dump", "router~10.0.0.9~gw/1?x#y%z.ns~ns.svc.cluster.local", "--admin", "http://" + address + "/");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(new ObjectMapper().readTree(r.out())).isEqualTo(new ObjectMapper().readTree(DUMP));
    assertThat(asked).containsExactly(
        "/debug/config-dump/router%7E10.0.0.9%7Egw%2F1%3Fx%23y%25z.ns%7Ens.svc.cluster.local");
  }

  @Test
  void yaml_holds_the_same_dump() throws Exception {
    Run r = run("config-dump", "web-1", "--admin", startAdmin(), "-o", "yaml");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("servingNode: \"node-b\"").contains("error: \"bad endpoint\"");
  }

  @Test
  void the_summary_has_a_line_per_stream_and_type_with_the_nack_error_and_omissions() throws Exception {
    Run r = run("config-dump", "web-1", "--admin", startAdmin(), "-o", "summary");
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).startsWith("NODE").contains("STATUS").contains("RESOURCES");
    assertThat(lines.get(1)).startsWith("node-b").contains("xds-sotw-3").contains("CDS").contains("ACKED")
        .contains("c1").endsWith("2");
    assertThat(lines.get(2)).contains("EDS").contains("NACKED (bad endpoint)").contains("e2")
        .endsWith("1 (+2 omitted)");
    assertThat(lines).contains("note: some resources are omitted", "no answer from pekko://meshplane@127.0.0.1:2553");
  }
}
