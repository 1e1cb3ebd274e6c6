package io.meshplane.loadtest.regions;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.typed.ReplicaId;
import org.apache.pekko.persistence.typed.ReplicationId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.ReplicatedEventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.ReplicatedEventSourcing;
import org.apache.pekko.persistence.typed.javadsl.ReplicationContext;

/**
 * Design "res": one Replicated Event Sourcing entity per service, one replica per region, all on
 * the common Cassandra journal. A region's replica persists a share replacement; the other
 * replica receives it by direct replication (sharding) or, failing that, by polling the
 * journal every {@code pekko.persistence.cassandra.query.refresh-interval}. Confined to its actor.
 */
final class ResService extends ReplicatedEventSourcedBehavior<ResService.Command, ResService.ShareReplaced,
    ResService.State> {

  static final String TYPE = "res-service";

  sealed interface Command extends RegionMessage {}

  /** Replace the endpoints one member cluster contributes to this service. */
  record Replace(String clusterId, String payload, long writtenAtNanos, ActorRef<Done> replyTo) implements Command {}

  /** Starts the replica (and with it its replication stream) without changing anything. */
  enum Touch implements Command { INSTANCE }

  record ShareReplaced(String clusterId, String payload, long writtenAtNanos) implements RegionMessage {}

  /** The shares by member cluster. Immutable. */
  record State(Map<String, String> shares) {
    static final State EMPTY = new State(Map.of());

    State with(ShareReplaced event) {
      Map<String, String> next = new HashMap<>(shares);
      next.put(event.clusterId(), event.payload());
      return new State(Map.copyOf(next));
    }
  }

  private final Propagation propagation;

  private ResService(ReplicationContext context, Propagation propagation) {
    super(context);
    this.propagation = propagation;
  }

  static Behavior<Command> create(ReplicationId id, Set<ReplicaId> replicas, Propagation propagation) {
    return ReplicatedEventSourcing.commonJournalConfig(id, replicas, CassandraReadJournal.Identifier(),
        context -> new ResService(context, propagation));
  }

  @Override
  public State emptyState() {
    return State.EMPTY;
  }

  @Override
  public CommandHandler<Command, ShareReplaced, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Replace.class, (state, c) -> Effect()
            .persist(new ShareReplaced(c.clusterId(), c.payload(), c.writtenAtNanos()))
            .thenReply(c.replyTo(), s -> Done.getInstance()))
        .onCommand(Touch.class, (state, c) -> Effect().none())
        .build();
  }

  @Override
  public EventHandler<State, ShareReplaced> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(ShareReplaced.class, (state, event) -> {
          ReplicationContext context = getReplicationContext();
          if (!context.recoveryRunning() && !context.origin().equals(context.replicaId())) {
            propagation.applied(context.replicaId().id(), event.writtenAtNanos());
          }
          return state.with(event);
        })
        .build();
  }
}
