package io.meshplane.proxy;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.ProxyNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The sync status of one proxy, keyed by proxy id and sharded, so that any node can answer "is
 * proxy X in sync?": which node serves it and, per type URL, what was sent, acknowledged and
 * rejected. The xDS connection serving the proxy sends it every event; the status is not
 * persisted (a proxy reconnecting re-reports it). The entity stops itself a while after its proxy
 * disconnects.
 *
 * <p>Confined to its actor; time stamps come from the sender's clock.
 */
public final class ProxyEntity {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Proxy");
  static final Duration FORGET_AFTER_DISCONNECT = Duration.ofMinutes(5);
  /**
   * A stream not refreshed by a {@link Connected} heartbeat for this long counts as gone: its
   * Disconnected may have been lost with a crashed node, or this entity may have restarted
   * elsewhere and missed it. Streams send a heartbeat every {@link #HEARTBEAT}.
   */
  public static final Duration HEARTBEAT = Duration.ofSeconds(5);
  static final Duration STREAM_TTL = HEARTBEAT.multipliedBy(4);

  private ProxyEntity() {}

  /** Messages this entity accepts. */
  public sealed interface Command {}

  /**
   * A stream of the proxy is open on {@code servingNode}; {@code stream} identifies it on that
   * node (a proxy may open several, for example one per xDS target in grpc-java). Sent when the
   * stream opens and then every {@link #HEARTBEAT}, so that the status heals after a failover.
   */
  public record Connected(ProxyNode node, String servingNode, String stream, long atMillis) implements Command {
    public Connected {
      requireNonNull(node, "node");
      requireNonNull(servingNode, "servingNode");
      requireNonNull(stream, "stream");
    }
  }

  /** A stream ended; the proxy counts as disconnected once none of its streams is open. */
  public record Disconnected(String servingNode, String stream, long atMillis) implements Command {}

  /** A response was sent. */
  public record Sent(String typeUrl, String version, String nonce, long atMillis) implements Command {}

  /** The proxy acknowledged a response. */
  public record Acked(String typeUrl, String version, String nonce, long atMillis) implements Command {}

  /** The proxy rejected a response; it keeps its last good config. */
  public record Nacked(String typeUrl, String version, String nonce, String error, long atMillis)
      implements Command {}

  /** Replies with the status. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  enum Forget implements Command { INSTANCE }

  record StreamExpired(String stream) implements Command {}

  /** Per type URL: the last response sent, the last acknowledged and the last rejected. */
  public record TypeStatus(String sentVersion, String sentNonce, long sentAtMillis, String ackedVersion,
      long ackedAtMillis, String nackedVersion, String lastError) {
    static final TypeStatus NONE = new TypeStatus("", "", 0, "", 0, "", "");
  }

  /** The status of one proxy; {@code streams} are its open streams as node/stream. Immutable. */
  public record Status(String proxyId, Optional<ProxyNode> node, String servingNode, boolean connected,
      long lastSeenMillis, Map<String, TypeStatus> types, Set<String> streams) {
    public Status {
      types = Map.copyOf(types);
      streams = Set.copyOf(streams);
    }
  }

  /**
   * Registers the entity type with sharding (in this node's region; the other regions' through
   * proxies, for status asked from here); it stops itself, so passivation is off.
   */
  public static void init(ActorSystem<?> system, java.util.List<String> otherRegions) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId()))
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
    for (String region : otherRegions) {
      sharding.init(Entity.of(ENTITY_KEY, ctx -> Behaviors.<Command>empty()).withDataCenter(region));
    }
  }

  /** {@link #init(ActorSystem, java.util.List)} in a single-region control plane. */
  public static void init(ActorSystem<?> system) {
    init(system, java.util.List.of());
  }

  /**
   * An entity no stream reports to stops after {@link #STREAM_TTL}: one started by a status query
   * for an id no proxy has (a typo in {@code /debug/proxies/<id>} must not leave an entity behind
   * for good), or one restarted on another node, which its streams' next heartbeat keeps.
   */
  public static Behavior<Command> create(String proxyId) {
    return Behaviors.withTimers(timers -> {
      timers.startSingleTimer(Forget.INSTANCE, STREAM_TTL);
      return tracking(new Status(proxyId, Optional.empty(), "", false, 0, Map.of(), Set.of()), timers);
    });
  }

  private static Behavior<Command> tracking(Status s,
      TimerScheduler<Command> timers) {
    return Behaviors.receive(Command.class)
        .onMessage(Connected.class, c -> {
          timers.cancel(Forget.INSTANCE);
          String key = c.servingNode() + "/" + c.stream();
          timers.startSingleTimer(key, new StreamExpired(key), STREAM_TTL);
          Set<String> streams = new HashSet<>(s.streams());
          streams.add(key);
          return tracking(new Status(s.proxyId(), Optional.of(c.node()), c.servingNode(), true,
              Math.max(c.atMillis(), s.lastSeenMillis()), s.types(), streams), timers);
        })
        .onMessage(Disconnected.class, d -> streamGone(s, d.servingNode() + "/" + d.stream(), d.atMillis(), timers))
        .onMessage(StreamExpired.class, e -> streamGone(s, e.stream(), s.lastSeenMillis(), timers))
        .onMessage(Sent.class, m -> tracking(update(s, m.typeUrl(), m.atMillis(),
            t -> new TypeStatus(m.version(), m.nonce(), m.atMillis(), t.ackedVersion(), t.ackedAtMillis(),
                t.nackedVersion(), t.lastError())), timers))
        .onMessage(Acked.class, m -> tracking(update(s, m.typeUrl(), m.atMillis(),
            t -> new TypeStatus(t.sentVersion(), t.sentNonce(), t.sentAtMillis(), m.version(), m.atMillis(),
                "", "")), timers))
        .onMessage(Nacked.class, m -> tracking(update(s, m.typeUrl(), m.atMillis(),
            t -> new TypeStatus(t.sentVersion(), t.sentNonce(), t.sentAtMillis(), t.ackedVersion(),
                t.ackedAtMillis(), m.version(), m.error())), timers))
        .onMessage(GetStatus.class, g -> {
          g.replyTo().tell(s);
          return Behaviors.same();
        })
        .onMessage(Forget.class, f -> Behaviors.stopped())
        .build();
  }

  private static Behavior<Command> streamGone(Status s, String key, long at, TimerScheduler<Command> timers) {
    timers.cancel(key);
    Set<String> streams = new HashSet<>(s.streams());
    streams.remove(key);
    if (streams.isEmpty()) {
      timers.startSingleTimer(Forget.INSTANCE, FORGET_AFTER_DISCONNECT);
    }
    return tracking(new Status(s.proxyId(), s.node(), s.servingNode(), !streams.isEmpty(),
        Math.max(at, s.lastSeenMillis()), s.types(), streams), timers);
  }

  private static Status update(Status s, String typeUrl, long at,
      UnaryOperator<TypeStatus> change) {
    Map<String, TypeStatus> types = new TreeMap<>(s.types());
    types.put(typeUrl, change.apply(types.getOrDefault(typeUrl, TypeStatus.NONE)));
    return new Status(s.proxyId(), s.node(), s.servingNode(), s.connected(), Math.max(at, s.lastSeenMillis()),
        types, s.streams());
  }
}
