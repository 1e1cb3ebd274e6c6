package io.meshplane.loadtest.regions;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * Design "stream": an ordinary event-sourced entity per service AND region (persistence id
 * {@code stream-service|<region>|<service>}). The writing region's entity persists a share
 * replacement, then forwards it, numbered, to the same service's entity in the other region
 * through sharding's proxy for that data center; that entity persists it and acknowledges. An
 * unacknowledged forward is sent again after the ask timeout; duplicates and stale retries are
 * recognised by their number and only acknowledged. Nothing polls. Confined to its actor.
 *
 * <p>Simplification of the benchmark: forwards still unacknowledged when the writer stops are
 * not re-sent after its recovery (the real design would keep them in its state).
 */
final class StreamService extends EventSourcedBehavior<StreamService.Command, StreamService.ShareApplied,
    StreamService.State> {

  static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "stream-service");
  static final Duration ACK_TIMEOUT = Duration.ofSeconds(3);

  sealed interface Command extends RegionMessage {}

  /** From this region's writer: replace the endpoints one member cluster contributes. */
  record Replace(String clusterId, String payload, long writtenAtNanos, ActorRef<Done> replyTo) implements Command {}

  /** From the other region's entity of the same service: apply its change number {@code seq}. */
  record Replicate(String clusterId, String payload, long seq, long writtenAtNanos, ActorRef<Ack> replyTo)
      implements Command {}

  /** Change {@code seq} is persisted in the receiving region (or was already). */
  record Ack(long seq) implements RegionMessage {}

  /** Self-only: the forward of change {@code change.seq} was not acknowledged in time. */
  private record Unacknowledged(Replicate change) implements Command {}

  /** Self-only: a forward was acknowledged. */
  private record Acknowledged(long seq) implements Command {}

  /** {@code seq} numbers the writer's own changes; a replicated one carries the writer's number. */
  record ShareApplied(String clusterId, String payload, long seq, long writtenAtNanos, boolean local)
      implements RegionMessage {}

  /** Shares by member cluster, the last own change number and the last one applied from the other region. */
  record State(Map<String, String> shares, long lastLocalSeq, long lastRemoteSeq) {
    static final State EMPTY = new State(Map.of(), 0, 0);

    State with(ShareApplied event) {
      Map<String, String> next = new HashMap<>(shares);
      next.put(event.clusterId(), event.payload());
      return event.local() ? new State(Map.copyOf(next), event.seq(), lastRemoteSeq)
          : new State(Map.copyOf(next), lastLocalSeq, event.seq());
    }
  }

  private final ActorContext<Command> context;
  private final String region;
  private final String otherRegion;
  private final String serviceId;
  private final ClusterSharding sharding;
  private final Propagation propagation;

  private StreamService(ActorContext<Command> context, String region, String otherRegion, String serviceId,
      Propagation propagation) {
    super(PersistenceId.ofUniqueId(KEY.name() + "|" + region + "|" + serviceId));
    this.context = context;
    this.region = region;
    this.otherRegion = otherRegion;
    this.serviceId = serviceId;
    this.sharding = ClusterSharding.get(context.getSystem());
    this.propagation = propagation;
  }

  static Behavior<Command> create(String region, String otherRegion, String serviceId, Propagation propagation) {
    return Behaviors.setup(context -> new StreamService(context, region, otherRegion, serviceId, propagation));
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public CommandHandler<Command, ShareApplied, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Replace.class, this::onReplace)
        .onCommand(Replicate.class, this::onReplicate)
        .onCommand(Unacknowledged.class, (state, c) -> {
          propagation.retried();
          forward(c.change());
          return Effect().none();
        })
        .onCommand(Acknowledged.class, (state, c) -> Effect().none())
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<ShareApplied, State> onReplace(State state, Replace c) {
    ShareApplied event = new ShareApplied(c.clusterId(), c.payload(), state.lastLocalSeq() + 1, c.writtenAtNanos(),
        true);
    return Effect().persist(event)
        .thenRun(s -> forward(new Replicate(event.clusterId(), event.payload(), event.seq(), event.writtenAtNanos(),
            null)))
        .thenReply(c.replyTo(), s -> Done.getInstance());
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<ShareApplied, State> onReplicate(State state,
      Replicate c) {
    if (c.seq() <= state.lastRemoteSeq()) {
      return Effect().reply(c.replyTo(), new Ack(c.seq()));
    }
    return Effect().persist(new ShareApplied(c.clusterId(), c.payload(), c.seq(), c.writtenAtNanos(), false))
        .thenRun(s -> propagation.applied(region, c.writtenAtNanos()))
        .thenReply(c.replyTo(), s -> new Ack(c.seq()));
  }

  private void forward(Replicate change) {
    context.ask(Ack.class, sharding.entityRefFor(KEY, serviceId, otherRegion), ACK_TIMEOUT,
        replyTo -> new Replicate(change.clusterId(), change.payload(), change.seq(), change.writtenAtNanos(), replyTo),
        (ack, error) -> error == null ? new Acknowledged(ack.seq()) : new Unacknowledged(change));
  }

  @Override
  public EventHandler<State, ShareApplied> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(ShareApplied.class, State::with).build();
  }
}
