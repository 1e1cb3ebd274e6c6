package io.meshplane.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshplane.model.ProxyNode;
import io.meshplane.xds.ProxyStreams;
import io.meshplane.xds.StreamDump;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.TypeUrls;
import java.time.Instant;
import java.util.Base64;

/**
 * Renders a {@link ConfigDumpReport.Result} as JSON in the spirit of Envoy's {@code config_dump}:
 * per stream of the proxy and per type URL, the last response's version_info, nonce and time, the
 * proxy's ACK or NACK, and the resources it holds in proto3 JSON ({@code "@type"} for each
 * {@code Any}). Every message type Meshplane's generators pack into a resource is in
 * {@link #TYPES}; a resource of another type is shown as base64 with the reason.
 *
 * <p>Stateless and thread-safe.
 */
final class ConfigDumpJson {

  /** The resource types and every type packed inside them (HCM, its router filter, upstream options). */
  static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(Listener.getDescriptor())
      .add(RouteConfiguration.getDescriptor())
      .add(Cluster.getDescriptor())
      .add(ClusterLoadAssignment.getDescriptor())
      .add(HttpConnectionManager.getDescriptor())
      .add(Router.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .build();

  private final ObjectMapper json;
  private final JsonFormat.Printer printer = JsonFormat.printer().usingTypeRegistry(TYPES)
      .omittingInsignificantWhitespace();

  ConfigDumpJson(ObjectMapper json) {
    this.json = json;
  }

  ObjectNode render(ConfigDumpReport.Result result) {
    ObjectNode root = json.createObjectNode();
    root.put("proxy", result.proxyId());
    ArrayNode streams = root.putArray("streams");
    boolean omitted = false;
    for (ProxyStreams.ConfigDump answer : result.answers()) {
      for (StreamDump s : answer.streams()) {
        ObjectNode stream = streams.addObject();
        stream.put("servingNode", answer.servingNode());
        stream.put("stream", s.stream());
        stream.put("mode", s.mode().name());
        time(stream, "connectedAt", s.connectedAtMillis());
        node(stream.putObject("node"), s.node());
        ArrayNode configs = stream.putArray("configs");
        for (StreamDump.TypeDump t : s.types()) {
          omitted |= t.sent().omitted() > 0 || t.subscription().omitted() > 0;
          config(configs.addObject(), t);
        }
      }
    }
    if (omitted) {
      root.put("note", "some subscribed names or resources are omitted: a node's answer to another node is "
          + "bounded to " + ConfigDumpReport.REMOTE_BYTES / 1024 + " KiB; the serving node's own admin API "
          + "(/debug/config-dump/<proxy>) gives the whole dump");
    }
    if (!result.unanswered().isEmpty()) {
      root.set("unansweredNodes", json.valueToTree(result.unanswered()));
    }
    return root;
  }

  private void config(ObjectNode c, StreamDump.TypeDump t) {
    c.put("typeUrl", t.typeUrl());
    c.put("type", TypeUrls.shortName(t.typeUrl()));
    c.put("status", t.state().name());
    StreamDump.Sent sent = t.sent();
    c.put("versionInfo", sent.version());
    c.put("nonce", sent.nonce());
    time(c, "sentAt", sent.atMillis());
    t.acked().ifPresent(a -> {
      c.put("ackedVersion", a.version());
      time(c, "ackedAt", a.atMillis());
    });
    t.rejected().ifPresent(n -> {
      ObjectNode nack = c.putObject("nack");
      nack.put("versionInfo", n.version());
      nack.put("nonce", n.nonce());
      nack.put("error", n.error());
      time(nack, "at", n.atMillis());
    });
    ObjectNode sub = c.putObject("subscription");
    sub.put("wildcard", t.subscription().wildcard());
    sub.set("names", json.valueToTree(t.subscription().names()));
    if (t.subscription().omitted() > 0) {
      sub.put("omittedNames", t.subscription().omitted());
    }
    ArrayNode resources = c.putArray("resources");
    for (Resource r : sent.resources()) {
      ObjectNode resource = resources.addObject();
      resource.put("name", r.name());
      resource.put("version", r.version());
      resource.set("resource", body(r.body()));
    }
    if (sent.omitted() > 0) {
      c.put("omittedResources", sent.omitted());
    }
  }

  private ObjectNode body(Any any) {
    try {
      return (ObjectNode) json.readTree(printer.print(any));
    } catch (InvalidProtocolBufferException e) {
      ObjectNode raw = json.createObjectNode();
      raw.put("@type", any.getTypeUrl());
      raw.put("error", "cannot render as JSON: " + e.getMessage());
      raw.put("base64", Base64.getEncoder().encodeToString(any.getValue().toByteArray()));
      return raw;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("JsonFormat printed JSON that Jackson cannot read", e);
    }
  }

  private static void node(ObjectNode n, ProxyNode node) {
    n.put("id", node.id());
    n.put("kind", node.kind().wireName());
    n.put("namespace", node.namespace());
    n.put("clusterId", node.clusterId());
    n.put("network", node.network());
    n.put("locality", node.locality().toString());
  }

  private static void time(ObjectNode o, String field, long millis) {
    if (millis > 0) {
      o.put(field, Instant.ofEpochMilli(millis).toString());
    }
  }
}
