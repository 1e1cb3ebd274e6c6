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
 */
public final class Blackhole {

  /** The setting that makes Artery honour blackholes (Pekko's own multi-node tests use it). */
  public static final Config TEST_MODE = ConfigFactory.parseString("pekko.remote.artery.advanced.test-mode = on");

  private Blackhole() {}

  /** Drops all Artery traffic between {@code a} and {@code b}: both directions, on both sides. */
  public static void cut(ActorSystem<?> a, ActorSystem<?> b) {
    drop(a, address(b));
    drop(b, address(a));
  }

  public static Address address(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address();
  }

  private static void drop(ActorSystem<?> on, Address peer) {
    if (!on.settings().config().getBoolean("pekko.remote.artery.advanced.test-mode")) {
      throw new IllegalStateException("cannot blackhole " + peer + " on " + address(on)
          + ": expected pekko.remote.artery.advanced.test-mode = on in that node's configuration");
    }
    RARP remoting = (RARP) RARP.apply(Adapter.toClassic(on));
    Object applied;
    try {
      applied = FutureConverters.asJava(remoting.provider().transport().managementCommand(
              new ThrottlerTransportAdapter.SetThrottle(peer, ThrottlerTransportAdapter.bothDirection(),
                  ThrottlerTransportAdapter.blackholeThrottleMode())))
          .toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("blackholing " + peer + " on " + address(on) + " failed", e);
    }
    if (!Boolean.TRUE.equals(applied)) {
      throw new IllegalStateException("Artery on " + address(on) + " did not accept the blackhole to " + peer);
    }
  }
}
