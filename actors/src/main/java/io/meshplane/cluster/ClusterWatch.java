package io.meshplane.cluster;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.WriteFence;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.service.LateWrites;
import io.meshplane.service.ServiceEntity;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
import org.apache.pekko.pattern.StatusReply;
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
  /**
   * A replica is acknowledged once the other region's Service entity holds it: a Cassandra write
   * there, plus the cross-region round trip.
   */
  static final Duration REPLICATE_TIMEOUT = Duration.ofSeconds(5);
  /**
   * The watching region tells the others, this often and whenever they catch up, which services
   * the cluster contributes to, so that a share a region wrote while it watched during a
   * partition does not outlive the service.
   */
  static final Duration RECONCILE_INTERVAL = Duration.ofSeconds(30);
  /**
   * A region takes a watch over only once its home region has been unavailable this long: a
   * region starting sees the others' members only after a few gossip rounds, and should not take
   * every foreign cluster over meanwhile. Cross-region failure detection comes first.
   */
  static final Duration TAKEOVER_DELAY = Duration.ofSeconds(3);
  /** How often a watch looks at the regions' availability besides on cluster events. */
  static final Duration REGIONS_CHECK_INTERVAL = Duration.ofSeconds(1);

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
      int services, int pending, long sinceMillis, String watcher) {
    public Status {
      requireNonNull(watcher, "watcher");
    }

    /** A status of a single-region control plane, whose region watches every cluster. */
    public Status(String clusterId, boolean connected, String detail, boolean synced, int services, int pending,
        long sinceMillis) {
      this(clusterId, connected, detail, synced, services, pending, sinceMillis, Regions.DEFAULT);
    }
  }

  record ShareReported(String hostname, ClusterShare share) implements Command {}

  enum SyncReported implements Command { INSTANCE }

  record ConnectivityReported(boolean connected, String detail) implements Command {}

  /**
   * From the region that watches the cluster ({@code fromRegion}) to another region's watch of
   * it: this region's share of {@code hostname} is now {@code share}. Acknowledged once this
   * region's Service entity holds it (or a newer one); refused while this region watches the
   * cluster itself. {@code fence} orders the sender's writes: one that does not supersede the
   * latest accepted from that region for that service (a late write of the sender's earlier
   * incarnation) is acknowledged and ignored.
   */
  public record Replicate(String hostname, ClusterShare share, String fromRegion, WriteFence fence,
      ActorRef<StatusReply<Done>> replyTo) implements Command {
    public Replicate {
      requireNonNull(hostname, "hostname");
      requireNonNull(share, "share");
      requireNonNull(fromRegion, "fromRegion");
      requireNonNull(fence, "fence");
      requireNonNull(replyTo, "replyTo");
    }

    /** An unfenced replica, always applied. */
    public Replicate(String hostname, ClusterShare share, ActorRef<StatusReply<Done>> replyTo) {
      this(hostname, share, "", WriteFence.NONE, replyTo);
    }
  }

  /**
   * From the region that watches the cluster ({@code fromRegion}), once another region's watch has
   * acknowledged every share: the cluster contributes to these services only; any other service
   * this region still holds a share of (written while this region watched, during a partition)
   * loses it, unless the sender replicated that service after this reconcile ({@code fence}).
   */
  public record Reconcile(Set<String> hostnames, String fromRegion, WriteFence fence,
      ActorRef<StatusReply<Done>> replyTo) implements Command {
    public Reconcile {
      hostnames = Set.copyOf(hostnames);
      requireNonNull(fromRegion, "fromRegion");
      requireNonNull(fence, "fence");
      requireNonNull(replyTo, "replyTo");
    }

    /** An unfenced reconcile, always applied. */
    public Reconcile(Set<String> hostnames, ActorRef<StatusReply<Done>> replyTo) {
      this(hostnames, "", WriteFence.NONE, replyTo);
    }
  }

  /** Sent to itself once recovered: persist {@link WatchStarted}, which gives this incarnation its epoch. */
  enum Incarnate implements Command { INSTANCE }

  /**
   * {@code target} is where the write went: {@link #LOCAL} for this region's Service entity, else
   * the region replicated to; {@code attempt} tells the answer to the latest write of a service
   * from an older one.
   */
  record ShareApplied(String target, String hostname, ClusterShare share, long attempt) implements Command {}

  record ShareFailed(String target, String hostname, String reason, long attempt) implements Command {}

  record RetryPending(String target) implements Command {}

  record Reconciled(String region, String error) implements Command {}

  enum ReconcileTick implements Command { INSTANCE }

  /** The cluster's membership or a data center's reachability changed: re-decide who watches. */
  enum RegionsChanged implements Command { INSTANCE }

  /** The target of writes to this region's Service entities. */
  static final String LOCAL = "";

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
   * An incarnation of the watch started (on some node): its sequence number is the epoch of that
   * incarnation's writes ({@link WriteFence}), higher than any earlier incarnation's.
   */
  public enum WatchStarted implements Event { INSTANCE }

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
      if (event instanceof WatchStarted) {
        return this;
      } else if (event instanceof WatchForgotten) {
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
    init(system, registries, Regions.single(Cluster.get(system).selfMember().dataCenter()), clock);
  }

  /**
   * As {@link #init(ActorSystem, MemberRegistry.Factory, Clock)}, in one of several regions: this
   * region's watches run here, and the other regions' are reached through sharding proxies.
   */
  public static void init(ActorSystem<?> system, MemberRegistry.Factory registries, Regions regions, Clock clock) {
    ClusterSharding sharding = ClusterSharding.get(system);
    sharding.init(Entity.of(ENTITY_KEY,
            ctx -> create(ctx.getEntityId(), registries, persistenceId(ctx.getEntityId(), regions.self()), regions,
                clock))
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy())
        .withAllocationStrategy(new AwayFromOldestAllocation(Cluster.get(system))));
    for (String other : regions.others()) {
      sharding.init(Entity.of(ENTITY_KEY, ctx -> Behaviors.<Command>empty()).withDataCenter(other));
    }
  }

  /**
   * The journal of a watch in {@code region}: each region keeps its own (a single-region control
   * plane the id it always had).
   */
  public static PersistenceId persistenceId(String clusterId, String region) {
    return Regions.persistenceId(ENTITY_KEY.name(), clusterId, region);
  }

  public static Behavior<Command> create(String clusterId, MemberRegistry.Factory registries,
      PersistenceId persistenceId) {
    return create(clusterId, registries, persistenceId, Clock.systemUTC());
  }

  public static Behavior<Command> create(String clusterId, MemberRegistry.Factory registries,
      PersistenceId persistenceId, Clock clock) {
    return Behaviors.setup(ctx -> create(clusterId, registries, persistenceId,
        Regions.single(Cluster.get(ctx.getSystem()).selfMember().dataCenter()), clock));
  }

  public static Behavior<Command> create(String clusterId, MemberRegistry.Factory registries,
      PersistenceId persistenceId, Regions regions, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Watch(ctx, timers, clusterId, registries, persistenceId, regions, clock)));
  }

  private static final class Watch extends EventSourcedBehavior<Command, Event, State> {
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final String clusterId;
    private final MemberRegistry.Factory registries;
    private final Regions regions;
    private final ClusterSharding sharding;
    private final Cluster cluster;
    private final Clock clock;
    private MemberRegistry registry;
    /** The share each service should have, from the registry (watching) or the stream (replica). */
    private final Map<String, ClusterShare> desired = new HashMap<>();
    /** Writes to this region's Service entities. */
    private final Writer local = new Writer(LOCAL);
    /** Replication to the other regions' watches, while this region watches the cluster. */
    private final Map<String, Writer> replicas = new HashMap<>();
    /** Replicate requests answered once this region's Service entity holds their share. */
    private final Map<String, List<ActorRef<StatusReply<Done>>>> replicateWaiters = new HashMap<>();
    /** Regions owed a {@link Reconcile} once every share they were sent is acknowledged. */
    private final Set<String> reconcileDue = new HashSet<>();
    /**
     * Numbers every write (to this region's entities and to other regions); the sequence of its
     * {@link WriteFence}.
     */
    private long attempts;
    /** This incarnation's epoch; 0 until {@link WatchStarted} is persisted, and nothing is written until then. */
    private long epoch;
    /**
     * Per sending region and service, the fence of the latest replica or reconcile accepted from
     * it. In memory only: a restart of this watch forgets it (see docs/design-regions.md).
     */
    private final Map<String, Map<String, WriteFence>> replicaFences = new HashMap<>();
    private final Set<String> reportedThisRun = new HashSet<>();
    /** The region that watches the cluster, as this node sees it. */
    private String watcher;
    /** When this region first found it should take the watch over (0: it should not). */
    private long takeoverDueSince;
    /** Whether this node has seen a member of the cluster's home region (see {@link Regions}). */
    private boolean homeSeen;
    private boolean graceLogged;
    private boolean connected;
    private String detail = "not started";
    private boolean synced;
    private long sinceMillis;

    Watch(ActorContext<Command> ctx, TimerScheduler<Command> timers, String clusterId,
        MemberRegistry.Factory registries, PersistenceId persistenceId, Regions regions, Clock clock) {
      super(persistenceId);
      this.clock = requireNonNull(clock);
      this.sinceMillis = clock.millis();
      this.ctx = ctx;
      this.timers = timers;
      this.clusterId = requireNonNull(clusterId);
      this.registries = registries;
      this.regions = requireNonNull(regions);
      this.sharding = ClusterSharding.get(ctx.getSystem());
      this.cluster = Cluster.get(ctx.getSystem());
      this.watcher = regions.self();
      cluster.subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberRemoved.class,
              e -> new MemberRemoved(e.member().address().toString())),
          ClusterEvent.MemberRemoved.class));
      if (regions.multi()) {
        cluster.subscriptions().tell(Subscribe.create(
            ctx.messageAdapter(ClusterEvent.DataCenterReachabilityEvent.class, e -> RegionsChanged.INSTANCE),
            ClusterEvent.DataCenterReachabilityEvent.class));
        cluster.subscriptions().tell(Subscribe.create(
            ctx.messageAdapter(ClusterEvent.MemberEvent.class, e -> RegionsChanged.INSTANCE),
            ClusterEvent.MemberEvent.class));
        cluster.subscriptions().tell(Subscribe.create(
            ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, e -> RegionsChanged.INSTANCE),
            ClusterEvent.ReachabilityEvent.class));
        timers.startTimerWithFixedDelay(ReconcileTick.INSTANCE, RECONCILE_INTERVAL);
        // Pekko does not publish every change of another region's reachability as an event (a
        // killed region that came back was seen reachable again only at the next membership
        // event, a minute later): look again every second.
        timers.startTimerWithFixedDelay("regions", RegionsChanged.INSTANCE, REGIONS_CHECK_INTERVAL);
      }
    }

    @Override
    public State emptyState() {
      return State.empty();
    }

    @Override
    public SignalHandler<State> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(RecoveryCompleted.instance(), state -> {
            ctx.getSelf().tell(Incarnate.INSTANCE);
            String now = currentWatcher();
            watcher = isTakeover(now) ? regions.home(clusterId) : now;
            if (state.forgotten()) {
              removeEverything(state);
            } else if (watchingHere()) {
              startWatching(state);
            } else {
              becomeReplica();
              onRegionsChanged(state);
            }
          })
          .onSignal(PostStop.instance(), state -> stopRegistry())
          .build();
    }

    private String currentWatcher() {
      return regions.multi()
          ? regions.watcher(clusterId, Regions.available(cluster.state(), regions.self()))
          : regions.self();
    }

    private boolean watchingHere() {
      return watcher.equals(regions.self());
    }

    /** Starts the registry and the replication to the other regions. */
    private void startWatching(State state) {
      startRegistry(state);
      for (String other : regions.others()) {
        Writer w = new Writer(other);
        replicas.put(other, w);
        reconcileDue.add(other);
        desired.keySet().forEach(w::send);
      }
    }

    private void becomeReplica() {
      stopRegistry();
      replicas.clear();
      reconcileDue.clear();
      synced = false;
      connected = false;
      detail = "replica: region " + watcher + " watches the cluster";
      sinceMillis = clock.millis();
      ctx.getLog().info("cluster {}: watched by region {} (home {}); this region {} holds a replica", clusterId,
          watcher, regions.home(clusterId), regions.self());
    }

    /** Whether {@code next} as the watcher means this region takes over a foreign cluster. */
    private boolean isTakeover(String next) {
      return next.equals(regions.self()) && !regions.home(clusterId).equals(regions.self());
    }

    /**
     * How much longer this node holds a take-over back because the cluster's home region has not
     * been seen since the node started (0: not held).
     */
    private long startupGraceLeftMillis() {
      if (regions.startupGrace().isZero() || seeHome()) {
        return 0;
      }
      String home = regions.home(clusterId);
      long left = ctx.getSystem().startTime() + regions.startupGrace().toMillis() - System.currentTimeMillis();
      if (left > 0 && !graceLogged) {
        graceLogged = true;
        ctx.getLog().info("cluster {}: its home region {} has not been seen since this node started; region {}"
            + " takes the watch over in {} ms unless {} comes first", clusterId, home, regions.self(), left, home);
      }
      return Math.max(0, left);
    }

    /** Whether this node has seen the home region, looking at the membership until it has. */
    private boolean seeHome() {
      if (!homeSeen) {
        homeSeen = Regions.hasMember(cluster.state(), regions.home(clusterId));
      }
      return homeSeen;
    }

    private Effect<Event, State> onRegionsChanged(State state) {
      String next = currentWatcher();
      if (!isTakeover(next)) {
        takeoverDueSince = 0;
        if (regions.multi()) {
          seeHome();
        }
      } else if (!watchingHere()) {
        long now = clock.millis();
        if (takeoverDueSince == 0) {
          takeoverDueSince = now;
        }
        long left = Math.max(takeoverDueSince + TAKEOVER_DELAY.toMillis() - now, startupGraceLeftMillis());
        if (left > 0) {
          timers.startSingleTimer("takeover", RegionsChanged.INSTANCE, Duration.ofMillis(left));
          return Effect().none();
        }
      }
      if (next.equals(watcher)) {
        return Effect().none();
      }
      boolean wasHere = watchingHere();
      String previous = watcher;
      watcher = next;
      if (state.forgotten()) {
        return Effect().none();
      }
      if (watchingHere()) {
        ctx.getLog().info("cluster {}: region {} takes the watch over from region {} (home {})", clusterId,
            regions.self(), previous, regions.home(clusterId));
        startWatching(state);
      } else if (wasHere) {
        ctx.getLog().info("cluster {}: region {} hands the watch to region {} (home {})", clusterId,
            regions.self(), next, regions.home(clusterId));
        becomeReplica();
      } else {
        detail = "replica: region " + watcher + " watches the cluster";
      }
      return Effect().none();
    }

    private void startRegistry(State state) {
      ctx.getLog().info("cluster {}: watch starting in region {}, {} services known from the journal",
          clusterId, regions.self(), state.hostnames().size());
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
      replicas.clear();
      reconcileDue.clear();
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
        local.send(h);
      });
    }

    private Effect<Event, State> onEnsure(State state, Ensure cmd) {
      if (!state.forgotten()) {
        return Effect().none();
      }
      ctx.getLog().info("cluster {}: a member of the mesh again; watch resuming", clusterId);
      return Effect().persist(WatchResumed.INSTANCE).thenRun(s -> {
        watcher = currentWatcher();
        if (watchingHere()) {
          startWatching(s);
        } else {
          becomeReplica();
        }
      });
    }

    private Effect<Event, State> onForget(State state, Forget cmd) {
      if (state.forgotten()) {
        return Effect().none();
      }
      return Effect().persist(WatchForgotten.INSTANCE).thenRun(this::removeEverything);
    }

    private Effect<Event, State> onIncarnate(State state, Incarnate cmd) {
      if (epoch != 0) {
        return Effect().none();
      }
      return Effect().persist(WatchStarted.INSTANCE).thenRun(s -> {
        epoch = lastSequenceNumber(ctx);
        ctx.getLog().debug("cluster {}: watch incarnation {} in region {}", clusterId, epoch, regions.self());
        local.sendWaiting();
        replicas.values().forEach(Writer::sendWaiting);
      });
    }

    @Override
    public CommandHandler<Command, Event, State> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Incarnate.class, this::onIncarnate)
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
            Writer w = writer(c.target());
            if (w != null) {
              w.retry();
            }
            return Effect().none();
          })
          .onCommand(MemberRemoved.class, this::onMemberRemoved)
          .onCommand(ResendInFlight.class, (s, c) -> {
            local.resendInFlight();
            replicas.values().forEach(Writer::resendInFlight);
            return Effect().none();
          })
          .onCommand(Replicate.class, this::onReplicate)
          .onCommand(Reconcile.class, this::onReconcile)
          .onCommand(Reconciled.class, (s, c) -> {
            if (c.error() != null) {
              reconcileDue.add(c.region());
              ctx.getLog().debug("cluster {}: reconciling region {} failed ({}); retried later", clusterId,
                  c.region(), c.error());
            }
            return Effect().none();
          })
          .onCommand(ReconcileTick.class, (s, c) -> {
            replicas.keySet().forEach(reconcileDue::add);
            reconcileCaughtUp(s);
            return Effect().none();
          })
          .onCommand(RegionsChanged.class, (s, c) -> onRegionsChanged(s))
          .build();
    }

    private Writer writer(String target) {
      return LOCAL.equals(target) ? local : replicas.get(target);
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
      return Effect().reply(cmd.replyTo(),
          new Status(clusterId, connected, detail, synced, catalog(state).hostnames().size(), local.pending(),
              sinceMillis, watcher));
    }

    private Effect<Event, State> onShareReported(State state, ShareReported cmd) {
      if (state.forgotten() || registry == null) {
        // A late report of a registry closed by Forget or by a hand-over.
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
        return Effect().persist(new ServiceTracked(hostname)).thenRun(s -> sendEverywhere(hostname));
      }
      sendEverywhere(hostname);
      return Effect().none();
    }

    private void sendEverywhere(String hostname) {
      local.send(hostname);
      replicas.values().forEach(w -> w.send(hostname));
      answerReplicateWaiters(hostname);
    }

    private Effect<Event, State> onReplicate(State state, Replicate cmd) {
      if (state.forgotten()) {
        // This region saw the cluster leave the mesh before the watching region did.
        return Effect().reply(cmd.replyTo(), StatusReply.ack());
      }
      if (watchingHere()) {
        return Effect().reply(cmd.replyTo(), StatusReply.error("region " + regions.self() + " watches cluster "
            + clusterId + " itself (home region " + regions.home(clusterId) + "); replicas are not accepted"));
      }
      if (!cmd.share().clusterId().equals(clusterId)) {
        return Effect().reply(cmd.replyTo(), StatusReply.error("a share of cluster " + cmd.share().clusterId()
            + " sent to the watch of cluster " + clusterId + "; expected a share of " + clusterId));
      }
      Map<String, WriteFence> fences = replicaFences.computeIfAbsent(cmd.fromRegion(), r -> new HashMap<>());
      WriteFence held = fences.getOrDefault(cmd.hostname(), WriteFence.NONE);
      if (!cmd.fence().supersedes(held)) {
        LateWrites.get(ctx.getSystem()).replicaIgnored();
        ctx.getLog().debug("cluster {}: ignored a late replica of {} from region {} ({}); accepted {} already",
            clusterId, cmd.hostname(), cmd.fromRegion(), cmd.fence(), held);
        return Effect().reply(cmd.replyTo(), StatusReply.ack());
      }
      if (!cmd.fence().isNone()) {
        fences.put(cmd.hostname(), cmd.fence());
      }
      replicateWaiters.computeIfAbsent(cmd.hostname(), h -> new ArrayList<>()).add(cmd.replyTo());
      return report(state, cmd.hostname(), cmd.share());
    }

    /** Acknowledges the replicas of {@code hostname} once this region's entity holds its share. */
    private void answerReplicateWaiters(String hostname) {
      ClusterShare want = desired.get(hostname);
      if (want != null && !want.equals(local.acked.get(hostname))) {
        return;
      }
      List<ActorRef<StatusReply<Done>>> waiting = replicateWaiters.remove(hostname);
      if (waiting != null) {
        waiting.forEach(r -> r.tell(StatusReply.ack()));
      }
    }

    private Effect<Event, State> onReconcile(State state, Reconcile cmd) {
      if (watchingHere()) {
        return Effect().reply(cmd.replyTo(), StatusReply.error("region " + regions.self() + " watches cluster "
            + clusterId + " itself; a reconcile is not accepted"));
      }
      if (state.forgotten()) {
        return Effect().reply(cmd.replyTo(), StatusReply.ack());
      }
      Set<String> stale = new TreeSet<>(catalog(state).hostnames());
      stale.removeAll(cmd.hostnames());
      Map<String, WriteFence> fences = replicaFences.computeIfAbsent(cmd.fromRegion(), r -> new HashMap<>());
      // A service replicated after this reconcile was sent is not stale: the reconcile is late.
      stale.removeIf(h -> !cmd.fence().supersedes(fences.getOrDefault(h, WriteFence.NONE)));
      if (!cmd.fence().isNone()) {
        stale.forEach(h -> fences.put(h, cmd.fence()));
      }
      if (!stale.isEmpty()) {
        ctx.getLog().info("cluster {}: region {} (the watcher) does not have {} services this region holds: {};"
            + " removing their share", clusterId, watcher, stale.size(), stale);
      }
      ClusterShare empty = new ClusterShare(clusterId, Optional.empty(), List.of());
      stale.forEach(h -> {
        desired.put(h, empty);
        local.send(h);
      });
      return Effect().reply(cmd.replyTo(), StatusReply.ack());
    }

    /** Sends {@link Reconcile} to every region owed one whose writer has nothing pending. */
    private void reconcileCaughtUp(State state) {
      if (!synced || !watchingHere() || epoch == 0) {
        return;
      }
      for (String region : Set.copyOf(reconcileDue)) {
        Writer w = replicas.get(region);
        if (w == null || w.pending() > 0) {
          continue;
        }
        reconcileDue.remove(region);
        Set<String> hostnames = catalog(state).hostnames();
        WriteFence fence = new WriteFence(epoch, ++attempts);
        ctx.askWithStatus(Done.class, sharding.entityRefFor(ENTITY_KEY, clusterId, region), REPLICATE_TIMEOUT,
            replyTo -> new Reconcile(hostnames, regions.self(), fence, replyTo),
            (done, error) -> new Reconciled(region, error == null ? null : String.valueOf(error.getMessage())));
      }
    }

    private Effect<Event, State> onSynced(State state, SyncReported cmd) {
      if (!synced && !state.forgotten() && registry != null) {
        synced = true;
        List<String> gone = state.hostnames().stream()
            .filter(h -> !reportedThisRun.contains(h)).sorted().toList();
        if (!gone.isEmpty()) {
          ctx.getLog().info("cluster {}: {} services disappeared while unwatched: {}",
              clusterId, gone.size(), gone);
        }
        gone.forEach(h -> {
          desired.put(h, new ClusterShare(clusterId, Optional.empty(), List.of()));
          sendEverywhere(h);
        });
        ctx.getLog().info("cluster {}: first listing complete, {} services", clusterId,
            reportedThisRun.size());
        reconcileCaughtUp(state);
      }
      return Effect().none();
    }

    private Effect<Event, State> onConnectivity(State state, ConnectivityReported cmd) {
      if (state.forgotten() || registry == null) {
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

    private Effect<Event, State> onMemberRemoved(State state, MemberRemoved cmd) {
      int unanswered = local.inFlight.size() + replicas.values().stream().mapToInt(w -> w.inFlight.size()).sum();
      if (unanswered > 0) {
        ctx.getLog().info("cluster {}: member {} removed; resending {} unanswered writes in {}",
            clusterId, cmd.address(), unanswered, RESEND_AFTER_REMOVAL);
        timers.startSingleTimer(ResendInFlight.INSTANCE, RESEND_AFTER_REMOVAL);
      }
      return Effect().none();
    }

    private Effect<Event, State> onApplied(State state, ShareApplied cmd) {
      Writer w = writer(cmd.target());
      if (w == null || !w.latest(cmd.hostname(), cmd.attempt())) {
        // An older write of this service, answered after a newer one was sent (the newer one's
        // answer decides), or a replication stopped since.
        return Effect().none();
      }
      w.consecutiveFailures = 0;
      w.acked.put(cmd.hostname(), cmd.share());
      if (w == local) {
        answerReplicateWaiters(cmd.hostname());
      }
      ClusterShare want = desired.get(cmd.hostname());
      if (cmd.share().isEmpty() && cmd.share().equals(want)) {
        if (!everyWriterHolds(cmd.hostname(), want)) {
          return Effect().none();
        }
        desired.remove(cmd.hostname());
        local.acked.remove(cmd.hostname());
        replicas.values().forEach(r -> r.acked.remove(cmd.hostname()));
        if (state.hostnames().contains(cmd.hostname())) {
          return Effect().persist(new ServiceUntracked(cmd.hostname())).thenRun(s -> {
            if (s.forgotten() && s.hostnames().isEmpty()) {
              ctx.getLog().info("cluster {}: forgotten; every share of it is removed", clusterId);
            }
          });
        }
        return Effect().none();
      }
      w.send(cmd.hostname());
      if (w != local) {
        reconcileCaughtUp(state);
      }
      return Effect().none();
    }

    private boolean everyWriterHolds(String hostname, ClusterShare share) {
      if (!share.equals(local.acked.get(hostname))) {
        return false;
      }
      return replicas.values().stream().allMatch(r -> share.equals(r.acked.get(hostname)));
    }

    private Effect<Event, State> onFailed(State state, ShareFailed cmd) {
      Writer w = writer(cmd.target());
      if (w == null || !w.latest(cmd.hostname(), cmd.attempt())) {
        return Effect().none();
      }
      w.failed(cmd.hostname(), cmd.reason());
      return Effect().none();
    }

    /**
     * Sends each service's desired share to one target until acknowledged: at most {@link
     * #MAX_WRITES_IN_FLIGHT} writes at a time (the others wait their turn, in the order they became
     * due), one per service, failed rounds retried with backoff.
     */
    private final class Writer {
      final String target;
      final Map<String, ClusterShare> acked = new HashMap<>();
      /** Services with a write awaiting its answer, with that write's attempt number. */
      final Map<String, Long> inFlight = new HashMap<>();
      /** Services due a write while {@link #MAX_WRITES_IN_FLIGHT} are in flight, oldest first. */
      final Set<String> waiting = new LinkedHashSet<>();
      int consecutiveFailures;

      Writer(String target) {
        this.target = target;
      }

      String describe() {
        return LOCAL.equals(target) ? "writing" : "replicating to region " + target;
      }

      void send(String hostname) {
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

      /**
       * Writes the desired share unless acknowledged, whether or not a write is in flight; before
       * this incarnation has its epoch, the write waits for it.
       */
      void resend(String hostname) {
        ClusterShare share = desired.get(hostname);
        if (share == null || share.equals(acked.get(hostname))) {
          inFlight.remove(hostname);
          return;
        }
        if (epoch == 0) {
          inFlight.remove(hostname);
          waiting.add(hostname);
          return;
        }
        long attempt = ++attempts;
        WriteFence fence = new WriteFence(epoch, attempt);
        inFlight.put(hostname, attempt);
        if (LOCAL.equals(target)) {
          ctx.askWithStatus(Done.class, sharding.entityRefFor(ServiceEntity.ENTITY_KEY, hostname), ASK_TIMEOUT,
              replyTo -> new ServiceEntity.ReplaceShare(share, fence, replyTo),
              (done, error) -> answer(hostname, share, attempt, error));
        } else {
          ctx.askWithStatus(Done.class, sharding.entityRefFor(ENTITY_KEY, clusterId, target), REPLICATE_TIMEOUT,
              replyTo -> new Replicate(hostname, share, regions.self(), fence, replyTo),
              (done, error) -> answer(hostname, share, attempt, error));
        }
      }

      private Command answer(String hostname, ClusterShare share, long attempt, Throwable error) {
        return error == null
            ? new ShareApplied(target, hostname, share, attempt)
            : new ShareFailed(target, hostname, String.valueOf(error.getMessage()), attempt);
      }

      void resendInFlight() {
        Set.copyOf(inFlight.keySet()).forEach(this::resend);
        sendWaiting();
      }

      /**
       * Whether {@code attempt} is the latest write of {@code hostname}; forgets it if so, and
       * gives its slot to a waiting write.
       */
      boolean latest(String hostname, long attempt) {
        if (!inFlight.remove(hostname, attempt)) {
          return false;
        }
        sendWaiting();
        return true;
      }

      /** Sends the writes waiting for a free slot, as far as there are slots. */
      void sendWaiting() {
        if (epoch == 0) {
          return;
        }
        Iterator<String> it = waiting.iterator();
        while (it.hasNext() && inFlight.size() < MAX_WRITES_IN_FLIGHT) {
          String hostname = it.next();
          it.remove();
          if (!inFlight.containsKey(hostname)) {
            resend(hostname);
          }
        }
      }

      void retry() {
        Set.copyOf(desired.keySet()).forEach(this::send);
      }

      int pending() {
        return (int) desired.entrySet().stream().filter(e -> !e.getValue().equals(acked.get(e.getKey()))).count();
      }

      void failed(String hostname, String reason) {
        RetryPending retry = new RetryPending(target);
        if (timers.isTimerActive(retry)) {
          // Writes that fail together (say, every service of a dead node) are one failed round:
          // the pending retry resends them all.
          return;
        }
        Duration delay = RETRY_DELAY.multipliedBy(1L << Math.min(consecutiveFailures, 5));
        if (delay.compareTo(MAX_RETRY_DELAY) > 0) {
          delay = MAX_RETRY_DELAY;
        }
        consecutiveFailures++;
        // One WARN per streak of failures, not one per retry.
        if (consecutiveFailures == 1 || consecutiveFailures % 20 == 0) {
          ctx.getLog().warn("cluster {}: {} {} failed ({}); retrying in {} ({} failures in a row)", clusterId,
              describe(), hostname, reason, delay, consecutiveFailures);
        }
        timers.startSingleTimer(retry, retry, delay);
        if (!LOCAL.equals(target)) {
          reconcileDue.add(target);
        }
      }
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
