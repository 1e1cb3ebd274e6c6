package io.meshplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshplane.testing.Ports;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ProxyStatusCommandTest {

  static int run(StringWriter err, String... args) {
    CommandLine cl = Main.commandLine();
    cl.getSubcommands().get("proxy-status").setErr(new PrintWriter(err));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  @Test
  void an_unknown_output_format_exits_2_naming_the_formats() {
    StringWriter err = new StringWriter();
    assertThat(run(err, "proxy-status", "-o", "yaml")).isEqualTo(2);
    assertThat(err.toString()).contains("yaml").contains("table or json");
  }

  @Test
  void an_unreachable_node_exits_1_naming_the_address() {
    StringWriter err = new StringWriter();
    int port = Ports.free();
    assertThat(run(err, "proxy-status", "--admin", "http://127.0.0.1:" + port)).isEqualTo(1);
    assertThat(err.toString()).contains("cannot reach").contains(String.valueOf(port));
  }

  @Test
  void the_table_shows_the_serving_node_or_disconnected_and_each_type() throws Exception {
    String json = """
        [{"proxy":"a","servingNode":"n1","connected":true,"kind":"sidecar","namespace":"default",
          "types":{"CDS":"SYNCED","LDS":"NOT SENT","EDS":"STALE (NACK: bad)","RDS":"SYNCED"}},
         {"proxy":"bb","servingNode":"n2","connected":false,"kind":"proxyless","namespace":"ns",
          "types":{"CDS":"SYNCED","LDS":"SYNCED","EDS":"SYNCED","RDS":"SYNCED"}}]
        """;
    String table = ProxyStatusCommand.table(new ObjectMapper().readTree(json));
    assertThat(table.lines().toList()).hasSize(3);
    assertThat(table.lines().skip(1).findFirst().orElseThrow()).contains("n1").contains("STALE (NACK: bad)");
    assertThat(table).contains("(disconnected)");
  }
}
