package io.meshplane.service;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.emptyShare;
import static io.meshplane.model.TestServices.endpoint;
import static io.meshplane.model.TestServices.grpcPort;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.model.WriteFence;
import io.meshplane.service.ServiceEntity.ClusterRemoved;
import io.meshplane.service.ServiceEntity.Command;
import io.meshplane.service.ServiceEntity.EndpointsReplaced;
import io.meshplane.service.ServiceEntity.Event;
import io.meshplane.service.ServiceEntity.ReplaceShare;
import io.meshplane.service.ServiceEntity.ServiceChanged;
import io.meshplane.service.ServiceEntity.ShareFenced;
import io.meshplane.service.ServiceEntity.SpecSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceEntityTest {

  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static final ServiceSpec GREETER_SPEC = spec("greeter", "default");
  private static final AtomicInteger IDS = new AtomicInteger();

  private static ActorTestKit testKit;
  private static ActorRef<Topic.Command<ServiceChanged>> topic;

  private PersistenceId persistenceId;
  private TestProbe<ServiceChanged> subscriber;
  private EventSourcedBehaviorTestKit<Command, Event, ServiceState> entity;

  @BeforeAll
  static void startSystem() {
    testKit = ActorTestKit.create("ServiceEntityTest", EventSourcedBehaviorTestKit.config());
    topic = testKit.spawn(Topic.create(ServiceChanged.class, ServiceEntity.CHANGES_TOPIC));
  }

  @AfterAll
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void newEntityAndSubscriber() {
    // A fresh persistence id per test: the in-memory journal is shared by the whole class.
    persistenceId = PersistenceId.of(ServiceEntity.ENTITY_KEY.name(), GREETER + "-" + IDS.incrementAndGet());
    entity = EventSourcedBehaviorTestKit.create(testKit.system(),
        ServiceEntity.create(GREETER, persistenceId, topic, Clock.fixed(NOW, ZoneOffset.UTC)),
        EventSourcedBehaviorTestKit.disabledSerializationSettings());
    subscriber = testKit.createTestProbe(ServiceChanged.class);
    topic.tell(Topic.subscribe(subscriber.ref()));
    TestProbe<Topic.TopicStats> stats = testKit.createTestProbe(Topic.TopicStats.class);
    stats.awaitAssert(() -> {
      topic.tell(Topic.getTopicStats(stats.ref()));
      assertThat(stats.receiveMessage().localSubscriberCount()).isEqualTo(1);
      return null;
    });
  }

  @AfterEach
  void unsubscribe() {
    topic.tell(Topic.unsubscribe(subscriber.ref()));
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<Command, Event, ServiceState, StatusReply<Done>> replace(
      ClusterShare share) {
    return entity.runCommand(replyTo -> new ReplaceShare(share, replyTo));
  }

  @Test
  void replacing_a_share_persists_spec_and_endpoints_and_bumps_the_version_per_event() {
    ClusterShare east = share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000));

    var result = replace(east);

    assertThat(result.reply().isSuccess()).isTrue();
    assertThat(result.events()).containsExactly(
        new SpecSet("east", GREETER_SPEC),
        new EndpointsReplaced("east", east.endpoints()));
    assertThat(result.state().version()).isEqualTo(2);
    assertThat(result.state().share("east")).isEqualTo(east);
    assertThat(result.state().exists()).isTrue();
  }

  @Test
  void replacing_only_the_endpoints_persists_only_endpoints_replaced() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));

    var result = replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.2", 9000)));

    assertThat(result.events()).containsExactly(
        new EndpointsReplaced("east", List.of(endpoint("east", "10.0.0.2", 9000))));
    assertThat(result.state().version()).isEqualTo(3);
  }

  @Test
  void an_identical_share_persists_nothing_keeps_the_version_and_still_acks() {
    ClusterShare east = share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000));
    replace(east);
    subscriber.receiveMessage();

    var again = replace(east);

    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().isSuccess()).isTrue();
    assertThat(again.state().version()).isEqualTo(2);
    subscriber.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void an_empty_share_removes_the_cluster() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));

    var result = replace(emptyShare("east"));

    assertThat(result.events()).containsExactly(new ClusterRemoved("east"));
    assertThat(result.reply().isSuccess()).isTrue();
    assertThat(result.state().clusters()).isEmpty();
    assertThat(result.state().exists()).isFalse();
    assertThat(result.state().version()).isEqualTo(3);
  }

  @Test
  void an_empty_share_of_an_unknown_cluster_persists_nothing() {
    var result = replace(emptyShare("west"));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().isSuccess()).isTrue();
    assertThat(result.state().version()).isZero();
  }

  @Test
  void a_dropped_spec_removes_the_cluster_but_keeps_its_orphan_endpoints() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));

    var result = replace(new ClusterShare("east", Optional.empty(), List.of(endpoint("east", "10.0.0.1", 9000))));

    assertThat(result.events()).containsExactly(new ClusterRemoved("east"),
        new EndpointsReplaced("east", List.of(endpoint("east", "10.0.0.1", 9000))));
    assertThat(result.state().exists()).isFalse();
    assertThat(result.state().endpoints()).hasSize(1);
  }

  @Test
  void a_spec_of_another_hostname_is_rejected_and_persists_nothing() {
    ClusterShare wrong = share("east", spec("billing", "default"), endpoint("east", "10.0.0.1", 9000));

    var result = replace(wrong);

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().isError()).isTrue();
    assertThat(result.reply().getError().getMessage())
        .contains("billing.default.svc.cluster.local")
        .contains(GREETER)
        .contains("expected a spec whose hostname is the entity id");
    assertThat(result.state()).isEqualTo(ServiceState.empty(GREETER));
    subscriber.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void shares_of_two_clusters_merge() {
    ServiceSpec west = spec("greeter", "default", List.of(), grpcPort(50051),
        new ServicePort("http", 8080, 0, "http"));
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));

    var result = replace(share("west", west, endpoint("west", "10.1.0.1", 9000)));

    ServiceState state = result.state();
    assertThat(state.clusters()).containsOnlyKeys("east", "west");
    assertThat(state.endpoints()).containsExactly(endpoint("east", "10.0.0.1", 9000),
        endpoint("west", "10.1.0.1", 9000));
    assertThat(state.ports()).extracting(ServicePort::port).containsExactly(8080, 50051);
    assertThat(state.version()).isEqualTo(4);
  }

  @Test
  void a_change_is_published_with_the_new_version_and_the_clock_time() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));

    ServiceChanged changed = subscriber.receiveMessage();

    assertThat(changed.state().hostname()).isEqualTo(GREETER);
    assertThat(changed.state().version()).isEqualTo(2);
    assertThat(changed.state().endpoints()).containsExactly(endpoint("east", "10.0.0.1", 9000));
    assertThat(changed.changedAtMillis()).isEqualTo(NOW.toEpochMilli());

    replace(emptyShare("east"));

    assertThat(subscriber.receiveMessage().state().version()).isEqualTo(3);
  }

  @Test
  void get_replies_with_the_current_state() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));

    var result = entity.<ServiceState>runCommand(ServiceEntity.Get::new);

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply()).isEqualTo(entity.getState());
    assertThat(result.reply().version()).isEqualTo(2);
  }

  @Test
  void recovery_from_events_gives_the_same_state() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)));
    replace(share("west", GREETER_SPEC, endpoint("west", "10.1.0.1", 9000)));
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.2", 9000)));
    replace(emptyShare("west"));
    ServiceState before = entity.getState();

    ServiceState recovered = entity.restart().state();

    assertThat(recovered).isEqualTo(before);
    assertThat(recovered.version()).isEqualTo(6);
  }

  @Test
  void recovery_after_more_than_a_snapshot_interval_gives_the_same_state() {
    for (int i = 0; i < 130; i++) {
      replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0." + (i % 7 + 1), 9000 + i)));
    }
    ServiceState before = entity.getState();

    ServiceState recovered = entity.restart().state();

    assertThat(recovered).isEqualTo(before);
    assertThat(recovered.version()).isEqualTo(131);
    assertThat(entity.snapshotTestKit().orElseThrow().persistedInStorage(persistenceId.id()))
        .as("a snapshot was taken at 100 events")
        .isNotEmpty();
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<Command, Event, ServiceState, StatusReply<Done>> replace(
      ClusterShare share, long epoch, long sequence) {
    return entity.runCommand(replyTo -> new ReplaceShare(share, new WriteFence(epoch, sequence), replyTo));
  }

  @Test
  void a_late_write_of_an_earlier_watch_incarnation_is_acknowledged_and_ignored() {
    ClusterShare newer = share("east", GREETER_SPEC, endpoint("east", "10.0.0.2", 9000));
    replace(newer, 7, 1);
    subscriber.receiveMessage();

    long ignoredBefore = LateWrites.get(testKit.system()).shares();

    // The watch moved from epoch 3 to 7; epoch 3's write of an older share arrives last.
    var late = replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)), 3, 40);

    assertThat(late.reply().isSuccess()).isTrue();
    assertThat(late.hasNoEvents()).isTrue();
    assertThat(late.state().share("east")).isEqualTo(newer);
    assertThat(LateWrites.get(testKit.system()).shares()).as("counted for /metrics").isEqualTo(ignoredBefore + 1);
    subscriber.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void within_one_incarnation_an_earlier_write_arriving_last_is_ignored() {
    ClusterShare second = share("east", GREETER_SPEC, endpoint("east", "10.0.0.2", 9000));
    replace(second, 5, 12);

    var first = replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)), 5, 11);

    assertThat(first.hasNoEvents()).isTrue();
    assertThat(first.state().share("east")).isEqualTo(second);
    assertThat(replace(second, 5, 12).hasNoEvents()).as("the same write delivered twice").isTrue();
  }

  @Test
  void fences_are_per_cluster() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)), 9, 100);

    var west = replace(share("west", GREETER_SPEC, endpoint("west", "10.1.0.1", 9000)), 2, 1);

    assertThat(west.state().share("west").endpoints()).hasSize(1);
    assertThat(west.state().fence("east")).isEqualTo(new WriteFence(9, 100));
    assertThat(west.state().fence("west")).isEqualTo(new WriteFence(2, 1));
  }

  @Test
  void a_fenced_write_of_an_unchanged_share_persists_only_its_fence_and_publishes_nothing() {
    ClusterShare east = share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000));
    replace(east, 1, 1);
    subscriber.receiveMessage();
    long version = entity.getState().version();

    // A new incarnation re-sends what the entity already holds.
    var again = replace(east, 2, 1);

    assertThat(again.events()).containsExactly(new ShareFenced("east", new WriteFence(2, 1)));
    assertThat(again.state().version()).isEqualTo(version);
    subscriber.expectNoMessage(Duration.ofMillis(200));
    // ... which fences out the old incarnation's later writes.
    assertThat(replace(emptyShare("east"), 1, 9).hasNoEvents()).isTrue();
    assertThat(entity.getState().share("east")).isEqualTo(east);
  }

  @Test
  void the_fence_survives_a_restart_and_a_snapshot_and_a_removed_share() {
    for (int i = 0; i < 105; i++) {
      replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0." + (i % 7 + 1), 9000 + i)), 4, i + 1);
    }
    replace(emptyShare("east"), 4, 200);

    ServiceState recovered = entity.restart().state();

    assertThat(recovered.fence("east")).isEqualTo(new WriteFence(4, 200));
    assertThat(entity.snapshotTestKit().orElseThrow().persistedInStorage(persistenceId.id())).isNotEmpty();
    var late = replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.9", 9000)), 4, 150);
    assertThat(late.hasNoEvents()).as("a removed share does not come back through a late write").isTrue();
    assertThat(late.state().exists()).isFalse();
  }

  @Test
  void an_unfenced_write_is_always_applied_and_leaves_the_fence() {
    replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.1", 9000)), 6, 6);

    var unfenced = replace(share("east", GREETER_SPEC, endpoint("east", "10.0.0.3", 9000)));

    assertThat(unfenced.events()).containsExactly(
        new EndpointsReplaced("east", List.of(endpoint("east", "10.0.0.3", 9000))));
    assertThat(unfenced.state().fence("east")).isEqualTo(new WriteFence(6, 6));
  }
}
