package io.meshplane.xds;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Admits new xDS streams at a bounded rate, first come first served, and never refuses one: when
 * a third of the fleet reconnects at once, the streams wait in this queue (an open HTTP/2 stream
 * whose first request is not read yet costs little) instead of all computing their first
 * responses together. A token bucket: {@code burst} streams pass at once, then {@code perSecond}.
 *
 * <p>Confined to its actor; one per node. Waiting connections are watched, so a stream that goes
 * away while queued leaves the queue.
 */
public final class AdmissionGate extends AbstractBehavior<AdmissionGate.Command> {

  /** How fast streams are admitted. */
  public record Settings(int perSecond, int burst) {
    public Settings {
      if (perSecond < 1 || burst < 1) {
        throw new IllegalArgumentException("admission rate and burst must be at least 1; got rate "
            + perSecond + "/s and burst " + burst);
      }
    }

    public static Settings defaults() {
      return new Settings(1_000, 100);
    }
  }

  /** Messages the gate accepts. */
  public sealed interface Command {}

  /** A new stream asks to be admitted; it is told {@link XdsConnection.Admitted} when it may go on. */
  public record Admit(ActorRef<XdsConnection.Command> connection) implements Command {
    public Admit {
      requireNonNull(connection, "connection");
    }
  }

  record Gone(ActorRef<XdsConnection.Command> connection) implements Command {}

  enum Tick implements Command { INSTANCE }

  /** Tokens are added in steps of this period; fine enough for thousands per second. */
  static final Duration TICK = Duration.ofMillis(10);
  private static final Object TIMER = "refill";

  public static Behavior<Command> create(Settings settings, XdsMetrics metrics) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new AdmissionGate(ctx, timers, settings, metrics)));
  }

  private final TimerScheduler<Command> timers;
  private final Settings settings;
  private final XdsMetrics metrics;
  private final double perTick;
  /** Waiting connections, oldest first, with the time they arrived (System.nanoTime). */
  private final Map<ActorRef<XdsConnection.Command>, Long> queue = new LinkedHashMap<>();
  private double tokens;

  private AdmissionGate(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      XdsMetrics metrics) {
    super(ctx);
    this.timers = timers;
    this.settings = requireNonNull(settings);
    this.metrics = requireNonNull(metrics);
    this.perTick = settings.perSecond() * (TICK.toNanos() / 1e9);
    this.tokens = settings.burst();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Admit.class, this::onAdmit)
        .onMessage(Gone.class, g -> {
          queue.remove(g.connection());
          return this;
        })
        .onMessage(Tick.class, t -> onTick())
        .build();
  }

  private Behavior<Command> onAdmit(Admit a) {
    if (queue.isEmpty() && tokens >= 1) {
      tokens -= 1;
      a.connection().tell(XdsConnection.Admitted.INSTANCE);
      metrics.admitted(0, 0);
    } else if (!queue.containsKey(a.connection())) {
      queue.put(a.connection(), System.nanoTime());
      getContext().watchWith(a.connection(), new Gone(a.connection()));
    }
    startRefill();
    return this;
  }

  private Behavior<Command> onTick() {
    tokens = Math.min(settings.burst(), tokens + perTick);
    Iterator<Map.Entry<ActorRef<XdsConnection.Command>, Long>> it = queue.entrySet().iterator();
    long now = System.nanoTime();
    while (tokens >= 1 && it.hasNext()) {
      Map.Entry<ActorRef<XdsConnection.Command>, Long> next = it.next();
      it.remove();
      tokens -= 1;
      getContext().unwatch(next.getKey());
      next.getKey().tell(XdsConnection.Admitted.INSTANCE);
      metrics.admitted((now - next.getValue()) / 1_000_000, queue.size());
    }
    if (queue.isEmpty() && tokens >= settings.burst()) {
      timers.cancel(TIMER);
    }
    return this;
  }

  private void startRefill() {
    if (!timers.isTimerActive(TIMER)) {
      timers.startTimerWithFixedDelay(TIMER, Tick.INSTANCE, TICK);
    }
  }
}
