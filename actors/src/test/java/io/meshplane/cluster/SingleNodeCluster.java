package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/**
 * A one-node Pekko cluster for tests that need sharding: remoting on a free loopback port, the
 * in-memory journal and snapshot store without serialization (serializers live in another module),
 * short cluster intervals and a single shard, so that the first message to any entity sets
 * sharding up for the rest.
 */
public final class SingleNodeCluster {

  private SingleNodeCluster() {}

  public static Config config() {
    return ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        pekko.cluster.periodic-tasks-initial-delay = 100ms
        pekko.cluster.gossip-interval = 200ms
        pekko.cluster.leader-actions-interval = 200ms
        pekko.cluster.sharding.retry-interval = 200ms
        pekko.cluster.sharding.number-of-shards = 1
        pekko.cluster.sharding.distributed-data.durable.keys = []
        """).withFallback(EventSourcedBehaviorTestKit.config());
  }

  /** Joins the node to itself; call {@link #awaitUp} (real time) or poll {@link #isUp} (manual time). */
  public static void join(ActorTestKit testKit) {
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
  }

  public static boolean isUp(ActorTestKit testKit) {
    return Cluster.get(testKit.system()).selfMember().status().equals(MemberStatus.up());
  }

  public static void awaitUp(ActorTestKit testKit) {
    join(testKit);
    TestProbe<Object> probe = testKit.createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(15), () -> {
      assertThat(isUp(testKit)).as("the node is Up").isTrue();
      return null;
    });
  }
}
