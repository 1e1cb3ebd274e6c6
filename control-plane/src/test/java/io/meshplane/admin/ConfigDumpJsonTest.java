package io.meshplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.xds.ProxyStreams;
import io.meshplane.xds.StreamDump;
import io.meshplane.xds.XdsConnection;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.ServiceResources;
import io.meshplane.xds.generator.TypeUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigDumpJsonTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final ProxyNode PROXY = new ProxyNode("sidecar~10.0.0.9~web-1.default~default.svc.cluster.local",
      "cluster-1", "default", "network-1", new Locality("eu", "eu-a", ""), ProxyKind.SIDECAR);

  /** greeter with a gRPC port (HTTP/2 upstream options) and an HTTP port, one endpoint. */
  static ServiceResources greeter() {
    ServiceSpec spec = new ServiceSpec("greeter", "default", List.of(new ServicePort("grpc", 50051, 0, "grpc"),
        new ServicePort("http", 8080, 0, "http")), List.of());
    Endpoint endpoint = new Endpoint("10.1.2.3", List.of(new EndpointPort("grpc", 9000), new EndpointPort("http", 8081)),
        "cluster-1", "network-1", Locality.UNKNOWN, Map.of(), "default", true, "greeter-0");
    return ServiceResources.of(new ServiceState(spec.hostname(), 1,
        Map.of("cluster-1", new ClusterShare("cluster-1", Optional.of(spec), List.of(endpoint)))));
  }

  static StreamDump.TypeDump type(String typeUrl, List<Resource> resources) {
    return new StreamDump.TypeDump(typeUrl, new StreamDump.Subscription(true, List.of(), 0),
        new StreamDump.Sent("v1", "1", 1_700_000_000_000L, resources, 0),
        Optional.of(new StreamDump.Ack("v1", "1", 1_700_000_001_000L)), Optional.empty());
  }

  static JsonNode render(StreamDump.TypeDump... types) {
    StreamDump stream = new StreamDump("xds-sotw-4", XdsConnection.Mode.SOTW, PROXY, 1_699_999_999_000L,
        List.of(types));
    return new ConfigDumpJson(JSON).render(new ConfigDumpReport.Result(PROXY.id(),
        List.of(new ProxyStreams.ConfigDump("node-b", PROXY.id(), List.of(stream))), List.of(), 3));
  }

  @Test
  void every_resource_the_generators_make_renders_as_proto3_json_with_its_nested_types() {
    ServiceResources greeter = greeter();
    List<StreamDump.TypeDump> types = new ArrayList<>();
    for (String url : List.of(TypeUrls.CLUSTER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, TypeUrls.LISTENER,
        TypeUrls.ROUTE_CONFIGURATION)) {
      assertThat(greeter.resources(url)).isNotEmpty();
      types.add(type(url, List.copyOf(greeter.resources(url).values())));
    }

    JsonNode root = render(types.toArray(new StreamDump.TypeDump[0]));

    JsonNode stream = root.path("streams").get(0);
    assertThat(stream.path("servingNode").asText()).isEqualTo("node-b");
    assertThat(stream.path("node").path("kind").asText()).isEqualTo("sidecar");
    assertThat(stream.path("connectedAt").asText()).isEqualTo("2023-11-14T22:13:19Z");
    for (JsonNode config : stream.path("configs")) {
      assertThat(config.path("status").asText()).isEqualTo("ACKED");
      assertThat(config.path("resources")).isNotEmpty();
      for (JsonNode r : config.path("resources")) {
        assertThat(r.path("resource").path("@type").asText()).isEqualTo(config.path("typeUrl").asText());
        assertThat(r.path("resource").has("error")).as(r.toString()).isFalse();
      }
    }
    String all = root.toString();
    assertThat(all).contains("\"address\":\"10.1.2.3\"")
        .contains("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager")
        .contains("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router")
        .contains("type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
  }

  @Test
  void a_nack_shows_its_error_and_the_last_acknowledged_version() {
    StreamDump.TypeDump nacked = new StreamDump.TypeDump(TypeUrls.CLUSTER, new StreamDump.Subscription(true, List.of(), 0),
        new StreamDump.Sent("v2", "2", 1_700_000_000_000L, List.of(), 0),
        Optional.of(new StreamDump.Ack("v1", "1", 1_700_000_000_000L)),
        Optional.of(new StreamDump.Nack("v2", "2", "cluster rejected", 1_700_000_002_000L)));

    JsonNode config = render(nacked).path("streams").get(0).path("configs").get(0);

    assertThat(config.path("status").asText()).isEqualTo("NACKED");
    assertThat(config.path("type").asText()).isEqualTo("CDS");
    assertThat(config.path("versionInfo").asText()).isEqualTo("v2");
    assertThat(config.path("ackedVersion").asText()).isEqualTo("v1");
    assertThat(config.path("nack").path("error").asText()).isEqualTo("cluster rejected");
    assertThat(config.path("nack").path("at").asText()).isEqualTo("2023-11-14T22:13:22Z");
  }

  @Test
  void a_resource_of_a_type_it_does_not_know_is_shown_as_base64_with_the_reason() {
    Resource secret = Resource.of("default", Secret.newBuilder().setName("default").build());

    JsonNode r = render(type(secret.typeUrl(), List.of(secret))).path("streams").get(0).path("configs").get(0)
        .path("resources").get(0);

    assertThat(r.path("resource").path("@type").asText()).isEqualTo(secret.typeUrl());
    assertThat(r.path("resource").path("error").asText()).startsWith("cannot render as JSON");
    assertThat(r.path("resource").path("base64").asText()).isNotEmpty();
  }

  @Test
  void omitted_names_and_resources_and_silent_nodes_are_reported() {
    StreamDump.TypeDump bounded = new StreamDump.TypeDump(TypeUrls.CLUSTER_LOAD_ASSIGNMENT,
        new StreamDump.Subscription(false, List.of("a"), 4), new StreamDump.Sent("v1", "1", 1, List.of(), 5),
        Optional.empty(), Optional.empty());
    StreamDump stream = new StreamDump("xds-sotw-4", XdsConnection.Mode.SOTW, PROXY, 0, List.of(bounded));

    ObjectNode root = new ConfigDumpJson(JSON).render(new ConfigDumpReport.Result(PROXY.id(),
        List.of(new ProxyStreams.ConfigDump("node-b", PROXY.id(), List.of(stream))),
        List.of("pekko://meshplane@127.0.0.1:2553"), 3));

    JsonNode config = root.path("streams").get(0).path("configs").get(0);
    assertThat(config.path("status").asText()).isEqualTo("PENDING");
    assertThat(config.path("omittedResources").asInt()).isEqualTo(5);
    assertThat(config.path("subscription").path("omittedNames").asInt()).isEqualTo(4);
    assertThat(root.path("note").asText()).contains("omitted").contains("serving node's own admin API");
    assertThat(root.path("unansweredNodes").get(0).asText()).isEqualTo("pekko://meshplane@127.0.0.1:2553");
  }
}
