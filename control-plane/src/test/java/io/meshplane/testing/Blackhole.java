package io.meshplane.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.RARP;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import scala.jdk.javaapi.FutureConverters;

/**
 * Imitates a crash between Pekko nodes that share one JVM: Artery drops every message between two
 * members, in both directions, so each takes the other for dead while both keep running. Every
 * node must be started with {@link #TEST_MODE} (test configuration only: it puts a filtering stage
 * into every Artery stream), otherwise Artery ignores the blackhole, which {@link #cut} refuses.
 * {@link #heal} lets the traffic through again: a partition that ends, as long as neither side
 * has downed the other meanwhile.
 */
public final class Blackhole {

  /** The setting that makes Artery honour blackholes (Pekko's own multi-node tests use it). */
  public static final Config TEST_MODE = ConfigFactory.parseString("pekko.remote.artery.advanced.test-mode = on");

  private Blackhole() {}

  /** Drops all Artery traffic between {@code a} and {@code b}: both directions, on both sides. */
  public static void cut(ActorSystem<?> a, ActorSystem<?> b) {
    throttle(a, address(b), ThrottlerTransportAdapter.blackholeThrottleMode(), "blackholing");
    throttle(b, address(a), ThrottlerTransportAdapter.blackholeThrottleMode(), "blackholing");
  }

  /** Undoes {@link #cut}: Artery carries traffic between {@code a} and {@code b} again, both ways. */
  public static void heal(ActorSystem<?> a, ActorSystem<?> b) {
    throttle(a, address(b), ThrottlerTransportAdapter.unthrottledThrottleMode(), "healing the link to");
    throttle(b, address(a), ThrottlerTransportAdapter.unthrottledThrottleMode(), "healing the link to");
  }

  public static Address address(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address();
  }

  private static void throttle(ActorSystem<?> on, Address peer, ThrottlerTransportAdapter.ThrottleMode mode,
      String what) {
    if (!on.settings().config().getBoolean("pekko.remote.artery.advanced.test-mode")) {
      throw new IllegalStateException(what + " " + peer + " on " + address(on) + " is not possible"
          + ": expected pekko.remote.artery.advanced.test-mode = on in that node's configuration");
    }
    RARP remoting = (RARP) RARP.apply(Adapter.toClassic(on));
    Object applied;
    try {
      applied = FutureConverters.asJava(remoting.provider().transport().managementCommand(
              new ThrottlerTransportAdapter.SetThrottle(peer, ThrottlerTransportAdapter.bothDirection(), mode)))
          .toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(what + " " + peer + " on " + address(on) + " failed", e);
    }
    if (!Boolean.TRUE.equals(applied)) {
      throw new IllegalStateException("Artery on " + address(on) + " refused " + what + " " + peer);
    }
  }
}
