package io.meshplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meshplane.model.ProxyNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshplane config-dump <proxy-id>}: what one proxy was last sent, per stream and xDS type
 * (version, nonce, time, ACK or NACK, and the resources), from any control-plane node, whichever
 * node the proxy is connected to.
 */
@Command(name = "config-dump", mixinStandardHelpOptions = true,
    description = "Shows what one proxy was last sent (per xDS type: version, nonce, ACK or NACK, resources), "
        + "from any control-plane node.")
public final class ConfigDumpCommand implements Callable<Integer> {

  private static final Set<String> FORMATS = Set.of("json", "yaml", "summary");

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "PROXY_ID", description = "The proxy's node.id.")
  String proxyId;

  @Option(names = "--admin", paramLabel = "ADDRESS",
      description = "Admin address of any node, host:port or URL (default $MESHPLANE_ADMIN or http://127.0.0.1:15014).")
  String admin;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
      description = "json (default: the admin API's answer), yaml, or summary (a table per stream and type).")
  String output = "json";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!FORMATS.contains(output)) {
      err.println("meshplane config-dump: -o " + output + " is not a format; expected json, yaml or summary");
      return 2;
    }
    Optional<String> badId = checkId(proxyId);
    if (badId.isPresent()) {
      err.println("meshplane config-dump: " + badId.get());
      return 2;
    }
    URI uri;
    try {
      uri = AdminClient.uri(admin, "/debug/config-dump/" + AdminClient.segment(proxyId));
    } catch (IllegalArgumentException e) {
      err.println("meshplane config-dump: " + e.getMessage());
      return 2;
    }
    AdminClient.Answer answer;
    try {
      answer = AdminClient.get(uri);
    } catch (IOException e) {
      err.println("meshplane config-dump: cannot reach " + uri + " (" + e + ")");
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
    if (answer.status() == 404) {
      err.println("meshplane config-dump: proxy " + proxyId + " is not connected to any node");
      return 1;
    }
    if (answer.status() != 200) {
      err.println("meshplane config-dump: " + uri + " answered " + answer.status() + ": " + answer.body().strip());
      return 1;
    }
    if (output.equals("json")) {
      out.println(answer.body());
      out.flush();
      return 0;
    }
    try {
      JsonNode dump = new ObjectMapper().readTree(answer.body());
      out.print(output.equals("yaml") ? new YAMLMapper().writeValueAsString(dump) : summary(dump));
    } catch (IOException e) {
      err.println("meshplane config-dump: unexpected answer from " + uri + ": " + e.getMessage());
      return 1;
    }
    out.flush();
    return 0;
  }

  /** Why {@code id} cannot be a proxy id (the rules of node.id), if it cannot. */
  static Optional<String> checkId(String id) {
    if (id.isEmpty()) {
      return Optional.of("the proxy id is empty; expected the proxy's node.id");
    }
    if (id.length() > ProxyNode.MAX_ID_LENGTH) {
      return Optional.of("the proxy id is " + id.length() + " characters; expected at most " + ProxyNode.MAX_ID_LENGTH);
    }
    if (!id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return Optional.of("the proxy id '" + id + "' has whitespace or non-ASCII characters; expected a node.id "
          + "(printable ASCII without spaces)");
    }
    return Optional.empty();
  }

  /** One line per stream and type: node, stream, type, status (with the NACK error), version, nonce, resources. */
  static String summary(JsonNode dump) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"NODE", "STREAM", "TYPE", "STATUS", "VERSION", "NONCE", "SENT", "RESOURCES"});
    for (JsonNode s : dump.path("streams")) {
      for (JsonNode c : s.path("configs")) {
        String status = c.path("status").asText();
        if (c.has("nack")) {
          status += " (" + c.path("nack").path("error").asText() + ")";
        }
        String resources = String.valueOf(c.path("resources").size());
        if (c.has("omittedResources")) {
          resources += " (+" + c.path("omittedResources").asInt() + " omitted)";
        }
        lines.add(new String[] {s.path("servingNode").asText(), s.path("stream").asText(), c.path("type").asText(),
            status, c.path("versionInfo").asText(), c.path("nonce").asText(), c.path("sentAt").asText("-"),
            resources});
      }
    }
    StringBuilder b = new StringBuilder(TextTable.render(lines));
    if (dump.has("note")) {
      b.append("note: ").append(dump.path("note").asText()).append('\n');
    }
    for (JsonNode node : dump.path("unansweredNodes")) {
      b.append("no answer from ").append(node.asText()).append('\n');
    }
    return b.toString();
  }
}
