package io.meshplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshplane proxy-status}: every proxy of the mesh, which node serves it and whether each
 * xDS type is SYNCED, NOT SENT or STALE, as any control-plane node reports it.
 */
@Command(name = "proxy-status", mixinStandardHelpOptions = true,
    description = "Shows every proxy of the mesh and its sync status, from any control-plane node.")
public final class ProxyStatusCommand implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--admin", paramLabel = "ADDRESS",
      description = "Admin address of any node, host:port or URL (default $MESHPLANE_ADMIN or http://127.0.0.1:15014).")
  String admin;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default) or json.")
  String output = "table";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!output.equals("table") && !output.equals("json")) {
      err.println("meshplane proxy-status: -o " + output + " is not a format; expected table or json");
      return 2;
    }
    URI uri;
    try {
      uri = AdminClient.uri(admin, "/debug/proxy-status");
    } catch (IllegalArgumentException e) {
      err.println("meshplane proxy-status: " + e.getMessage());
      return 2;
    }
    String body;
    try {
      AdminClient.Answer r = AdminClient.get(uri);
      if (r.status() != 200) {
        err.println("meshplane proxy-status: " + uri + " answered " + r.status() + ": " + r.body());
        return 1;
      }
      body = r.body();
    } catch (IOException e) {
      err.println("meshplane proxy-status: cannot reach " + uri + " (" + e + ")");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    if (output.equals("json")) {
      out.println(body);
      return 0;
    }
    try {
      out.print(table(new ObjectMapper().readTree(body)));
    } catch (IOException e) {
      err.println("meshplane proxy-status: unexpected answer from " + uri + ": " + e.getMessage());
      return 1;
    }
    out.flush();
    return 0;
  }

  /** Renders the rows as an aligned text table. */
  static String table(JsonNode rows) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"PROXY", "NODE", "KIND", "NAMESPACE", "CDS", "LDS", "EDS", "RDS"});
    for (JsonNode r : rows) {
      JsonNode t = r.path("types");
      lines.add(new String[] {r.path("proxy").asText(),
          r.path("connected").asBoolean() ? r.path("servingNode").asText() : "(disconnected)",
          r.path("kind").asText(), r.path("namespace").asText(), t.path("CDS").asText(), t.path("LDS").asText(),
          t.path("EDS").asText(), t.path("RDS").asText()});
    }
    return TextTable.render(lines);
  }
}
