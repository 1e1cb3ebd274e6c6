package io.meshplane.xds;

import static io.meshplane.model.TestServices.GRPC_PORT;
import static io.meshplane.model.TestServices.service;
import static io.meshplane.model.TestServices.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;
import io.meshplane.push.ServiceView;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A node's streams by proxy id: registration, config dumps, forgetting stopped streams, bounds. */
class ProxyStreamsTest {

  private static final ActorTestKit testKit = ActorTestKit.create("ProxyStreamsTest");
  private static final AtomicInteger NAMES = new AtomicInteger();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  static ProxyNode proxy(String id) {
    return new ProxyNode(id, "cluster-1", "default", "network-1", Locality.UNKNOWN, ProxyKind.PROXYLESS);
  }

  static Resource eds(String name, String... addresses) {
    return ServiceView.of(service(spec(name, "default"), 1, addresses)).resources()
        .find(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, ResourceNames.clusterLoadAssignment(
            spec(name, "default").hostname(), GRPC_PORT)).orElseThrow();
  }

  /** A dump of one EDS type holding {@code resources}. */
  static StreamDump dump(String stream, String proxyId, Resource... resources) {
    return new StreamDump(stream, XdsConnection.Mode.SOTW, proxy(proxyId), 5, List.of(new StreamDump.TypeDump(
        TypeUrls.CLUSTER_LOAD_ASSIGNMENT, new StreamDump.Subscription(false, List.of("a", "b"), 0),
        new StreamDump.Sent("v1", "1", 7, List.of(resources), 0), Optional.empty(), Optional.empty())));
  }

  /** A stand-in for an XdsConnection that answers GetConfigDump with a fixed dump. */
  static Behavior<XdsConnection.Command> answering(StreamDump dump) {
    return Behaviors.receive(XdsConnection.Command.class)
        .onMessage(XdsConnection.GetConfigDump.class, g -> {
          g.replyTo().tell(dump);
          return Behaviors.same();
        })
        .build();
  }

  private static ProxyStreams.ConfigDump ask(ActorRef<ProxyStreams.Command> streams, String proxyId, long maxBytes) {
    TestProbe<ProxyStreams.ConfigDump> replies = testKit.createTestProbe();
    streams.tell(new ProxyStreams.GetConfigDump(proxyId, maxBytes, replies.ref()));
    return replies.receiveMessage(Duration.ofSeconds(5));
  }

  private static ActorRef<ProxyStreams.Command> spawnStreams() {
    return testKit.spawn(ProxyStreams.create("node-7"), "proxy-streams-" + NAMES.incrementAndGet());
  }

  @Test
  void every_stream_of_the_proxy_on_this_node_is_dumped_and_no_other() {
    ActorRef<ProxyStreams.Command> streams = spawnStreams();
    Resource greeter = eds("greeter", "10.0.0.1");
    streams.tell(new ProxyStreams.Register("p-1", testKit.spawn(answering(dump("s-2", "p-1", greeter)), "s-2")));
    streams.tell(new ProxyStreams.Register("p-1", testKit.spawn(answering(dump("s-1", "p-1")), "s-1")));
    streams.tell(new ProxyStreams.Register("p-2", testKit.spawn(answering(dump("s-3", "p-2")), "s-3")));

    ProxyStreams.ConfigDump answer = ask(streams, "p-1", 0);

    assertThat(answer.servingNode()).isEqualTo("node-7");
    assertThat(answer.proxyId()).isEqualTo("p-1");
    assertThat(answer.streams()).extracting(StreamDump::stream).containsExactly("s-1", "s-2");
    assertThat(answer.streams().get(1).types().get(0).sent().resources()).containsExactly(greeter);
  }

  @Test
  void an_unknown_proxy_gets_an_empty_answer() {
    ProxyStreams.ConfigDump answer = ask(spawnStreams(), "nobody", 0);

    assertThat(answer.proxyId()).isEqualTo("nobody");
    assertThat(answer.streams()).isEmpty();
  }

  @Test
  void a_stopped_stream_is_forgotten() {
    ActorRef<ProxyStreams.Command> streams = spawnStreams();
    ActorRef<XdsConnection.Command> stream = testKit.spawn(answering(dump("s-9", "p-9")));
    streams.tell(new ProxyStreams.Register("p-9", stream));
    assertThat(ask(streams, "p-9", 0).streams()).hasSize(1);

    testKit.stop(stream);

    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(() -> {
      assertThat(ask(streams, "p-9", 0).streams()).isEmpty();
      return null;
    });
  }

  @Test
  void the_node_registers_its_streams_with_the_receptionist() {
    ActorRef<ProxyStreams.Command> streams = spawnStreams();
    TestProbe<Receptionist.Listing> listings = testKit.createTestProbe();

    listings.awaitAssert(() -> {
      testKit.system().receptionist().tell(Receptionist.find(ProxyStreams.SERVICE_KEY, listings.ref()));
      assertThat(listings.receiveMessage().getServiceInstances(ProxyStreams.SERVICE_KEY)).contains(streams);
      return null;
    });
  }

  @Test
  void a_bounded_dump_keeps_names_and_resources_in_order_until_the_bound_and_counts_the_rest() {
    Resource billing = eds("billing", "10.8.0.1");
    Resource greeter = eds("greeter", "10.0.0.1");
    // The names "a" and "b" (2 bytes), then billing fits; greeter does not.
    long fits = 2 + billing.body().getSerializedSize() + billing.name().length() + billing.version().length();

    StreamDump.TypeDump type = ProxyStreams.bounded(List.of(dump("s-1", "p", billing, greeter)), fits).get(0)
        .types().get(0);

    assertThat(type.subscription()).isEqualTo(new StreamDump.Subscription(false, List.of("a", "b"), 0));
    assertThat(type.sent().resources()).containsExactly(billing);
    assertThat(type.sent().omitted()).isEqualTo(1);
    assertThat(type.sent().version()).isEqualTo("v1");

    StreamDump.TypeDump unbounded = ProxyStreams.bounded(List.of(dump("s-1", "p", billing, greeter)), 0).get(0)
        .types().get(0);
    assertThat(unbounded.sent().resources()).containsExactly(billing, greeter);

    StreamDump.TypeDump tiny = ProxyStreams.bounded(List.of(dump("s-1", "p", billing, greeter)), 1).get(0)
        .types().get(0);
    assertThat(tiny.subscription()).isEqualTo(new StreamDump.Subscription(false, List.of("a"), 1));
    assertThat(tiny.sent().resources()).isEmpty();
    assertThat(tiny.sent().omitted()).isEqualTo(2);
  }

  @Test
  void the_askers_bound_applies_to_the_answer() {
    ActorRef<ProxyStreams.Command> streams = spawnStreams();
    Resource greeter = eds("greeter", "10.0.0.1");
    streams.tell(new ProxyStreams.Register("p-5", testKit.spawn(answering(dump("s-5", "p-5", greeter)))));

    StreamDump.Sent sent = ask(streams, "p-5", 1).streams().get(0).types().get(0).sent();

    assertThat(sent.resources()).isEmpty();
    assertThat(sent.omitted()).isEqualTo(1);
  }
}
