package io.meshplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;
import io.meshplane.proxy.ProxyEntity.TypeStatus;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ProxyEntityTest {

  private static final ActorTestKit testKit = ActorTestKit.create("ProxyEntityTest", ManualTime.config());
  private static final ManualTime time = ManualTime.get(testKit.system());
  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final ProxyNode NODE = new ProxyNode("client-1", "east", "default", "net-1", Locality.UNKNOWN,
      ProxyKind.PROXYLESS);

  private ActorRef<ProxyEntity.Command> proxy;
  private TestProbe<ProxyEntity.Status> replies;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newProxy() {
    proxy = testKit.spawn(ProxyEntity.create(NODE.id()));
    replies = testKit.createTestProbe(ProxyEntity.Status.class);
  }

  private ProxyEntity.Status status() {
    proxy.tell(new ProxyEntity.GetStatus(replies.ref()));
    return replies.receiveMessage();
  }

  @Test
  void an_unknown_proxy_is_disconnected_with_no_types() {
    ProxyEntity.Status s = status();

    assertThat(s.proxyId()).isEqualTo("client-1");
    assertThat(s.node()).isEmpty();
    assertThat(s.connected()).isFalse();
    assertThat(s.types()).isEmpty();
  }

  @Test
  void an_entity_only_asked_about_stops_itself_and_one_a_stream_reports_to_stays() {
    ActorRef<ProxyEntity.Command> reported = testKit.spawn(ProxyEntity.create("client-2"));
    reported.tell(new ProxyEntity.Connected(NODE, "node-1", "s1", 100));
    status();

    time.timePasses(ProxyEntity.STREAM_TTL.minusSeconds(1));
    assertThat(status().proxyId()).as("still there just before the deadline").isEqualTo("client-1");
    time.timePasses(Duration.ofSeconds(2));
    replies.expectTerminated(proxy);

    reported.tell(new ProxyEntity.GetStatus(replies.ref()));
    assertThat(replies.receiveMessage().node()).as("the entity a stream reported to still answers").contains(NODE);
    testKit.stop(reported);
  }

  @Test
  void a_connected_stream_records_node_serving_node_and_stream() {
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "stream-7", 100));

    ProxyEntity.Status s = status();
    assertThat(s.node()).contains(NODE);
    assertThat(s.servingNode()).isEqualTo("node-1");
    assertThat(s.connected()).isTrue();
    assertThat(s.lastSeenMillis()).isEqualTo(100);
    assertThat(s.streams()).containsExactly("node-1/stream-7");
  }

  @Test
  void sent_acked_and_nacked_are_tracked_per_type() {
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "s1", 100));
    proxy.tell(new ProxyEntity.Sent(CDS, "v1", "1", 110));
    proxy.tell(new ProxyEntity.Acked(CDS, "v1", "1", 120));
    proxy.tell(new ProxyEntity.Sent(CDS, "v2", "2", 130));
    proxy.tell(new ProxyEntity.Nacked(CDS, "v2", "2", "bad cluster", 140));

    TypeStatus cds = status().types().get(CDS);
    assertThat(cds).isEqualTo(new TypeStatus("v2", "2", 130, "v1", 120, "v2", "bad cluster"));
    assertThat(status().lastSeenMillis()).isEqualTo(140);

    proxy.tell(new ProxyEntity.Sent(CDS, "v3", "3", 150));
    proxy.tell(new ProxyEntity.Acked(CDS, "v3", "3", 160));

    assertThat(status().types().get(CDS)).as("an ACK clears the last rejection")
        .isEqualTo(new TypeStatus("v3", "3", 150, "v3", 160, "", ""));
  }

  @Test
  void a_proxy_stays_connected_while_one_of_its_streams_is_open() {
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "s1", 100));
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "s2", 101));

    proxy.tell(new ProxyEntity.Disconnected("node-1", "s1", 200));

    ProxyEntity.Status s = status();
    assertThat(s.connected()).isTrue();
    assertThat(s.streams()).containsExactly("node-1/s2");
    assertThat(s.lastSeenMillis()).isEqualTo(200);
  }

  @Test
  void a_disconnected_proxy_is_forgotten_after_a_while() {
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "s1", 100));
    proxy.tell(new ProxyEntity.Disconnected("node-1", "s1", 200));
    assertThat(status().connected()).isFalse();

    time.timePasses(ProxyEntity.FORGET_AFTER_DISCONNECT.minusSeconds(1));
    assertThat(status().node()).as("still known just before the deadline").contains(NODE);

    time.timePasses(Duration.ofSeconds(2));
    replies.expectTerminated(proxy);
  }

  @Test
  void a_reconnect_cancels_forgetting() {
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "s1", 100));
    proxy.tell(new ProxyEntity.Disconnected("node-1", "s1", 200));
    status();
    time.timePasses(Duration.ofMinutes(1));

    // The new stream heartbeats for longer than the forget deadline.
    Duration elapsed = Duration.ZERO;
    long at = 300;
    while (elapsed.compareTo(ProxyEntity.FORGET_AFTER_DISCONNECT.plusMinutes(1)) < 0) {
      proxy.tell(new ProxyEntity.Connected(NODE, "node-2", "s9", at));
      status();
      time.timePasses(ProxyEntity.HEARTBEAT);
      elapsed = elapsed.plus(ProxyEntity.HEARTBEAT);
      at += ProxyEntity.HEARTBEAT.toMillis();
    }

    ProxyEntity.Status s = status();
    assertThat(s.connected()).isTrue();
    assertThat(s.servingNode()).isEqualTo("node-2");
  }

  @Test
  void a_stream_that_stops_heartbeating_counts_as_gone() {
    // Its node crashed: no Disconnected ever comes.
    proxy.tell(new ProxyEntity.Connected(NODE, "node-1", "s1", 100));
    assertThat(status().connected()).isTrue();

    time.timePasses(ProxyEntity.STREAM_TTL.minusSeconds(1));
    assertThat(status().connected()).as("still within the TTL").isTrue();

    time.timePasses(Duration.ofSeconds(2));
    ProxyEntity.Status s = status();
    assertThat(s.connected()).isFalse();
    assertThat(s.streams()).isEmpty();
  }
}
