package io.meshplane.service;

import static io.meshplane.model.TestServices.GREETER;
import static io.meshplane.model.TestServices.endpoint;
import static io.meshplane.model.TestServices.share;
import static io.meshplane.model.TestServices.spec;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.cluster.SingleNodeCluster;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServiceState;
import io.meshplane.service.ServiceEntity.ServiceChanged;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Service entity as {@link ServiceEntity#init} registers it: keyed by hostname, reached through sharding. */
class ServiceEntityShardingTest {

  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static ActorTestKit testKit;
  private static ActorRef<Topic.Command<ServiceChanged>> topic;

  @BeforeAll
  static void startCluster() {
    testKit = ActorTestKit.create("ServiceEntityShardingTest", SingleNodeCluster.config());
    SingleNodeCluster.awaitUp(testKit);
    topic = testKit.spawn(Topic.create(ServiceChanged.class, ServiceEntity.CHANGES_TOPIC));
    ServiceEntity.init(testKit.system(), topic, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterAll
  static void stopCluster() {
    testKit.shutdownTestKit();
  }

  private static EntityRef<ServiceEntity.Command> entity(String hostname) {
    return ClusterSharding.get(testKit.system()).entityRefFor(ServiceEntity.ENTITY_KEY, hostname);
  }

  @Test
  void a_share_written_through_sharding_is_acknowledged_published_and_readable() throws Exception {
    TestProbe<ServiceChanged> subscriber = testKit.createTestProbe(ServiceChanged.class);
    topic.tell(Topic.subscribe(subscriber.ref()));
    TestProbe<Topic.TopicStats> stats = testKit.createTestProbe(Topic.TopicStats.class);
    stats.awaitAssert(() -> {
      topic.tell(Topic.getTopicStats(stats.ref()));
      assertThat(stats.receiveMessage().localSubscriberCount()).isEqualTo(1);
      return null;
    });
    ClusterShare east = share("east", spec("greeter", "default"), endpoint("east", "10.0.0.1", 9000));

    Done done = entity(GREETER).<Done>askWithStatus(replyTo -> new ServiceEntity.ReplaceShare(east, replyTo),
        Duration.ofSeconds(10)).toCompletableFuture().get(15, TimeUnit.SECONDS);

    assertThat(done).isEqualTo(Done.getInstance());
    ServiceChanged changed = subscriber.receiveMessage(Duration.ofSeconds(5));
    assertThat(changed.state().hostname()).isEqualTo(GREETER);
    assertThat(changed.state().share("east")).isEqualTo(east);
    assertThat(changed.changedAtMillis()).isEqualTo(NOW.toEpochMilli());
    ServiceState read = entity(GREETER).<ServiceState>ask(ServiceEntity.Get::new, Duration.ofSeconds(10))
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertThat(read).isEqualTo(changed.state());
  }

  @Test
  void a_spec_sent_to_the_wrong_entity_fails_the_ask() {
    ClusterShare billing = share("east", spec("billing", "default"));

    var reply = entity("other.default.svc.cluster.local").<Done>askWithStatus(
        replyTo -> new ServiceEntity.ReplaceShare(billing, replyTo), Duration.ofSeconds(10)).toCompletableFuture();

    assertThat(reply).failsWithin(Duration.ofSeconds(15)).withThrowableThat()
        .withMessageContaining("expected a spec whose hostname is the entity id");
  }
}
