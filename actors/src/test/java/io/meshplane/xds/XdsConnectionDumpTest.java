package io.meshplane.xds;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.GRPC_PORT;
import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.spec;
import static io.meshplane.xds.TestStream.NODE;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The config dump of a stream: what it last sent of each type, and the proxy's ACK or NACK. */
class XdsConnectionDumpTest {

  private static final ActorTestKit testKit = ActorTestKit.create("XdsConnectionDumpTest");

  private static final String EDS_NAME = ResourceNames.clusterLoadAssignment(GREETER, GRPC_PORT);
  private static final ServiceSpec GREETER_SPEC = spec("greeter", "default");
  private static final ServiceSpec BILLING_SPEC = spec("billing", "default");
  private static final String BILLING_EDS = ResourceNames.clusterLoadAssignment(BILLING_SPEC.hostname(), GRPC_PORT);
  private static final long NOW = TestStream.NOW.toEpochMilli();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static DiscoveryRequest subscribe(String... names) {
    return DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addAllResourceNames(List.of(names)).build();
  }

  private static DiscoveryRequest ack(DiscoveryResponse response, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).addAllResourceNames(List.of(names))
        .setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce()).build();
  }

  private static List<String> addresses(List<Resource> resources) throws InvalidProtocolBufferException {
    List<String> out = new ArrayList<>();
    for (Resource r : resources) {
      ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(r.body().getValue());
      cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
          out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
    }
    return out;
  }

  private static StreamDump.TypeDump eds(StreamDump dump) {
    return dump.types().stream().filter(t -> t.typeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)).findFirst()
        .orElseThrow();
  }

  @Test
  void the_stream_registers_with_the_node_once_its_proxy_is_identified() {
    TestStream stream = TestStream.sotw(testKit);

    stream.send(subscribe(EDS_NAME));

    ProxyStreams.Register register = stream.streams.expectMessageClass(ProxyStreams.Register.class);
    assertThat(register.proxyId()).isEqualTo(NODE.getId());
    assertThat(register.stream()).isEqualTo(stream.connection);
  }

  @Test
  void the_dump_holds_the_resources_last_sent_and_the_acknowledged_version() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(subscribe(EDS_NAME));
    stream.expectWatch();
    stream.update(service(GREETER_SPEC, 1, "10.0.0.1", "10.0.0.2"));
    DiscoveryResponse response = stream.nextResponse();
    stream.send(ack(response, EDS_NAME));
    stream.expectNoResponse();

    StreamDump dump = stream.dump(testKit);

    assertThat(dump.stream()).isEqualTo(stream.connection.path().name());
    assertThat(dump.mode()).isEqualTo(XdsConnection.Mode.SOTW);
    assertThat(dump.node().id()).isEqualTo(NODE.getId());
    assertThat(dump.connectedAtMillis()).isEqualTo(NOW);
    StreamDump.TypeDump eds = eds(dump);
    assertThat(eds.subscription()).isEqualTo(new StreamDump.Subscription(false, List.of(EDS_NAME), 0));
    assertThat(eds.sent().version()).isEqualTo(response.getVersionInfo());
    assertThat(eds.sent().nonce()).isEqualTo(response.getNonce());
    assertThat(eds.sent().atMillis()).isEqualTo(NOW);
    assertThat(eds.sent().resources()).extracting(Resource::name).containsExactly(EDS_NAME);
    // The very Any the response carried: kept by reference, not copied.
    assertThat(eds.sent().resources().get(0).body()).isSameAs(response.getResources(0));
    assertThat(addresses(eds.sent().resources())).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(eds.acked()).contains(new StreamDump.Ack(response.getVersionInfo(), response.getNonce(), NOW));
    assertThat(eds.rejected()).isEmpty();
    assertThat(eds.state()).isEqualTo(StreamDump.SyncState.ACKED);
  }

  @Test
  void a_response_not_answered_yet_is_pending() {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(subscribe(EDS_NAME));
    stream.expectWatch();
    stream.update(service(GREETER_SPEC, 1, "10.0.0.1"));
    DiscoveryResponse response = stream.nextResponse();

    StreamDump.TypeDump eds = eds(stream.dump(testKit));

    assertThat(eds.sent().nonce()).isEqualTo(response.getNonce());
    assertThat(eds.acked()).isEmpty();
    assertThat(eds.state()).isEqualTo(StreamDump.SyncState.PENDING);
  }

  @Test
  void a_subscription_waiting_for_its_service_is_not_sent() {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(subscribe(EDS_NAME));
    stream.expectWatch();

    StreamDump.TypeDump eds = eds(stream.dump(testKit));

    assertThat(eds.state()).isEqualTo(StreamDump.SyncState.NOT_SENT);
    assertThat(eds.sent()).isEqualTo(StreamDump.Sent.NONE);
    assertThat(eds.subscription().names()).containsExactly(EDS_NAME);
  }

  @Test
  void a_nack_shows_the_rejected_resources_with_the_error_and_the_last_acknowledged_version() throws Exception {
    TestStream stream = TestStream.sotw(testKit);
    stream.send(subscribe(EDS_NAME));
    stream.expectWatch();
    stream.update(service(GREETER_SPEC, 1, "10.0.0.1"));
    DiscoveryResponse good = stream.nextResponse();
    stream.send(ack(good, EDS_NAME));
    stream.update(service(GREETER_SPEC, 2, "10.0.0.9"));
    DiscoveryResponse rejected = stream.nextResponse();
    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(EDS_NAME).setVersionInfo(good.getVersionInfo()).setResponseNonce(rejected.getNonce())
        .setErrorDetail(Status.newBuilder().setCode(3).setMessage("bad endpoint 10.0.0.9")).build());
    stream.expectNoResponse();

    StreamDump.TypeDump eds = eds(stream.dump(testKit));

    assertThat(eds.state()).isEqualTo(StreamDump.SyncState.NACKED);
    assertThat(eds.sent().version()).isEqualTo(rejected.getVersionInfo());
    assertThat(addresses(eds.sent().resources())).containsExactly("10.0.0.9");
    assertThat(eds.rejected()).contains(new StreamDump.Nack(rejected.getVersionInfo(), rejected.getNonce(),
        "bad endpoint 10.0.0.9", NOW));
    assertThat(eds.acked()).contains(new StreamDump.Ack(good.getVersionInfo(), good.getNonce(), NOW));

    // The next response is accepted: the NACK is history.
    stream.update(service(GREETER_SPEC, 3, "10.0.0.3"));
    DiscoveryResponse fixed = stream.nextResponse();
    stream.send(ack(fixed, EDS_NAME));
    stream.expectNoResponse();
    StreamDump.TypeDump after = eds(stream.dump(testKit));
    assertThat(after.state()).isEqualTo(StreamDump.SyncState.ACKED);
    assertThat(after.rejected()).isEmpty();
    assertThat(addresses(after.sent().resources())).containsExactly("10.0.0.3");
  }

  @Test
  void a_delta_dump_holds_every_resource_the_proxy_holds_not_only_the_last_changed_one() throws Exception {
    TestStream stream = TestStream.delta(testKit);
    stream.send(DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNamesSubscribe(EDS_NAME).addResourceNamesSubscribe(BILLING_EDS).build());
    stream.expectWatch();
    ServiceState billing = service(BILLING_SPEC, 1, "10.8.0.1");
    stream.update(service(GREETER_SPEC, 1, "10.0.0.1"), billing);
    DeltaDiscoveryResponse first = stream.nextDeltaResponse();
    assertThat(first.getResourcesCount()).isEqualTo(2);
    stream.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .setResponseNonce(first.getNonce()).build());

    stream.update(service(GREETER_SPEC, 2, "10.0.0.2"));
    DeltaDiscoveryResponse second = stream.nextDeltaResponse();
    assertThat(second.getResourcesCount()).isEqualTo(1);

    StreamDump dump = stream.dump(testKit);
    assertThat(dump.mode()).isEqualTo(XdsConnection.Mode.DELTA);
    StreamDump.TypeDump eds = eds(dump);
    assertThat(eds.sent().version()).isEqualTo(second.getSystemVersionInfo());
    assertThat(eds.sent().nonce()).isEqualTo(second.getNonce());
    assertThat(eds.sent().resources()).extracting(Resource::name).containsExactly(BILLING_EDS, EDS_NAME);
    assertThat(addresses(eds.sent().resources())).containsExactly("10.8.0.1", "10.0.0.2");
    assertThat(eds.state()).isEqualTo(StreamDump.SyncState.PENDING);
    assertThat(eds.acked()).hasValueSatisfying(a -> assertThat(a.nonce()).isEqualTo(first.getNonce()));
  }
}
