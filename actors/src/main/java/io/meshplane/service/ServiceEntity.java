package io.meshplane.service;

import static java.util.Objects.requireNonNull;

import io.meshplane.cluster.Regions;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.model.WriteFence;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One service of the mesh, keyed by hostname, sharded across control-plane nodes and
 * event-sourced: it merges every member cluster's share (spec and endpoints) and versions every
 * change. ClusterWatch entities send it {@link ReplaceShare}; push hubs ask it {@link Get} and
 * receive every new state through the service-changes topic, once per node.
 *
 * <p>Confined to its actor; the state is an immutable {@link ServiceState}.
 */
public final class ServiceEntity {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "Service");

  private ServiceEntity() {}

  /** Messages this entity accepts. */
  public sealed interface Command {}

  /**
   * Replaces what one member cluster contributes; an empty share removes the cluster from the
   * service. A write whose {@code fence} does not supersede the one the entity holds for that
   * cluster (a late write of a watch's earlier incarnation, or an earlier write of the same one)
   * is acknowledged and ignored. An unfenced share equal to the current one persists nothing.
   */
  public record ReplaceShare(ClusterShare share, WriteFence fence, ActorRef<StatusReply<Done>> replyTo)
      implements Command {
    public ReplaceShare {
      requireNonNull(share, "share");
      requireNonNull(fence, "fence");
      requireNonNull(replyTo, "replyTo");
    }

    /** An unfenced write: always applied. */
    public ReplaceShare(ClusterShare share, ActorRef<StatusReply<Done>> replyTo) {
      this(share, WriteFence.NONE, replyTo);
    }
  }

  /** Replies with the current state (starting and recovering the entity if needed). */
  public record Get(ActorRef<ServiceState> replyTo) implements Command {}

  /** Persisted events; their protobuf schemas are in proto/ (meshplane/v1/events.proto). */
  public sealed interface Event {}

  /** One cluster declared the service (or changed its ports or exportTo). */
  public record SpecSet(String clusterId, ServiceSpec spec) implements Event {}

  /** One cluster's endpoints were replaced. */
  public record EndpointsReplaced(String clusterId, List<Endpoint> endpoints) implements Event {
    public EndpointsReplaced {
      endpoints = List.copyOf(endpoints);
    }
  }

  /** One cluster no longer has the service at all. */
  public record ClusterRemoved(String clusterId) implements Event {}

  /**
   * The entity accepted a write of one cluster's share fenced {@code fence}: from now on it
   * ignores that cluster's writes fenced at or below it. Persisted with the write's other events
   * (or alone, when the share was unchanged), so that the fence survives a restart.
   */
  public record ShareFenced(String clusterId, WriteFence fence) implements Event {
    public ShareFenced {
      requireNonNull(clusterId, "clusterId");
      requireNonNull(fence, "fence");
    }
  }

  /**
   * Published on the service-changes topic after every persisted change; {@code changedAtMillis}
   * is when the entity persisted it, the start of the convergence clock.
   */
  public record ServiceChanged(ServiceState state, long changedAtMillis) {}

  /** The name of the topic every Service entity publishes {@link ServiceChanged} on. */
  public static final String CHANGES_TOPIC = "meshplane-service-changes";

  /**
   * The changes topic of {@code region}: each region's entities version their changes on their
   * own, so each region has its own topic (a single-region control plane the one it always had).
   */
  public static String changesTopic(String region) {
    return Regions.DEFAULT.equals(region) ? CHANGES_TOPIC : CHANGES_TOPIC + "-" + region;
  }

  /**
   * The journal of a service's entity in {@code region}: each region keeps its own, written only
   * by that region's cluster watches (a single-region control plane the id it always had).
   */
  public static PersistenceId persistenceId(String hostname, String region) {
    return Regions.persistenceId(ENTITY_KEY.name(), hostname, region);
  }

  /**
   * Registers the entity type with sharding (in this node's region: sharding runs per data
   * center); {@code changes} is this node's topic actor.
   */
  public static void init(ActorSystem<?> system, ActorRef<Topic.Command<ServiceChanged>> changes,
      Clock clock) {
    String region = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().dataCenter();
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
        ctx -> create(ctx.getEntityId(), persistenceId(ctx.getEntityId(), region), changes, clock)));
  }

  public static Behavior<Command> create(String hostname, PersistenceId persistenceId,
      ActorRef<Topic.Command<ServiceChanged>> changes, Clock clock) {
    return Behaviors.setup(ctx -> new ServiceBehavior(ctx, hostname, persistenceId, changes, clock));
  }

  /** The events that turn {@code current}'s share of a cluster into {@code next}. */
  static List<Event> eventsFor(ServiceState current, ClusterShare next) {
    ClusterShare now = current.share(next.clusterId());
    List<Event> events = new ArrayList<>(2);
    if (next.equals(now)) {
      return events;
    }
    boolean specDropped = next.spec().isEmpty() && now.spec().isPresent();
    if (next.isEmpty() || specDropped) {
      // The cluster no longer declares the service; orphan endpoints (if any) are kept below.
      events.add(new ClusterRemoved(next.clusterId()));
      now = new ClusterShare(next.clusterId(), Optional.empty(), List.of());
    }
    if (next.spec().isPresent() && !next.spec().equals(now.spec())) {
      events.add(new SpecSet(next.clusterId(), next.spec().get()));
    }
    if (!next.endpoints().equals(now.endpoints())) {
      events.add(new EndpointsReplaced(next.clusterId(), next.endpoints()));
    }
    return events;
  }

  /** Applies one event; the pure state transition used by recovery and by live commands. */
  public static ServiceState apply(ServiceState state, Event event) {
    if (event instanceof SpecSet e) {
      ClusterShare s = state.share(e.clusterId());
      return state.withShare(new ClusterShare(e.clusterId(), Optional.of(e.spec()), s.endpoints()));
    }
    if (event instanceof EndpointsReplaced e) {
      ClusterShare s = state.share(e.clusterId());
      return state.withShare(new ClusterShare(e.clusterId(), s.spec(), e.endpoints()));
    }
    if (event instanceof ClusterRemoved e) {
      return state.withShare(new ClusterShare(e.clusterId(), Optional.empty(), List.of()));
    }
    if (event instanceof ShareFenced e) {
      return state.withFence(e.clusterId(), e.fence());
    }
    throw new IllegalStateException("unknown event " + event);
  }

  private static final class ServiceBehavior extends EventSourcedBehavior<Command, Event, ServiceState> {
    private final String hostname;
    private final ActorRef<Topic.Command<ServiceChanged>> changes;
    private final Clock clock;
    private final ActorContext<Command> ctx;

    ServiceBehavior(ActorContext<Command> ctx, String hostname, PersistenceId persistenceId,
        ActorRef<Topic.Command<ServiceChanged>> changes, Clock clock) {
      super(persistenceId);
      this.ctx = ctx;
      this.hostname = hostname;
      this.changes = changes;
      this.clock = clock;
    }

    @Override
    public ServiceState emptyState() {
      return ServiceState.empty(hostname);
    }

    @Override
    public CommandHandler<Command, Event, ServiceState> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(ReplaceShare.class, this::onReplaceShare)
          .onCommand(Get.class, (state, cmd) -> Effect().reply(cmd.replyTo(), state))
          .build();
    }

    private Effect<Event, ServiceState> onReplaceShare(ServiceState state, ReplaceShare cmd) {
      Optional<ServiceSpec> spec = cmd.share().spec();
      if (spec.isPresent() && !spec.get().hostname().equals(hostname)) {
        return Effect().reply(cmd.replyTo(), StatusReply.error("spec of " + spec.get().hostname()
            + " sent to service " + hostname + "; expected a spec whose hostname is the entity id"));
      }
      String clusterId = cmd.share().clusterId();
      WriteFence held = state.fence(clusterId);
      if (!cmd.fence().supersedes(held)) {
        // Acknowledged: the writer is either gone (an earlier incarnation of the watch) or no
        // longer waiting for this answer (it sent a later write, whose answer decides).
        LateWrites.get(ctx.getSystem()).shareIgnored();
        ctx.getLog().debug("service {}: ignored a late share of cluster {} ({}); the entity holds {}", hostname,
            clusterId, cmd.fence(), held);
        return Effect().reply(cmd.replyTo(), StatusReply.ack());
      }
      List<Event> events = eventsFor(state, cmd.share());
      boolean changed = !events.isEmpty();
      if (!cmd.fence().isNone()) {
        events.add(new ShareFenced(clusterId, cmd.fence()));
      }
      if (events.isEmpty()) {
        return Effect().reply(cmd.replyTo(), StatusReply.ack());
      }
      return Effect().persist(events)
          .thenRun(next -> {
            if (changed) {
              changes.tell(Topic.publish(new ServiceChanged(next, clock.millis())));
            }
          })
          .thenReply(cmd.replyTo(), next -> StatusReply.ack());
    }

    @Override
    public EventHandler<ServiceState, Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState()
          .onAnyEvent(ServiceEntity::apply);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(100, 2);
    }
  }
}
