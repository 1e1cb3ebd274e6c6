package io.meshplane.xds;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.GRPC_PORT;
import static io.meshplane.model.TestServices.ZONE_A;
import static io.meshplane.model.TestServices.grpcPort;
import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.spec;
import static io.meshplane.model.TestServices.state;
import static io.meshplane.xds.TestStream.NODE;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.push.ServiceView;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Delta streams: initial versions, per-resource changes, unsubscribe and removals. */
class XdsConnectionDeltaTest {

  private static final ActorTestKit testKit = ActorTestKit.create("XdsConnectionDeltaTest");

  private static final String GRPC_EDS = ResourceNames.clusterLoadAssignment(GREETER, GRPC_PORT);
  private static final String HTTP_EDS = ResourceNames.clusterLoadAssignment(GREETER, 8080);
  /** greeter with a gRPC and an HTTP port. */
  private static final ServiceSpec TWO_PORTS = spec("greeter", "default", List.of(), grpcPort(GRPC_PORT),
      new ServicePort("http", 8080, 0, "http"));
  private static final ServiceSpec BILLING = spec("billing", "default");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** greeter at {@code version} with one endpoint per address serving both ports. */
  private static ServiceState greeter(long version, String... addresses) {
    Endpoint[] endpoints = new Endpoint[addresses.length];
    for (int i = 0; i < addresses.length; i++) {
      endpoints[i] = new Endpoint(addresses[i], List.of(new EndpointPort("grpc", 9000), new EndpointPort("http", 8081)),
          "east", "net-1", ZONE_A, Map.of(), "default", true, "greeter-" + i);
    }
    return state(GREETER, version, share("east", TWO_PORTS, endpoints));
  }

  private static String versionOf(ServiceState state, String typeUrl, String name) {
    return ServiceView.of(state).resources().find(typeUrl, name).orElseThrow().version();
  }

  private static DeltaDiscoveryRequest.Builder request(String typeUrl) {
    return DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(typeUrl);
  }

  private static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).toList();
  }

  @Test
  void initial_versions_equal_to_the_current_ones_send_nothing_and_a_later_change_is_sent() {
    ServiceState v1 = greeter(1, "10.0.0.1");
    TestStream stream = TestStream.delta(testKit);

    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNamesSubscribe(GRPC_EDS)
        .putInitialResourceVersions(GRPC_EDS, versionOf(v1, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, GRPC_EDS)).build());
    assertThat(stream.expectWatch().hostnames()).containsExactly(GREETER);
    stream.update(v1);

    stream.expectNoResponse();

    ServiceState v2 = greeter(2, "10.0.0.2");
    stream.update(v2);

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(response.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
    assertThat(response.getResourcesList()).singleElement().satisfies(r -> {
      assertThat(r.getName()).isEqualTo(GRPC_EDS);
      assertThat(r.getVersion()).isEqualTo(versionOf(v2, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, GRPC_EDS));
    });
    assertThat(response.getRemovedResourcesList()).isEmpty();
  }

  @Test
  void only_the_resource_whose_initial_version_is_stale_is_sent() {
    ServiceState v1 = greeter(1, "10.0.0.1");
    TestStream stream = TestStream.delta(testKit);

    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNamesSubscribe(GRPC_EDS).addResourceNamesSubscribe(HTTP_EDS)
        .putInitialResourceVersions(GRPC_EDS, versionOf(v1, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, GRPC_EDS))
        .putInitialResourceVersions(HTTP_EDS, "0000000000000000").build());
    stream.expectWatch();
    stream.update(v1);

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(names(response)).containsExactly(HTTP_EDS);
    assertThat(response.getRemovedResourcesList()).isEmpty();
  }

  @Test
  void an_unsubscribed_name_gets_no_more_updates() {
    TestStream stream = TestStream.delta(testKit);
    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNamesSubscribe(GRPC_EDS).addResourceNamesSubscribe(HTTP_EDS).build());
    stream.expectWatch();
    stream.update(greeter(1, "10.0.0.1"));
    DeltaDiscoveryResponse first = stream.nextDeltaResponse();
    assertThat(names(first)).containsExactly(GRPC_EDS, HTTP_EDS);

    stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .setResponseNonce(first.getNonce()).addResourceNamesUnsubscribe(HTTP_EDS).build());
    stream.expectNoResponse();
    stream.update(greeter(2, "10.0.0.2"));

    DeltaDiscoveryResponse next = stream.nextDeltaResponse();
    assertThat(names(next)).containsExactly(GRPC_EDS);
    assertThat(next.getRemovedResourcesList()).isEmpty();
    assertThat(stream.reported(ProxyEntity.Acked.class)).extracting(ProxyEntity.Acked::nonce)
        .containsExactly(first.getNonce());
  }

  @Test
  void a_delta_nack_is_recorded_and_sends_nothing() {
    TestStream stream = TestStream.delta(testKit);
    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNamesSubscribe(GRPC_EDS).build());
    stream.expectWatch();
    stream.update(greeter(1, "10.0.0.1"));
    DeltaDiscoveryResponse sent = stream.nextDeltaResponse();

    stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .setResponseNonce(sent.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage("no healthy host")).build());

    stream.expectNoResponse();
    assertThat(stream.reported(ProxyEntity.Nacked.class)).singleElement().satisfies(n -> {
      assertThat(n.nonce()).isEqualTo(sent.getNonce());
      assertThat(n.version()).isEqualTo(sent.getSystemVersionInfo());
      assertThat(n.error()).isEqualTo("no healthy host");
    });
    assertThat(stream.reported(ProxyEntity.Acked.class)).isEmpty();
  }

  @Test
  void a_subscribed_name_that_does_not_exist_is_reported_removed_once() {
    String nope = ResourceNames.clusterLoadAssignment("nope.default.svc.cluster.local", 80);
    TestStream stream = TestStream.delta(testKit);

    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNamesSubscribe(nope).build());
    assertThat(stream.expectWatch().hostnames()).containsExactly("nope.default.svc.cluster.local");
    stream.update(ServiceState.empty("nope.default.svc.cluster.local"));

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(response.getResourcesList()).isEmpty();
    assertThat(response.getRemovedResourcesList()).containsExactly(nope);

    stream.update(state("nope.default.svc.cluster.local", 1));
    stream.expectNoResponse();
  }

  @Test
  void a_resource_that_disappears_is_reported_removed() {
    TestStream stream = TestStream.delta(testKit);
    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNamesSubscribe(GRPC_EDS).build());
    stream.expectWatch();
    stream.update(greeter(1, "10.0.0.1"));
    assertThat(names(stream.nextDeltaResponse())).containsExactly(GRPC_EDS);

    stream.update(state(GREETER, 2));

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(response.getResourcesList()).isEmpty();
    assertThat(response.getRemovedResourcesList()).containsExactly(GRPC_EDS);
  }

  @Test
  void wildcard_cds_gets_every_visible_cluster() {
    ServiceState vault = service(spec("vault", "ops", List.of("."), grpcPort(GRPC_PORT)), 1, "10.5.0.1");
    TestStream stream = TestStream.delta(testKit);

    stream.send(request(TypeUrls.CLUSTER).build());
    assertThat(stream.expectWatch().all()).isTrue();
    stream.update(true, greeter(1, "10.0.0.1"), service(BILLING, 1, "10.9.0.1"), vault);

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(names(response)).containsExactlyInAnyOrder(
        ResourceNames.cluster(GREETER, GRPC_PORT), ResourceNames.cluster(GREETER, 8080),
        ResourceNames.cluster(BILLING.hostname(), GRPC_PORT));
    assertThat(response.getRemovedResourcesList()).isEmpty();
    assertThat(response.toByteString().toStringUtf8()).doesNotContain("vault");
  }

  @Test
  void a_deleted_service_is_removed_from_a_wildcard_cds_subscription() {
    TestStream stream = TestStream.delta(testKit);
    stream.send(request(TypeUrls.CLUSTER).build());
    stream.expectWatch();
    stream.update(true, greeter(1, "10.0.0.1"), service(BILLING, 1, "10.9.0.1"));
    assertThat(names(stream.nextDeltaResponse())).hasSize(3);

    stream.update(state(GREETER, 2));

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(response.getResourcesList()).isEmpty();
    assertThat(response.getRemovedResourcesList()).containsExactly(
        ResourceNames.cluster(GREETER, GRPC_PORT), ResourceNames.cluster(GREETER, 8080));
  }

  @Test
  void a_reconnect_with_initial_versions_of_a_deleted_resource_gets_its_removal() {
    ServiceState v1 = greeter(1, "10.0.0.1");
    TestStream stream = TestStream.delta(testKit);

    stream.send(request(TypeUrls.CLUSTER).putInitialResourceVersions(ResourceNames.cluster(GREETER, GRPC_PORT),
        versionOf(v1, TypeUrls.CLUSTER, ResourceNames.cluster(GREETER, GRPC_PORT)))
        .putInitialResourceVersions(ResourceNames.cluster(BILLING.hostname(), GRPC_PORT), "0000000000000000")
        .build());
    stream.expectWatch();
    stream.update(true, v1);

    DeltaDiscoveryResponse response = stream.nextDeltaResponse();
    assertThat(names(response)).containsExactly(ResourceNames.cluster(GREETER, 8080));
    assertThat(response.getRemovedResourcesList())
        .containsExactly(ResourceNames.cluster(BILLING.hostname(), GRPC_PORT));
  }
}
