package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;
import io.meshplane.model.ServiceState;
import io.meshplane.model.WriteFence;
import io.meshplane.proto.v1.ProxyStatus;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.service.ServiceEntity;
import io.meshplane.xds.ProxyStreams;
import io.meshplane.xds.StreamDump;
import io.meshplane.xds.XdsConnection;
import io.meshplane.xds.generator.Resource;
import java.io.NotSerializableException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.remote.serialization.MiscMessageSerializer;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class MessageSerializerTest {

  /** How control-plane nodes run: cluster provider, Artery on loopback (any free port). */
  static final Config CLUSTER = ConfigFactory.parseString("""
      pekko.actor.provider = cluster
      pekko.remote.artery.canonical.hostname = "127.0.0.1"
      pekko.remote.artery.canonical.port = 0
      """);

  private static final ActorTestKit kit = ActorTestKit.create("message-serializer", CLUSTER);
  private static final Serialization serialization = SerializationExtension.get(kit.system().classicSystem());

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  static final String HOST = "reviews.bookinfo.svc.cluster.local";

  static ClusterShare share() {
    return new ClusterShare("east", Optional.of(MeshplaneEventSerializerTest.spec()),
        List.of(MeshplaneEventSerializerTest.endpoint("10.0.0.1", "east", new Locality("eu-west-1", "eu-west-1a", "r7")),
            MeshplaneEventSerializerTest.endpoint("10.0.0.2", "east", Locality.UNKNOWN)));
  }

  static ProxyNode proxyNode() {
    return new ProxyNode("router~10.0.0.9~ingress-1.istio-system~istio-system.svc.cluster.local", "east",
        "istio-system", "net-east", new Locality("eu-west-1", "eu-west-1b", ""), ProxyKind.GATEWAY);
  }

  static ProxyEntity.Status proxyStatus(Optional<ProxyNode> node) {
    return new ProxyEntity.Status("ingress-1", node, "node-2", true, 1_700_000_000_123L,
        Map.of("type.googleapis.com/envoy.config.cluster.v3.Cluster",
            new ProxyEntity.TypeStatus("v7", "n-12", 1_700_000_000_100L, "v6", 1_700_000_000_050L, "v5", "bad lb"),
            "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
            new ProxyEntity.TypeStatus("v3", "n-4", 10, "", 0, "", "")),
        Set.of("node-2/s-9", "node-1/s-3"));
  }

  static final String EDS = "outbound|8080||reviews.bookinfo.svc.cluster.local";

  static Resource endpoints(String address) {
    return Resource.of(EDS, ClusterLoadAssignment.newBuilder().setClusterName(EDS)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
            .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(8080)))))).build());
  }

  /** A SotW stream that was sent EDS (acknowledged, then a rejected version) and waits for CDS. */
  static StreamDump streamDump(String stream) {
    StreamDump.TypeDump eds = new StreamDump.TypeDump("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
        new StreamDump.Subscription(false, List.of(EDS), 2),
        new StreamDump.Sent("v2", "n-2", 1_700_000_000_200L, List.of(endpoints("10.0.0.7")), 3),
        Optional.of(new StreamDump.Ack("v1", "n-1", 1_700_000_000_150L)),
        Optional.of(new StreamDump.Nack("v2", "n-2", "endpoint 10.0.0.7 rejected", 1_700_000_000_250L)));
    StreamDump.TypeDump cds = new StreamDump.TypeDump("type.googleapis.com/envoy.config.cluster.v3.Cluster",
        new StreamDump.Subscription(true, List.of(), 0), StreamDump.Sent.NONE, Optional.empty(), Optional.empty());
    return new StreamDump(stream, XdsConnection.Mode.SOTW, proxyNode(), 1_700_000_000_100L, List.of(cds, eds));
  }

  static ProxyStreams.ConfigDump configDump() {
    return new ProxyStreams.ConfigDump("node-2", "ingress-1", List.of(streamDump("xds-sotw-1"),
        new StreamDump("xds-delta-2", XdsConnection.Mode.DELTA, proxyNode(), 0, List.of())));
  }

  /** Serializes through the extension, so the reference.conf binding is what is exercised. */
  private static Object roundTrip(Object value) throws NotSerializableException {
    Serializer serializer = serialization.findSerializerFor(value);
    assertThat(serializer.identifier()).as("serializer of %s", value.getClass().getName())
        .isEqualTo(MeshplaneMessageSerializer.IDENTIFIER);
    byte[] bytes = serialization.serialize(value).get();
    return serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, value)).get();
  }

  private static MeshplaneMessageSerializer serializer() {
    return (MeshplaneMessageSerializer) serialization.findSerializerFor(ClusterWatch.Ensure.INSTANCE);
  }

  @Test
  void service_commands_round_trip_and_their_reply_refs_still_deliver() throws Exception {
    TestProbe<StatusReply<Done>> acks = kit.createTestProbe();
    ServiceEntity.ReplaceShare replace = new ServiceEntity.ReplaceShare(share(), acks.ref());
    ServiceEntity.ReplaceShare replaceBack = (ServiceEntity.ReplaceShare) roundTrip(replace);
    assertThat(replaceBack).isEqualTo(replace);
    replaceBack.replyTo().tell(StatusReply.ack());
    assertThat(acks.receiveMessage().isSuccess()).isTrue();
    ServiceEntity.ReplaceShare fenced = new ServiceEntity.ReplaceShare(share(), new WriteFence(31, 4_000), acks.ref());
    assertThat(roundTrip(fenced)).isEqualTo(fenced);

    TestProbe<ServiceState> states = kit.createTestProbe();
    ServiceEntity.Get get = new ServiceEntity.Get(states.ref());
    ServiceEntity.Get getBack = (ServiceEntity.Get) roundTrip(get);
    assertThat(getBack).isEqualTo(get);
    getBack.replyTo().tell(MeshplaneEventSerializerTest.state());
    assertThat(states.receiveMessage()).isEqualTo(MeshplaneEventSerializerTest.state());

    ServiceEntity.ServiceChanged changed = new ServiceEntity.ServiceChanged(MeshplaneEventSerializerTest.state(),
        1_700_000_000_777L);
    assertThat(roundTrip(changed)).isEqualTo(changed);
  }

  @Test
  void cluster_watch_commands_and_replies_round_trip() throws Exception {
    assertThat(roundTrip(ClusterWatch.Ensure.INSTANCE)).isSameAs(ClusterWatch.Ensure.INSTANCE);
    assertThat(roundTrip(ClusterWatch.Forget.INSTANCE)).isSameAs(ClusterWatch.Forget.INSTANCE);

    TestProbe<ClusterWatch.Status> statuses = kit.createTestProbe();
    ClusterWatch.GetStatus getStatus = (ClusterWatch.GetStatus) roundTrip(new ClusterWatch.GetStatus(statuses.ref()));
    ClusterWatch.Status status = new ClusterWatch.Status("east", true, "API server v1.30 reachable", true, 42, 3,
        1_700_000_000_123L);
    assertThat(roundTrip(status)).isEqualTo(status);
    getStatus.replyTo().tell(status);
    assertThat(statuses.receiveMessage()).isEqualTo(status);

    TestProbe<ClusterWatch.Catalog> catalogs = kit.createTestProbe();
    ClusterWatch.GetCatalog getCatalog =
        (ClusterWatch.GetCatalog) roundTrip(new ClusterWatch.GetCatalog(catalogs.ref()));
    ClusterWatch.Catalog catalog = new ClusterWatch.Catalog("east", Set.of(HOST, "ratings.bookinfo.svc.cluster.local"));
    assertThat(roundTrip(catalog)).isEqualTo(catalog);
    assertThat(roundTrip(new ClusterWatch.Catalog("empty", Set.of()))).isEqualTo(new ClusterWatch.Catalog("empty", Set.of()));
    getCatalog.replyTo().tell(catalog);
    assertThat(catalogs.receiveMessage()).isEqualTo(catalog);

    ClusterWatch.Status replica = new ClusterWatch.Status("east", false, "replica: region eu watches the cluster",
        false, 42, 0, 1_700_000_000_123L, "eu");
    assertThat(roundTrip(replica)).isEqualTo(replica);
  }

  @Test
  void replication_between_regions_round_trips_with_its_reply_to() throws Exception {
    TestProbe<StatusReply<Done>> replies = kit.createTestProbe();
    ClusterWatch.Replicate replicate = new ClusterWatch.Replicate(HOST, share(), replies.ref());
    ClusterWatch.Replicate back = (ClusterWatch.Replicate) roundTrip(replicate);
    assertThat(back).isEqualTo(replicate);
    ClusterWatch.Replicate removal = new ClusterWatch.Replicate(HOST,
        new ClusterShare(share().clusterId(), Optional.empty(), List.of()), replies.ref());
    assertThat(roundTrip(removal)).isEqualTo(removal);
    back.replyTo().tell(StatusReply.ack());
    assertThat(replies.receiveMessage()).isEqualTo(StatusReply.ack());

    ClusterWatch.Reconcile reconcile = new ClusterWatch.Reconcile(Set.of(HOST, "b.default.svc.cluster.local"),
        replies.ref());
    assertThat(roundTrip(reconcile)).isEqualTo(reconcile);
    assertThat(roundTrip(new ClusterWatch.Reconcile(Set.of(), replies.ref())))
        .isEqualTo(new ClusterWatch.Reconcile(Set.of(), replies.ref()));

    ClusterWatch.Replicate fenced = new ClusterWatch.Replicate(HOST, share(), "us", new WriteFence(8, 21),
        replies.ref());
    assertThat(roundTrip(fenced)).isEqualTo(fenced);
    ClusterWatch.Reconcile fencedReconcile = new ClusterWatch.Reconcile(Set.of(HOST), "us", new WriteFence(8, 22),
        replies.ref());
    assertThat(roundTrip(fencedReconcile)).isEqualTo(fencedReconcile);
  }

  @Test
  void proxy_commands_and_status_round_trip_with_and_without_a_node() throws Exception {
    List<Object> commands = List.of(
        new ProxyEntity.Connected(proxyNode(), "node-2", "s-9", 1_700_000_000_001L),
        new ProxyEntity.Disconnected("node-1", "s-3", 1_700_000_000_002L),
        new ProxyEntity.Sent("type.googleapis.com/envoy.config.listener.v3.Listener", "v8", "n-13", 3),
        new ProxyEntity.Acked("type.googleapis.com/envoy.config.listener.v3.Listener", "v8", "n-13", 4),
        new ProxyEntity.Nacked("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "v9", "n-14",
            "route 'x': unknown cluster 'y'", 5),
        proxyStatus(Optional.of(proxyNode())),
        proxyStatus(Optional.empty()));
    for (Object command : commands) {
      assertThat(roundTrip(command)).isEqualTo(command);
    }
    for (ProxyKind kind : ProxyKind.values()) {
      ProxyNode node = new ProxyNode("p", "", "default", "", Locality.UNKNOWN, kind);
      ProxyEntity.Connected connected = new ProxyEntity.Connected(node, "n", "s", 0);
      assertThat(roundTrip(connected)).isEqualTo(connected);
    }

    TestProbe<ProxyEntity.Status> statuses = kit.createTestProbe();
    ProxyEntity.GetStatus back = (ProxyEntity.GetStatus) roundTrip(new ProxyEntity.GetStatus(statuses.ref()));
    back.replyTo().tell(proxyStatus(Optional.empty()));
    assertThat(statuses.receiveMessage()).isEqualTo(proxyStatus(Optional.empty()));
  }

  @Test
  void config_dump_request_and_reply_round_trip_with_their_resources() throws Exception {
    ProxyStreams.ConfigDump dump = configDump();
    ProxyStreams.ConfigDump back = (ProxyStreams.ConfigDump) roundTrip(dump);
    assertThat(back).isEqualTo(dump);
    Resource sent = back.streams().get(0).types().get(1).sent().resources().get(0);
    assertThat(sent.body().getTypeUrl()).isEqualTo("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment");
    assertThat(ClusterLoadAssignment.parseFrom(sent.body().getValue()).getEndpoints(0).getLbEndpoints(0)
        .getEndpoint().getAddress().getSocketAddress().getAddress()).isEqualTo("10.0.0.7");
    ProxyStreams.ConfigDump none = new ProxyStreams.ConfigDump("node-1", "nobody", List.of());
    assertThat(roundTrip(none)).isEqualTo(none);

    TestProbe<ProxyStreams.ConfigDump> dumps = kit.createTestProbe();
    ProxyStreams.GetConfigDump get = new ProxyStreams.GetConfigDump("ingress-1", 196_608, dumps.ref());
    ProxyStreams.GetConfigDump getBack = (ProxyStreams.GetConfigDump) roundTrip(get);
    assertThat(getBack).isEqualTo(get);
    getBack.replyTo().tell(dump);
    assertThat(dumps.receiveMessage()).isEqualTo(dump);
  }

  @Test
  void a_stream_registration_never_crosses_nodes() {
    TestProbe<XdsConnection.Command> stream = kit.createTestProbe();
    ProxyStreams.Register register = new ProxyStreams.Register("p", stream.ref());
    assertThat(serialization.findSerializerFor(register).identifier()).isEqualTo(MeshplaneMessageSerializer.IDENTIFIER);
    assertThatThrownBy(() -> serializer().toBinary(register))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ProxyStreams$Register")
        .hasMessageContaining("never crosses nodes");
  }

  @Test
  void an_unknown_xds_mode_fails_as_not_serializable() {
    byte[] newerMode = io.meshplane.proto.v1.ProxyConfigDump.newBuilder().setServingNode("n").setProxyId("p")
        .addStreams(io.meshplane.proto.v1.XdsStreamDump.newBuilder().setStream("s").setModeValue(7)
            .setNode(MessageProtos.toProto(proxyNode()))).build().toByteArray();
    assertThatThrownBy(() -> serializer().fromBinary(newerMode, "XCD"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("unknown to this version");
  }

  @Test
  void status_bytes_are_the_schema_message_with_sorted_streams() throws Exception {
    ProxyStatus proto = ProxyStatus.parseFrom(serializer().toBinary(proxyStatus(Optional.of(proxyNode()))));
    assertThat(proto.getStreamsList()).containsExactly("node-1/s-3", "node-2/s-9");
    assertThat(proto.getNode().getKind()).isEqualTo(io.meshplane.proto.v1.ProxyKind.PROXY_KIND_GATEWAY);
    assertThat(proto.getTypesMap()).hasSize(2);
    assertThat(ProxyStatus.parseFrom(serializer().toBinary(proxyStatus(Optional.empty()))).hasNode()).isFalse();
  }

  @Test
  void manifests_are_the_short_stable_names() {
    TestProbe<Object> probe = kit.createTestProbe();
    ActorRef<Object> ref = probe.ref();
    MeshplaneMessageSerializer s = serializer();
    Map<String, Object> expected = Map.ofEntries(
        Map.entry("SRS", new ServiceEntity.ReplaceShare(share(), ref.narrow())),
        Map.entry("SG", new ServiceEntity.Get(ref.narrow())),
        Map.entry("SC", new ServiceEntity.ServiceChanged(ServiceState.empty(HOST), 0)),
        Map.entry("CWE", ClusterWatch.Ensure.INSTANCE),
        Map.entry("CWF", ClusterWatch.Forget.INSTANCE),
        Map.entry("CWGS", new ClusterWatch.GetStatus(ref.narrow())),
        Map.entry("CWGC", new ClusterWatch.GetCatalog(ref.narrow())),
        Map.entry("CWC", new ClusterWatch.Catalog("c", Set.of())),
        Map.entry("CWST", new ClusterWatch.Status("c", false, "", false, 0, 0, 0)),
        Map.entry("CWR", new ClusterWatch.Replicate(HOST, share(), ref.narrow())),
        Map.entry("CWRC", new ClusterWatch.Reconcile(Set.of(HOST), ref.narrow())),
        Map.entry("PC", new ProxyEntity.Connected(proxyNode(), "n", "s", 0)),
        Map.entry("PD", new ProxyEntity.Disconnected("n", "s", 0)),
        Map.entry("PS", new ProxyEntity.Sent("t", "v", "n", 0)),
        Map.entry("PA", new ProxyEntity.Acked("t", "v", "n", 0)),
        Map.entry("PN", new ProxyEntity.Nacked("t", "v", "n", "e", 0)),
        Map.entry("PGS", new ProxyEntity.GetStatus(ref.narrow())),
        Map.entry("PST", proxyStatus(Optional.empty())),
        Map.entry("XGCD", new ProxyStreams.GetConfigDump("p", 0, ref.narrow())),
        Map.entry("XCD", new ProxyStreams.ConfigDump("n", "p", List.of())));
    assertThat(s.identifier()).isEqualTo(7412);
    expected.forEach((manifest, message) ->
        assertThat(s.manifest(message)).as(message.getClass().getName()).isEqualTo(manifest));
  }

  @Test
  void a_service_state_reply_keeps_the_event_serializer() {
    assertThat(serialization.findSerializerFor(MeshplaneEventSerializerTest.state()).identifier())
        .isEqualTo(MeshplaneEventSerializer.IDENTIFIER);
  }

  @Test
  void status_replies_and_done_use_pekko_misc_serializer_not_java() throws Exception {
    List<Object> replies = List.of(StatusReply.ack(), StatusReply.error("spec of a.b sent to service c.d"),
        Done.getInstance());
    for (Object reply : replies) {
      Serializer serializer = serialization.findSerializerFor(reply);
      assertThat(serializer).as("serializer of %s", reply).isInstanceOf(MiscMessageSerializer.class);
      Object back = serialization.deserialize(serialization.serialize(reply).get(), serializer.identifier(),
          Serializers.manifestFor(serializer, reply)).get();
      assertThat(back).isEqualTo(reply);
      if (back instanceof StatusReply<?> status && status.isError()) {
        assertThat(status.getError().getMessage()).isEqualTo("spec of a.b sent to service c.d");
      }
    }
  }

  @Test
  void self_only_commands_are_rejected_naming_them() throws Exception {
    List<Object> selfOnly = List.of(
        Class.forName("io.meshplane.cluster.ClusterWatch$SyncReported").getEnumConstants()[0],
        Class.forName("io.meshplane.cluster.ClusterWatch$RegionsChanged").getEnumConstants()[0],
        Class.forName("io.meshplane.proxy.ProxyEntity$Forget").getEnumConstants()[0]);
    for (Object command : selfOnly) {
      assertThat(serialization.findSerializerFor(command).identifier()).isEqualTo(MeshplaneMessageSerializer.IDENTIFIER);
      assertThatThrownBy(() -> serializer().manifest(command))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(command.getClass().getName())
          .hasMessageContaining("never crosses nodes");
      assertThatThrownBy(() -> serializer().toBinary(command))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(command.getClass().getName());
    }
  }

  @Test
  void unknown_manifest_fails_naming_it() {
    assertThatThrownBy(() -> serializer().fromBinary(new byte[0], "XYZ"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("'XYZ'");
  }

  @Test
  void missing_reply_to_and_unknown_proxy_kind_fail_as_not_serializable() {
    assertThatThrownBy(() -> serializer().fromBinary(new byte[0], "SG"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("reply_to is empty");
    byte[] newerKind = io.meshplane.proto.v1.ProxyConnected.newBuilder()
        .setNode(io.meshplane.proto.v1.ProxyNode.newBuilder().setId("p").setNamespace("default").setKindValue(9))
        .setServingNode("n").setStream("s").build().toByteArray();
    assertThatThrownBy(() -> serializer().fromBinary(newerKind, "PC"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("unknown to this version");
  }

  /**
   * With serialize-messages on every message between actors goes through its serializer (Java
   * serialization is off), so a message without a binding never arrives.
   */
  @Test
  void entities_answer_through_serializers_when_every_message_is_serialized() {
    Config config = ConfigFactory.parseString("""
        pekko.actor.serialize-messages = on
        pekko.persistence.journal.plugin = "pekko.persistence.journal.inmem"
        pekko.persistence.journal.inmem.test-serialization = on
        pekko.persistence.snapshot-store.plugin = "pekko.persistence.no-snapshot-store"
        """).withFallback(CLUSTER);
    ActorTestKit serializing = ActorTestKit.create("serialize-messages", config);
    try {
      assertThat(serializing.system().settings().classicSettings().SerializeAllMessages()).isTrue();
      // The control: an unbound message is dropped, so the next message is the first to arrive.
      TestProbe<Object> control = serializing.createTestProbe();
      control.ref().tell(new Unbound("dropped"));
      control.ref().tell(ClusterWatch.Ensure.INSTANCE);
      assertThat(control.receiveMessage()).isSameAs(ClusterWatch.Ensure.INSTANCE);

      Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_500L), ZoneOffset.UTC);
      ActorRef<Topic.Command<ServiceEntity.ServiceChanged>> topic =
          serializing.spawn(Topic.create(ServiceEntity.ServiceChanged.class, ServiceEntity.CHANGES_TOPIC));
      TestProbe<ServiceEntity.ServiceChanged> changes = serializing.createTestProbe();
      topic.tell(Topic.subscribe(changes.ref()));
      ActorRef<ServiceEntity.Command> service = serializing.spawn(ServiceEntity.create(HOST,
          PersistenceId.of(ServiceEntity.ENTITY_KEY.name(), HOST), topic, clock));

      TestProbe<StatusReply<Done>> acks = serializing.createTestProbe();
      service.tell(new ServiceEntity.ReplaceShare(share(), acks.ref()));
      assertThat(acks.receiveMessage().isSuccess()).isTrue();
      ServiceEntity.ServiceChanged changed = changes.receiveMessage();
      assertThat(changed.state().share("east")).isEqualTo(share());
      assertThat(changed.changedAtMillis()).isEqualTo(1_700_000_000_500L);
      TestProbe<ServiceState> states = serializing.createTestProbe();
      service.tell(new ServiceEntity.Get(states.ref()));
      assertThat(states.receiveMessage()).isEqualTo(changed.state());

      ActorRef<ProxyEntity.Command> proxy = serializing.spawn(ProxyEntity.create("ingress-1"));
      proxy.tell(new ProxyEntity.Connected(proxyNode(), "node-2", "s-9", 100));
      proxy.tell(new ProxyEntity.Sent("type.googleapis.com/envoy.config.listener.v3.Listener", "v1", "n-1", 101));
      proxy.tell(new ProxyEntity.Nacked("type.googleapis.com/envoy.config.listener.v3.Listener", "v1", "n-1",
          "bad filter", 102));
      TestProbe<ProxyEntity.Status> statuses = serializing.createTestProbe();
      proxy.tell(new ProxyEntity.GetStatus(statuses.ref()));
      ProxyEntity.Status status = statuses.receiveMessage();
      assertThat(status.node()).contains(proxyNode());
      assertThat(status.connected()).isTrue();
      assertThat(status.streams()).containsExactly("node-2/s-9");
      assertThat(status.lastSeenMillis()).isEqualTo(102);
      assertThat(status.types().get("type.googleapis.com/envoy.config.listener.v3.Listener").lastError())
          .isEqualTo("bad filter");

      // A node's config dump: the request and the reply cross nodes; the stream's own leg is local.
      ActorRef<ProxyStreams.Command> streams = serializing.spawn(ProxyStreams.create("node-2"));
      StreamDump stream = streamDump("xds-sotw-1");
      streams.tell(new ProxyStreams.Register("ingress-1", serializing.spawn(Behaviors.receive(XdsConnection.Command.class)
          .onMessage(XdsConnection.GetConfigDump.class, g -> {
            g.replyTo().tell(stream);
            return Behaviors.same();
          }).build())));
      TestProbe<ProxyStreams.ConfigDump> dumps = serializing.createTestProbe();
      streams.tell(new ProxyStreams.GetConfigDump("ingress-1", 0, dumps.ref()));
      assertThat(dumps.receiveMessage()).isEqualTo(new ProxyStreams.ConfigDump("node-2", "ingress-1", List.of(stream)));
    } finally {
      serializing.shutdownTestKit();
    }
  }

  /** Has no serializer binding; Java serialization is off. */
  record Unbound(String text) {}
}
