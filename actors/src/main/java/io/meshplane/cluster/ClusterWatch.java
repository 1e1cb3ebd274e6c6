package io.meshplane.cluster;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.ClusterShare;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.service.ServiceEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The watch of one member cluster, keyed by cluster id and sharded so that exactly one node
 * watches a cluster at a time. It owns the cluster's {@link MemberRegistry}, forwards only real
 * changes to the Service entities (each service's share is re-sent until acknowledged) and
 * persists which services it has written, so that services deleted while nobody watched are
 * removed once the first listing after a restart is complete.
 *
 * <p>Confined to its actor. Kept alive by {@link Ensure}, which every node sends periodically
 * (passivation is off for this entity type). A cluster that leaves the mesh (its remote secret
 * was deleted) is sent {@link Forget}: the watch closes its registry and removes the cluster's
 * share from every service it wrote to, and remembers that it was forgotten (persisted), so that
 * a restart resumes the removal instead of watching again. {@link Ensure} after {@link Forget}
 * means the cluster joined again: the watch resumes.
 */
public final class ClusterWatch {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "ClusterWatch");
  /**
   * A write is one Cassandra append (plus the entity's recovery if it was not running); a write
   * sent to a node that just died is lost, so a short timeout lets it be retried on the entity's
   * new node soon after the shard moves.
   */
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(3);
  static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  /**
   * Consecutive failed retry rounds double the delay up to this: short, because after a failover
   * the retries are what brings the dead node's services up to date; a retry round costs one
   * message per pending service.
   */
  static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(4);
  /**
   * After a member is removed, writes still waiting for an answer are resent this much later
   * instead of waiting for their timeout: those sent to the removed node are lost, and by then
   * this node's shard region has learnt the removal and buffers them until their shard has its
   * new home.
   */
  static final Duration RESEND_AFTER_REMOVAL = Duration.ofMillis(300);
  /**
   * At most this many writes in flight per member cluster; the others wait their turn, in the
   * order they became due. A first listing of thousands of services otherwise sent thousands of
   * writes at once, each starting a Service entity's recovery: they queued up in Cassandra past
   * the ask timeout, and the retries kept it so.
   */
  static final int MAX_WRITES_IN_FLIGHT = 32;

  private ClusterWatch() {}

  /** Messages this entity accepts. */
  public sealed interface Command {}

  /** Starts the watch if it is not running, or resumes a forgotten one; idempotent. */
  public enum Ensure implements Command { INSTANCE }

  /**
   * The cluster left the mesh: stop watching it and remove its share from every service, so its
   * endpoints go away on every node; idempotent. Persisted, so the removal survives a restart.
   */
  public enum Forget implements Command { INSTANCE }

  /** Replies with the watch's status. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Replies with every service this cluster contributes to. */
  public record GetCatalog(ActorRef<Catalog> replyTo) implements Command {}

  /** The hostnames a member cluster contributes to. */
  public record Catalog(String clusterId, Set<String> hostnames) {
    public Catalog {
      hostnames = Set.copyOf(hostnames);
    }
  }

  /**
   * What the watch knows of its member cluster. {@code sinceMillis} is when {@code connected}
   * last changed (epoch milliseconds; the watch's start before any report): while the API server
   * is unreachable, the cluster's endpoints served are those known at that time.
   */
  public record Status(String clusterId, boolean connected, String detail, boolean synced,
      int services, int pending, long sinceMillis) {}

  record ShareReported(String hostname, ClusterShare share) implements Command {}

  enum SyncReported implements Command { INSTANCE }

  record ConnectivityReported(boolean connected, String detail) implements Command {}

  /** {@code attempt} tells the answer to the latest write of a service from an older one. */
  record ShareApplied(String hostname, ClusterShare share, long attempt) implements Command {}

  record ShareFailed(String hostname, String reason, long attempt) implements Command {}

  enum RetryPending implements Command { INSTANCE }

  record MemberRemoved(String address) implements Command {}

  enum ResendInFlight implements Command { INSTANCE }

  /** Persisted events; schemas in proto/ (meshplane/v1/events.proto). */
  public sealed interface Event {}

  /** The watch wrote a share of this service. */
  public record ServiceTracked(String hostname) implements Event {}

  /** The cluster's share of this service was removed and acknowledged. */
  public record ServiceUntracked(String hostname) implements Event {}

  /** The cluster left the mesh: its shares are being removed, its registry stays closed. */
  public enum WatchForgotten implements Event { INSTANCE }

  /** The forgotten cluster joined the mesh again. */
  public enum WatchResumed implements Event { INSTANCE }

  /**
   * The services this cluster has written to, and whether the cluster was forgotten (left the
   * mesh). Immutable.
   */
  public record State(Set<String> hostnames, boolean forgotten) {
    public State {
      hostnames = Set.copyOf(hostnames);
    }

    public State(Set<String> hostnames) {
      this(hostnames, false);
    }

    static State empty() {
      return new State(Set.of(), false);
    }

    State apply(Event event) {
      if (event instanceof WatchForgotten) {
        return new State(hostnames, true);
      } else if (event instanceof WatchResumed) {
        return new State(hostnames, false);
      }
      Set<String> next = new HashSet<>(hostnames);
      if (event instanceof ServiceTracked e) {
        next.add(e.hostname());
      } else if (event instanceof ServiceUntracked e) {
        next.remove(e.hostname());
      }
      return new State(next, forgotten);
    }
  }

  /**
   * Registers the entity type with sharding, with passivation off and the watches kept off the
   * oldest node (see {@link AwayFromOldestAllocation}).
   */
  public static void init(ActorSystem<?> system, MemberRegistry.Factory registries) {
    init(system, registries, Clock.systemUTC());
  }

  /** As {@link #init(ActorSystem, MemberRegistry.Factory)}, with the clock of status times. */
  public static void init(ActorSystem<?> system, MemberRegistry.Factory registries, Clock clock) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_KEY,
            ctx -> create(ctx.getEntityId(), registries,
                PersistenceId.of(ENTITY_KEY.name(), ctx.getEntityId()), clock))
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy())
        .withAllocationStrategy(new AwayFromOldestAllocation(Cluster.get(system))));
  }

  public static Behavior<Command> create(String clusterId, MemberRegistry.Factory registries,
      PersistenceId persistenceId) {
    return create(clusterId, registries, persistenceId, Clock.systemUTC());
  }

  public static Behavior<Command> create(String clusterId, MemberRegistry.Factory registries,
      PersistenceId persistenceId, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Watch(ctx, timers, clusterId, registries, persistenceId, clock)));
  }

  private static final class Watch extends EventSourcedBehavior<Command, Event, State> {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final String clusterId;
    private final MemberRegistry.Factory registries;
    private final ClusterSharding sharding;
    private final Clock clock;
    private MemberRegistry registry;
    private final Map<String, ClusterShare> desired = new HashMap<>();
    private final Map<String, ClusterShare> acked = new HashMap<>();
    /** Services with a write awaiting its answer, with that write's attempt number. */
    private final Map<String, Long> inFlight = new HashMap<>();
    /** Services due a write while {@link #MAX_WRITES_IN_FLIGHT} are in flight, oldest first. */
    private final Set<String> waiting = new LinkedHashSet<>();
    private long attempts;
    private final Set<String> reportedThisRun = new HashSet<>();
    private boolean connected;
    private String detail = "not started";
    private boolean synced;
    private long sinceMillis;
    private int consecutiveFailures;

    Watch(ActorContext<Command> ctx, TimerScheduler<Command> timers, String clusterId,
        MemberRegistry.Factory registries, PersistenceId persistenceId, Clock clock) {
      super(persistenceId);
      this.clock = requireNonNull(clock);
      this.sinceMillis = clock.millis();
      this.ctx = ctx;
      this.timers = timers;
      this.clusterId = requireNonNull(clusterId);
      this.registries = registries;
      this.sharding = ClusterSharding.get(ctx.getSystem());
      Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberRemoved.class,
              e -> new MemberRemoved(e.member().address().toString())),
          ClusterEvent.MemberRemoved.class));
    }

    @Override
    public State emptyState() {
      return State.empty();
    }

    @Override
    public SignalHandler<State> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(RecoveryCompleted.instance(), state -> {
            if (state.forgotten()) {
              removeEverything(state);
            } else {
              startRegistry(state);
            }
          })
          .onSignal(PostStop.instance(), state -> stopRegistry())
          .build();
    }

    private void startRegistry(State state) {
      ctx.getLog().info("cluster {}: watch starting, {} services known from the journal",
          clusterId, state.hostnames().size());
      ActorRef<Command> self = ctx.getSelf();
      synced = false;
      reportedThisRun.clear();
      connected = false;
      detail = "starting";
      sinceMillis = clock.millis();
      registry = registries.create(clusterId);
      registry.start(new MemberRegistry.Listener() {
        @Override
        public void shareChanged(String hostname, ClusterShare share) {
          self.tell(new ShareReported(hostname, share));
        }

        @Override
        public void synced() {
          self.tell(SyncReported.INSTANCE);
        }

        @Override
        public void connectivityChanged(boolean connected, String detail) {
          self.tell(new ConnectivityReported(connected, detail));
        }
      });
    }

    private void stopRegistry() {
      if (registry != null) {
        registry.close();
        registry = null;
      }
    }

    /** Closes the registry and writes an empty share to every service the cluster may be in. */
    private void removeEverything(State state) {
      stopRegistry();
      synced = false;
      connected = false;
      detail = "forgotten: no longer a member cluster; removing its endpoints";
      sinceMillis = clock.millis();
      Set<String> hosts = new TreeSet<>(state.hostnames());
      hosts.addAll(desired.keySet());
      ctx.getLog().info("cluster {}: no longer a member of the mesh; removing its share of {} services",
          clusterId, hosts.size());
      ClusterShare empty = new ClusterShare(clusterId, Optional.empty(), List.of());
      hosts.forEach(h -> {
        desired.put(h, empty);
        send(h);
      });
    }

    private Effect<Event, State> onEnsure(State state, Ensure cmd) {
      if (!state.forgotten()) {
        return Effect().none();
      }
      ctx.getLog().info("cluster {}: a member of the mesh again; watch resuming", clusterId);
      return Effect().persist(WatchResumed.INSTANCE).thenRun(this::startRegistry);
    }

    private Effect<Event, State> onForget(State state, Forget cmd) {
      if (state.forgotten()) {
        return Effect().none();
      }
      return Effect().persist(WatchForgotten.INSTANCE).thenRun(this::removeEverything);
    }

    @Override
    public CommandHandler<Command, Event, State> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Ensure.class, this::onEnsure)
          .onCommand(Forget.class, this::onForget)
          .onCommand(GetStatus.class, this::onGetStatus)
          .onCommand(GetCatalog.class, (s, c) -> Effect().reply(c.replyTo(), catalog(s)))
          .onCommand(ShareReported.class, this::onShareReported)
          .onCommand(SyncReported.class, this::onSynced)
          .onCommand(ConnectivityReported.class, this::onConnectivity)
          .onCommand(ShareApplied.class, this::onApplied)
          .onCommand(ShareFailed.class, this::onFailed)
          .onCommand(RetryPending.class, (s, c) -> {
            Set.copyOf(desired.keySet()).forEach(this::send);
            return Effect().none();
          })
          .onCommand(MemberRemoved.class, this::onMemberRemoved)
          .onCommand(ResendInFlight.class, (s, c) -> {
            Set.copyOf(inFlight.keySet()).forEach(this::resend);
            sendWaiting();
            return Effect().none();
          })
          .build();
    }

    private Catalog catalog(State state) {
      Set<String> hosts = new TreeSet<>(state.hostnames());
      desired.forEach((h, share) -> {
        if (!share.isEmpty()) {
          hosts.add(h);
        }
      });
      return new Catalog(clusterId, hosts);
    }

    private Effect<Event, State> onGetStatus(State state, GetStatus cmd) {
      int pending = (int) desired.entrySet().stream()
          .filter(e -> !e.getValue().equals(acked.get(e.getKey()))).count();
      return Effect().reply(cmd.replyTo(),
          new Status(clusterId, connected, detail, synced, catalog(state).hostnames().size(), pending,
              sinceMillis));
    }

    private Effect<Event, State> onShareReported(State state, ShareReported cmd) {
      if (state.forgotten()) {
        // A late report of the registry closed by Forget.
        return Effect().none();
      }
      if (!cmd.share().clusterId().equals(clusterId)) {
        ctx.getLog().error("cluster {}: registry reported a share of cluster {} for {}; dropped",
            clusterId, cmd.share().clusterId(), cmd.hostname());
        return Effect().none();
      }
      reportedThisRun.add(cmd.hostname());
      return report(state, cmd.hostname(), cmd.share());
    }

    private Effect<Event, State> report(State state, String hostname, ClusterShare share) {
      desired.put(hostname, share);
      if (!share.isEmpty() && !state.hostnames().contains(hostname)) {
        // Track before writing, so that a crash in between never leaves an untracked share.
        return Effect().persist(new ServiceTracked(hostname)).thenRun(s -> send(hostname));
      }
      send(hostname);
      return Effect().none();
    }

    private Effect<Event, State> onSynced(State state, SyncReported cmd) {
      if (!synced && !state.forgotten()) {
        synced = true;
        List<String> gone = state.hostnames().stream()
            .filter(h -> !reportedThisRun.contains(h)).sorted().toList();
        if (!gone.isEmpty()) {
          ctx.getLog().info("cluster {}: {} services disappeared while unwatched: {}",
              clusterId, gone.size(), gone);
        }
        gone.forEach(h -> {
          desired.put(h, new ClusterShare(clusterId, Optional.empty(), List.of()));
          send(h);
        });
        ctx.getLog().info("cluster {}: first listing complete, {} services", clusterId,
            reportedThisRun.size());
      }
      return Effect().none();
    }

    private Effect<Event, State> onConnectivity(State state, ConnectivityReported cmd) {
      if (state.forgotten()) {
        return Effect().none();
      }
      if (cmd.connected() != connected) {
        sinceMillis = clock.millis();
        if (cmd.connected()) {
          ctx.getLog().info("cluster {}: API server reachable ({})", clusterId, cmd.detail());
        } else {
          ctx.getLog().warn("cluster {}: API server unreachable ({}); last known endpoints stay served",
              clusterId, cmd.detail());
        }
      }
      connected = cmd.connected();
      detail = cmd.detail();
      return Effect().none();
    }

    private void send(String hostname) {
      if (inFlight.containsKey(hostname)) {
        return;
      }
      ClusterShare share = desired.get(hostname);
      if (share == null || share.equals(acked.get(hostname))) {
        return;
      }
      if (inFlight.size() >= MAX_WRITES_IN_FLIGHT) {
        waiting.add(hostname);
        return;
      }
      resend(hostname);
    }

    /** Sends the writes waiting for a free slot, as far as there are slots. */
    private void sendWaiting() {
      Iterator<String> it = waiting.iterator();
      while (it.hasNext() && inFlight.size() < MAX_WRITES_IN_FLIGHT) {
        String hostname = it.next();
        it.remove();
        if (!inFlight.containsKey(hostname)) {
          resend(hostname);
        }
      }
    }

    /** Writes the desired share unless acknowledged, whether or not a write is in flight. */
    private void resend(String hostname) {
      ClusterShare share = desired.get(hostname);
      if (share == null || share.equals(acked.get(hostname))) {
        inFlight.remove(hostname);
        return;
      }
      long attempt = ++attempts;
      inFlight.put(hostname, attempt);
      ctx.askWithStatus(Done.class, sharding.entityRefFor(ServiceEntity.ENTITY_KEY, hostname), ASK_TIMEOUT,
          replyTo -> new ServiceEntity.ReplaceShare(share, replyTo),
          (done, error) -> error == null
              ? new ShareApplied(hostname, share, attempt)
              : new ShareFailed(hostname, String.valueOf(error.getMessage()), attempt));
    }

    /**
     * Whether {@code attempt} is the latest write of {@code hostname}; forgets it if so, and gives
     * its slot to a waiting write.
     */
    private boolean latest(String hostname, long attempt) {
      if (!inFlight.remove(hostname, attempt)) {
        return false;
      }
      sendWaiting();
      return true;
    }

    private Effect<Event, State> onMemberRemoved(State state, MemberRemoved cmd) {
      if (!inFlight.isEmpty()) {
        ctx.getLog().info("cluster {}: member {} removed; resending {} unanswered writes in {}",
            clusterId, cmd.address(), inFlight.size(), RESEND_AFTER_REMOVAL);
        timers.startSingleTimer(ResendInFlight.INSTANCE, RESEND_AFTER_REMOVAL);
      }
      return Effect().none();
    }

    private Effect<Event, State> onApplied(State state, ShareApplied cmd) {
      if (!latest(cmd.hostname(), cmd.attempt())) {
        // An older write of this service, answered after a newer one was sent: the newer one's
        // answer decides.
        return Effect().none();
      }
      consecutiveFailures = 0;
      acked.put(cmd.hostname(), cmd.share());
      ClusterShare want = desired.get(cmd.hostname());
      if (cmd.share().isEmpty() && cmd.share().equals(want)) {
        desired.remove(cmd.hostname());
        acked.remove(cmd.hostname());
        if (state.hostnames().contains(cmd.hostname())) {
          return Effect().persist(new ServiceUntracked(cmd.hostname())).thenRun(s -> {
            if (s.forgotten() && s.hostnames().isEmpty()) {
              ctx.getLog().info("cluster {}: forgotten; every share of it is removed", clusterId);
            }
          });
        }
        return Effect().none();
      }
      send(cmd.hostname());
      return Effect().none();
    }

    private Effect<Event, State> onFailed(State state, ShareFailed cmd) {
      if (!latest(cmd.hostname(), cmd.attempt())) {
        return Effect().none();
      }
      if (timers.isTimerActive(RetryPending.INSTANCE)) {
        // Writes that fail together (say, every service of a dead node) are one failed round:
        // the pending retry resends them all.
        return Effect().none();
      }
      Duration delay = RETRY_DELAY.multipliedBy(1L << Math.min(consecutiveFailures, 5));
      if (delay.compareTo(MAX_RETRY_DELAY) > 0) {
        delay = MAX_RETRY_DELAY;
      }
      consecutiveFailures++;
      // One WARN per streak of failures, not one per retry.
      if (consecutiveFailures == 1 || consecutiveFailures % 20 == 0) {
        ctx.getLog().warn("cluster {}: writing {} failed ({}); retrying in {} ({} failures in a row)", clusterId,
            cmd.hostname(), cmd.reason(), delay, consecutiveFailures);
      }
      timers.startSingleTimer(RetryPending.INSTANCE, delay);
      return Effect().none();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(200, 2);
    }
  }
}
