package io.meshplane.xds;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.GRPC_PORT;
import static io.meshplane.model.TestServices.grpcPort;
import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.spec;
import static io.meshplane.model.TestServices.state;
import static io.meshplane.xds.TestStream.NODE;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.push.PushHub;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** State-of-the-world streams: validation, subscriptions, ACK/NACK, visibility and conflation. */
class XdsConnectionTest {

  private static final ActorTestKit testKit = ActorTestKit.create("XdsConnectionTest");

  private static final String LDS_NAME = ResourceNames.listener(GREETER, GRPC_PORT);
  private static final String EDS_NAME = ResourceNames.clusterLoadAssignment(GREETER, GRPC_PORT);
  private static final ServiceSpec GREETER_SPEC = spec("greeter", "default");
  private static final ServiceSpec BILLING_SPEC = spec("billing", "default");
  private static final ServiceState GREETER_V1 = service(GREETER_SPEC, 1, "10.0.0.1");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static DiscoveryRequest request(String typeUrl, String... names) {
    return DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(typeUrl).addAllResourceNames(List.of(names))
        .build();
  }

  private static DiscoveryRequest ack(DiscoveryResponse response, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).addAllResourceNames(List.of(names))
        .setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce()).build();
  }

  private static List<String> endpointAddresses(DiscoveryResponse response) throws InvalidProtocolBufferException {
    List<String> out = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(any.getValue());
      cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
          out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
    }
    return out;
  }

  private static List<String> clusterNames(DiscoveryResponse response) throws InvalidProtocolBufferException {
    List<String> out = new ArrayList<>();
    for (Any any : response.getResourcesList()) {
      out.add(Cluster.parseFrom(any.getValue()).getName());
    }
    return out;
  }

  /** Subscribes to greeter's EDS and returns the first response. */
  private static DiscoveryResponse subscribeToGreeterEndpoints(TestStream stream) {
    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, EDS_NAME));
    stream.expectWatch();
    stream.update(GREETER_V1);
    return stream.nextResponse();
  }

  /** The first request of a reconnected stream that already holds {@code version} of greeter's EDS. */
  private static void resumeGreeterEndpoints(TestStream stream, String version) {
    stream.send(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).setVersionInfo(version).build());
    stream.expectWatch();
  }

  private static StreamError failure(TestStream stream) throws Exception {
    StreamError error = stream.output.failed.get(3, TimeUnit.SECONDS);
    // Nothing was watched before the stream ended: the hub hears only that it ended.
    stream.hub.expectMessageClass(PushHub.Unwatch.class);
    stream.hub.expectTerminated(stream.connection);
    return error;
  }

  // ---- validation --------------------------------------------------------------------------

  @Test
  void a_first_request_without_node_ends_the_stream_with_invalid_argument_naming_node() throws Exception {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());

    StreamError error = failure(stream);
    assertThat(error.code()).isEqualTo(StreamError.Code.INVALID_ARGUMENT);
    assertThat(error.message()).contains("node").contains("expected node.id");
    stream.expectNoResponse();
    assertThat(stream.reports).isEmpty();
  }

  @Test
  void an_invalid_node_ends_the_stream_with_the_parse_error() throws Exception {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(DiscoveryRequest.newBuilder().setNode(TestStream.nodeIn("Shop")).setTypeUrl(TypeUrls.LISTENER)
        .build());

    StreamError error = failure(stream);
    assertThat(error.code()).isEqualTo(StreamError.Code.INVALID_ARGUMENT);
    assertThat(error.message()).startsWith("invalid node:").contains("namespace 'Shop'");
  }

  @Test
  void a_garbage_type_url_ends_the_stream_with_invalid_argument() throws Exception {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(request("not a type url"));

    StreamError error = failure(stream);
    assertThat(error.code()).isEqualTo(StreamError.Code.INVALID_ARGUMENT);
    assertThat(error.message()).contains("type_url 'not a type url'").contains("expected one of");
  }

  @Test
  void more_than_ten_thousand_names_end_the_stream_with_resource_exhausted() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    String[] names = new String[XdsConnection.MAX_RESOURCE_NAMES + 1];
    for (int i = 0; i < names.length; i++) {
      names[i] = ResourceNames.clusterLoadAssignment("svc-" + i + ".default.svc.cluster.local", 80);
    }

    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, names));

    StreamError error = failure(stream);
    assertThat(error.code()).isEqualTo(StreamError.Code.RESOURCE_EXHAUSTED);
    assertThat(error.message()).contains("10001").contains("at most 10000");
  }

  @Test
  void a_resource_name_longer_than_the_limit_ends_the_stream_with_invalid_argument() throws Exception {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, "x".repeat(XdsConnection.MAX_NAME_LENGTH + 1)));

    StreamError error = failure(stream);
    assertThat(error.code()).isEqualTo(StreamError.Code.INVALID_ARGUMENT);
    assertThat(error.message()).contains("1025 characters").contains("expected at most 1024");
  }

  @Test
  void a_request_over_the_size_cap_ends_the_stream_with_resource_exhausted() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    String[] names = new String[5_000];
    Arrays.fill(names, "n".repeat(1_000));

    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, names));

    StreamError error = failure(stream);
    assertThat(error.code()).isEqualTo(StreamError.Code.RESOURCE_EXHAUSTED);
    assertThat(error.message()).contains("expected at most " + XdsConnection.MAX_REQUEST_BYTES);
  }

  @Test
  void a_node_id_that_changes_within_a_stream_ends_it_with_invalid_argument() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    subscribeToGreeterEndpoints(stream);

    stream.send(DiscoveryRequest.newBuilder().setNode(TestStream.nodeIn("shop"))
        .setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNames(EDS_NAME).build());

    StreamError error = stream.output.failed.get(3, TimeUnit.SECONDS);
    assertThat(error.code()).isEqualTo(StreamError.Code.INVALID_ARGUMENT);
    assertThat(error.message()).contains("node.id changed within a stream").contains("client-shop");
    stream.hub.expectTerminated(stream.connection);
  }

  @Test
  void a_failed_inbound_stream_ends_the_response_stream_as_unavailable() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    subscribeToGreeterEndpoints(stream);

    stream.connection.tell(new XdsConnection.StreamFailed(new IllegalStateException("connection reset")));

    StreamError error = stream.output.failed.get(3, TimeUnit.SECONDS);
    assertThat(error.code()).isEqualTo(StreamError.Code.UNAVAILABLE);
    assertThat(error.message()).contains("connection reset");
    stream.hub.expectTerminated(stream.connection);
    assertThat(stream.reported(ProxyEntity.Disconnected.class)).hasSize(1);
  }

  @Test
  void an_unsupported_well_formed_type_gets_an_empty_response_without_asking_the_hub() {
    TestStream stream = TestStream.sotw(testKit);
    String secretType = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

    stream.send(request(secretType, "default"));

    DiscoveryResponse response = stream.nextResponse();
    assertThat(response.getTypeUrl()).isEqualTo(secretType);
    assertThat(response.getResourcesCount()).isZero();
    assertThat(response.getNonce()).isNotEmpty();
    stream.hub.expectNoMessage(TestStream.QUIET);
  }

  // ---- subscriptions and responses ---------------------------------------------------------

  @Test
  void lds_by_name_waits_for_the_hub_then_holds_the_listener() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.connection.tell(new XdsConnection.StreamStarted(stream.acks.ref()));
    stream.acks.expectMessage(XdsConnection.Ack.INSTANCE);

    stream.send(request(TypeUrls.LISTENER, LDS_NAME));

    stream.acks.expectMessage(XdsConnection.Ack.INSTANCE);
    PushHub.Watch watch = stream.expectWatch();
    assertThat(watch.connection()).isEqualTo(stream.connection);
    assertThat(watch.hostnames()).containsExactly(GREETER);
    assertThat(watch.all()).isFalse();
    stream.expectNoResponse();

    stream.update(GREETER_V1);

    DiscoveryResponse response = stream.nextResponse();
    assertThat(response.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(response.getResourcesCount()).isEqualTo(1);
    assertThat(Listener.parseFrom(response.getResources(0).getValue()).getName()).isEqualTo(LDS_NAME);
    assertThat(response.getControlPlane().getIdentifier()).isEqualTo("node-1");
    assertThat(stream.reported(ProxyEntity.Connected.class)).singleElement()
        .satisfies(c -> assertThat(c.node().id()).isEqualTo(NODE.getId()));
    stream.hub.awaitAssert(() -> assertThat(stream.reported(ProxyEntity.Sent.class)).containsExactly(
        new ProxyEntity.Sent(TypeUrls.LISTENER, response.getVersionInfo(), response.getNonce(),
            TestStream.NOW.toEpochMilli())));
  }

  @Test
  void lds_by_a_short_name_resolves_in_the_proxy_namespace_and_keeps_the_asked_name() throws Exception {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(request(TypeUrls.LISTENER, "greeter:" + GRPC_PORT));

    assertThat(stream.expectWatch().hostnames()).containsExactly(GREETER);
    stream.update(GREETER_V1);
    DiscoveryResponse response = stream.nextResponse();
    assertThat(response.getResourcesCount()).isEqualTo(1);
    assertThat(Listener.parseFrom(response.getResources(0).getValue()).getName()).isEqualTo("greeter:" + GRPC_PORT);
  }

  @Test
  void an_ack_sends_nothing_and_is_recorded() {
    TestStream stream = TestStream.sotw(testKit);
    DiscoveryResponse first = subscribeToGreeterEndpoints(stream);

    stream.send(ack(first, EDS_NAME));

    stream.expectNoResponse();
    assertThat(stream.reported(ProxyEntity.Acked.class)).containsExactly(new ProxyEntity.Acked(
        TypeUrls.CLUSTER_LOAD_ASSIGNMENT, first.getVersionInfo(), first.getNonce(), TestStream.NOW.toEpochMilli()));
    assertThat(stream.reported(ProxyEntity.Nacked.class)).isEmpty();
  }

  @Test
  void a_nack_is_recorded_with_its_error_sends_nothing_and_keeps_the_last_good_version() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    DiscoveryResponse good = subscribeToGreeterEndpoints(stream);
    stream.send(ack(good, EDS_NAME));
    stream.update(service(GREETER_SPEC, 2, "10.0.0.2"));
    DiscoveryResponse rejected = stream.nextResponse();

    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).setVersionInfo(good.getVersionInfo()).setResponseNonce(rejected.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage("bad endpoint")).build());

    stream.expectNoResponse();
    assertThat(stream.reported(ProxyEntity.Nacked.class)).containsExactly(new ProxyEntity.Nacked(
        TypeUrls.CLUSTER_LOAD_ASSIGNMENT, rejected.getVersionInfo(), rejected.getNonce(), "bad endpoint",
        TestStream.NOW.toEpochMilli()));
    assertThat(stream.reported(ProxyEntity.Acked.class)).extracting(ProxyEntity.Acked::version)
        .containsExactly(good.getVersionInfo());

    stream.update(service(GREETER_SPEC, 3, "10.0.0.3"));

    assertThat(endpointAddresses(stream.nextResponse())).as("the stream goes on after a NACK")
        .containsExactly("10.0.0.3");
  }

  @Test
  void a_stale_nonce_is_ignored() {
    TestStream stream = TestStream.sotw(testKit);
    DiscoveryResponse first = subscribeToGreeterEndpoints(stream);

    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(ResourceNames.clusterLoadAssignment(BILLING_SPEC.hostname(), GRPC_PORT))
        .setVersionInfo(first.getVersionInfo()).setResponseNonce("stale-" + first.getNonce()).build());

    stream.acks.expectMessage(XdsConnection.Ack.INSTANCE);
    stream.expectNoResponse();
    stream.hub.expectNoMessage(Duration.ZERO);
    assertThat(stream.reported(ProxyEntity.Acked.class)).isEmpty();
  }

  @Test
  void an_empty_nonce_with_the_same_version_always_gets_a_response() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    DiscoveryResponse first = subscribeToGreeterEndpoints(stream);
    stream.send(ack(first, EDS_NAME));
    stream.expectNoResponse();

    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).setVersionInfo(first.getVersionInfo()).build());

    DiscoveryResponse again = stream.nextResponse();
    assertThat(again.getVersionInfo()).isEqualTo(first.getVersionInfo());
    assertThat(again.getNonce()).isNotEqualTo(first.getNonce());
    assertThat(endpointAddresses(again)).containsExactly("10.0.0.1");
  }

  @Test
  void a_proxy_resuming_on_a_new_stream_with_the_current_version_is_sent_nothing_and_shown_synced() {
    TestStream before = TestStream.sotw(testKit);
    DiscoveryResponse held = subscribeToGreeterEndpoints(before);

    // The proxy reconnects (here or to another node: versions are digests, equal everywhere).
    TestStream resumed = TestStream.sotw(testKit);
    resumeGreeterEndpoints(resumed, held.getVersionInfo());
    resumed.update(GREETER_V1);

    resumed.expectNoResponse();
    assertThat(resumed.reported(ProxyEntity.Acked.class)).extracting(ProxyEntity.Acked::version)
        .containsExactly(held.getVersionInfo());
  }

  @Test
  void a_proxy_resuming_with_an_old_version_gets_the_current_state_then_only_changes() throws Exception {
    TestStream before = TestStream.sotw(testKit);
    DiscoveryResponse held = subscribeToGreeterEndpoints(before);

    TestStream resumed = TestStream.sotw(testKit);
    resumeGreeterEndpoints(resumed, held.getVersionInfo());
    resumed.update(service(GREETER_SPEC, 2, "10.0.0.2"));

    DiscoveryResponse current = resumed.nextResponse();
    assertThat(current.getVersionInfo()).isNotEqualTo(held.getVersionInfo());
    assertThat(endpointAddresses(current)).containsExactly("10.0.0.2");
    resumed.send(ack(current, EDS_NAME));
    resumed.expectNoResponse();
  }

  @Test
  void a_stream_waits_for_admission_before_reading_its_first_request() {
    var hub = testKit.createTestProbe(PushHub.Command.class);
    var gate = testKit.createTestProbe(AdmissionGate.Command.class);
    var acks = testKit.createTestProbe(XdsConnection.Ack.class);
    var offers = testKit.createTestProbe(Object.class);
    var connection = testKit.spawn(XdsConnection.create(XdsConnection.Mode.SOTW, new TestStream.FakeOutput(offers),
        hub.ref(), testKit.createTestProbe(ProxyStreams.Command.class).ref(), gate.ref(), (id, cmd) -> { }, XdsMetrics.NOOP, java.time.Clock.systemUTC(), "node-1"));

    connection.tell(new XdsConnection.StreamStarted(acks.ref()));

    AdmissionGate.Admit admit = gate.expectMessageClass(AdmissionGate.Admit.class);
    assertThat(admit.connection()).isEqualTo(connection);
    acks.expectNoMessage(Duration.ofMillis(100));
    connection.tell(XdsConnection.Admitted.INSTANCE);
    acks.expectMessage(XdsConnection.Ack.INSTANCE);
    testKit.stop(connection);
  }

  @Test
  void a_service_change_pushes_a_new_eds_version_only_to_the_stream_subscribed_to_it() throws Exception {
    TestStream greeter = TestStream.sotw(testKit);
    DiscoveryResponse before = subscribeToGreeterEndpoints(greeter);
    TestStream billing = TestStream.sotw(testKit);
    billing.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT,
        ResourceNames.clusterLoadAssignment(BILLING_SPEC.hostname(), GRPC_PORT)));
    billing.expectWatch();
    billing.update(service(BILLING_SPEC, 1, "10.9.0.1"));
    billing.nextResponse();

    ServiceState changed = service(GREETER_SPEC, 2, "10.0.0.1", "10.0.0.2");
    greeter.update(changed);
    billing.update(changed);

    DiscoveryResponse after = greeter.nextResponse();
    assertThat(after.getVersionInfo()).isNotEqualTo(before.getVersionInfo());
    assertThat(endpointAddresses(after)).containsExactly("10.0.0.1", "10.0.0.2");
    billing.expectNoResponse();
  }

  @Test
  void an_unchanged_service_version_sends_nothing() {
    TestStream stream = TestStream.sotw(testKit);
    subscribeToGreeterEndpoints(stream);

    // A new service version whose endpoints are the same bytes: the resource version is unchanged.
    stream.update(service(GREETER_SPEC, 7, "10.0.0.1"));

    stream.expectNoResponse();
  }

  // ---- visibility --------------------------------------------------------------------------

  @Test
  void a_service_invisible_by_export_to_is_never_sent_not_even_its_name() throws Exception {
    ServiceState vault = service(spec("vault", "ops", List.of("."), grpcPort(GRPC_PORT)), 1, "10.5.0.1");
    ServiceState hidden = service(spec("hidden", "default", List.of("~"), grpcPort(GRPC_PORT)), 1, "10.6.0.1");
    TestStream stream = TestStream.sotw(testKit);

    stream.send(request(TypeUrls.CLUSTER));
    assertThat(stream.expectWatch().all()).isTrue();
    stream.update(true, GREETER_V1, vault, hidden);

    DiscoveryResponse clusters = stream.nextResponse();
    assertThat(clusterNames(clusters)).containsExactly(ResourceNames.cluster(GREETER, GRPC_PORT));

    stream.send(request(TypeUrls.LISTENER, ResourceNames.listener(vault.hostname(), GRPC_PORT),
        ResourceNames.listener(hidden.hostname(), GRPC_PORT)));
    assertThat(stream.expectWatch().hostnames()).containsExactlyInAnyOrder(vault.hostname(), hidden.hostname());
    stream.update(vault, hidden);

    DiscoveryResponse listeners = stream.nextResponse();
    assertThat(listeners.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
    assertThat(listeners.getResourcesCount()).isZero();
    for (DiscoveryResponse r : List.of(clusters, listeners)) {
      assertThat(r.toByteString().toStringUtf8()).doesNotContain("vault").doesNotContain("hidden");
    }
  }

  @Test
  void a_service_exported_to_its_own_namespace_is_sent_to_proxies_there() throws Exception {
    ServiceState vault = service(spec("vault", "ops", List.of("."), grpcPort(GRPC_PORT)), 1, "10.5.0.1");
    TestStream stream = TestStream.sotw(testKit);

    stream.send(DiscoveryRequest.newBuilder().setNode(TestStream.nodeIn("ops")).setTypeUrl(TypeUrls.CLUSTER)
        .build());
    stream.expectWatch();
    stream.update(true, GREETER_V1, vault);

    assertThat(clusterNames(stream.nextResponse())).containsExactlyInAnyOrder(
        ResourceNames.cluster(GREETER, GRPC_PORT), ResourceNames.cluster(vault.hostname(), GRPC_PORT));
  }

  // ---- wildcard ----------------------------------------------------------------------------

  @Test
  void wildcard_cds_waits_for_the_complete_catalog() throws Exception {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(request(TypeUrls.CLUSTER));
    PushHub.Watch watch = stream.expectWatch();
    assertThat(watch.all()).isTrue();
    assertThat(watch.hostnames()).isEmpty();
    stream.update(false, GREETER_V1);
    stream.expectNoResponse();

    stream.update(true, GREETER_V1, service(BILLING_SPEC, 1, "10.9.0.1"));

    assertThat(clusterNames(stream.nextResponse())).containsExactly(
        ResourceNames.cluster(BILLING_SPEC.hostname(), GRPC_PORT), ResourceNames.cluster(GREETER, GRPC_PORT));
  }

  @Test
  void a_deleted_service_leaves_a_wildcard_cds_subscription() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(request(TypeUrls.CLUSTER));
    stream.expectWatch();
    stream.update(true, GREETER_V1, service(BILLING_SPEC, 1, "10.9.0.1"));
    DiscoveryResponse both = stream.nextResponse();
    assertThat(clusterNames(both)).hasSize(2);
    stream.send(ack(both));

    stream.update(state(GREETER, 2));

    DiscoveryResponse after = stream.nextResponse();
    assertThat(clusterNames(after)).containsExactly(ResourceNames.cluster(BILLING_SPEC.hostname(), GRPC_PORT));
  }

  // ---- conflation --------------------------------------------------------------------------

  @Test
  void changes_while_a_response_is_in_flight_are_conflated_into_one_response_with_the_newest_state()
      throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.output.hold();
    DiscoveryResponse first = subscribeToGreeterEndpoints(stream);
    assertThat(endpointAddresses(first)).containsExactly("10.0.0.1");

    stream.update(service(GREETER_SPEC, 2, "10.0.0.2"));
    stream.update(service(GREETER_SPEC, 3, "10.0.0.3"));
    stream.update(service(GREETER_SPEC, 4, "10.0.0.4"));
    stream.expectNoResponse();

    stream.output.release();

    DiscoveryResponse next = stream.nextResponse();
    assertThat(endpointAddresses(next)).containsExactly("10.0.0.4");
    stream.expectNoResponse();
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  @Test
  void a_completed_stream_completes_the_output_unwatches_and_reports_the_disconnect() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    subscribeToGreeterEndpoints(stream);

    stream.connection.tell(XdsConnection.StreamCompleted.INSTANCE);

    stream.output.completed.get(3, TimeUnit.SECONDS);
    PushHub.Unwatch unwatch = stream.hub.expectMessageClass(PushHub.Unwatch.class);
    assertThat(unwatch.connection()).isEqualTo(stream.connection);
    stream.hub.expectTerminated(stream.connection);
    assertThat(stream.reported(ProxyEntity.Disconnected.class)).singleElement()
        .satisfies(d -> assertThat(d.servingNode()).isEqualTo("node-1"));
    assertThat(stream.reports).allSatisfy(r -> assertThat(r.proxyId()).isEqualTo(NODE.getId()));
  }

  @Test
  void switching_from_names_to_fewer_names_rewatches_only_those() {
    TestStream stream = TestStream.sotw(testKit);
    String billingEds = ResourceNames.clusterLoadAssignment(BILLING_SPEC.hostname(), GRPC_PORT);
    stream.send(request(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, EDS_NAME, billingEds));
    assertThat(stream.expectWatch().hostnames()).containsExactlyInAnyOrder(GREETER, BILLING_SPEC.hostname());
    stream.update(GREETER_V1, service(BILLING_SPEC, 1, "10.9.0.1"));
    DiscoveryResponse both = stream.nextResponse();
    assertThat(both.getResourcesCount()).isEqualTo(2);

    stream.send(ack(both, EDS_NAME));

    assertThat(stream.expectWatch().hostnames()).isEqualTo(Set.of(GREETER));
    DiscoveryResponse one = stream.nextResponse();
    assertThat(one.getResourcesCount()).isEqualTo(1);
  }
}
