package io.meshplane.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshplane.mesh.Mesh;
import io.meshplane.model.Locality;
import io.meshplane.model.ServiceState;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.push.PushHub;
import io.meshplane.push.ServiceView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One {@link XdsConnection} under test with everything around it faked: the hub and the node's
 * stream registry are probes, the output records every offered response on a probe (and can hold the transport back, like a slow
 * proxy), and sync status is recorded in a list.
 */
final class TestStream {

  static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  static final Duration QUIET = Duration.ofMillis(300);
  private static final AtomicInteger STREAMS = new AtomicInteger();

  /** A sidecar in the default namespace. */
  static final Node NODE = Node.newBuilder()
      .setId("sidecar~10.0.0.9~client-1.default~default.svc.cluster.local")
      .build();

  /** A proxyless client in namespace {@code namespace}. */
  static Node nodeIn(String namespace) {
    return Node.newBuilder()
        .setId("client-" + namespace)
        .setUserAgentName("gRPC Java")
        .setMetadata(Struct.newBuilder().putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build()))
        .build();
  }

  /** A sidecar {@code id} in {@code namespace} of cluster "east", on {@code network}, in {@code zone}. */
  static Node nodeOn(String id, String namespace, String network, Locality zone) {
    return Node.newBuilder()
        .setId(id)
        .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setRegion(zone.region())
            .setZone(zone.zone()).setSubZone(zone.subzone()))
        .setMetadata(Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
            .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("east").build())
            .putFields("NETWORK", Value.newBuilder().setStringValue(network).build()))
        .build();
  }

  /** What the status reporter was told, for which proxy id. */
  record Reported(String proxyId, ProxyEntity.Command command) {}

  /** Records offers; when holding, the transport takes nothing until {@link #release()}. */
  static final class FakeOutput implements XdsOutput {
    final TestProbe<Object> offers;
    final CompletableFuture<StreamError> failed = new CompletableFuture<>();
    final CompletableFuture<Done> completed = new CompletableFuture<>();
    private final AtomicBoolean holding = new AtomicBoolean();
    private final Queue<CompletableFuture<Done>> held = new ConcurrentLinkedQueue<>();

    FakeOutput(TestProbe<Object> offers) {
      this.offers = offers;
    }

    @Override
    public CompletionStage<Done> offer(Object response) {
      offers.ref().tell(response);
      if (!holding.get()) {
        return CompletableFuture.completedFuture(Done.getInstance());
      }
      CompletableFuture<Done> taken = new CompletableFuture<>();
      held.add(taken);
      return taken;
    }

    @Override
    public void fail(StreamError error) {
      failed.complete(error);
    }

    @Override
    public void complete() {
      completed.complete(Done.getInstance());
    }

    void hold() {
      holding.set(true);
    }

    /** The transport takes everything held so far and stops holding. */
    void release() {
      holding.set(false);
      CompletableFuture<Done> f;
      while ((f = held.poll()) != null) {
        f.complete(Done.getInstance());
      }
    }
  }

  final ActorRef<XdsConnection.Command> connection;
  final TestProbe<PushHub.Command> hub;
  final TestProbe<ProxyStreams.Command> streams;
  final TestProbe<XdsConnection.Ack> acks;
  final FakeOutput output;
  final List<Reported> reports = new CopyOnWriteArrayList<>();

  private TestStream(ActorTestKit kit, XdsConnection.Mode mode) {
    hub = kit.createTestProbe(PushHub.Command.class);
    streams = kit.createTestProbe(ProxyStreams.Command.class);
    acks = kit.createTestProbe(XdsConnection.Ack.class);
    output = new FakeOutput(kit.createTestProbe(Object.class));
    XdsConnection.StatusReporter reporter = (proxyId, cmd) -> reports.add(new Reported(proxyId, cmd));
    connection = kit.spawn(XdsConnection.create(mode, output, hub.ref(), streams.ref(), reporter, XdsMetrics.NOOP,
        Clock.fixed(NOW, ZoneOffset.UTC), "node-1"), "stream-" + STREAMS.incrementAndGet());
  }

  static TestStream sotw(ActorTestKit kit) {
    return new TestStream(kit, XdsConnection.Mode.SOTW);
  }

  static TestStream delta(ActorTestKit kit) {
    return new TestStream(kit, XdsConnection.Mode.DELTA);
  }

  void send(DiscoveryRequest request) {
    connection.tell(new XdsConnection.SotwRequest(request, acks.ref()));
  }

  void send(DeltaDiscoveryRequest request) {
    connection.tell(new XdsConnection.DeltaRequest(request, acks.ref()));
  }

  PushHub.Watch expectWatch() {
    return hub.expectMessageClass(PushHub.Watch.class);
  }

  /** What the hub sends: new versions of services, by hostname. */
  void update(boolean catalogComplete, ServiceState... states) {
    Map<String, ServiceView> views = new HashMap<>();
    for (ServiceState s : states) {
      views.put(s.hostname(), ServiceView.of(s));
    }
    connection.tell(new XdsConnection.ServicesUpdated(views, catalogComplete, "test", 0));
  }

  void update(ServiceState... states) {
    update(false, states);
  }

  /** What the hub sends under {@code mesh} (after a {@code PushHub.MeshChanged}, say). */
  void update(Mesh mesh, boolean catalogComplete, ServiceState... states) {
    Map<String, ServiceView> views = new HashMap<>();
    for (ServiceState s : states) {
      views.put(s.hostname(), ServiceView.of(s, mesh));
    }
    connection.tell(new XdsConnection.ServicesUpdated(views, catalogComplete, "test", 0));
  }

  DiscoveryResponse nextResponse() {
    return output.offers.expectMessageClass(DiscoveryResponse.class);
  }

  DeltaDiscoveryResponse nextDeltaResponse() {
    return output.offers.expectMessageClass(DeltaDiscoveryResponse.class);
  }

  void expectNoResponse() {
    output.offers.expectNoMessage(QUIET);
  }

  /** What the stream last sent, as {@link ProxyStreams} would get it. */
  StreamDump dump(ActorTestKit kit) {
    TestProbe<StreamDump> replies = kit.createTestProbe(StreamDump.class);
    connection.tell(new XdsConnection.GetConfigDump(replies.ref()));
    return replies.receiveMessage();
  }

  <T extends ProxyEntity.Command> List<T> reported(Class<T> type) {
    return reports.stream().map(Reported::command).filter(type::isInstance).map(type::cast).toList();
  }
}
