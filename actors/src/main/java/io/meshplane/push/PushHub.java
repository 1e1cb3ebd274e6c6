package io.meshplane.push;

import static java.util.Objects.requireNonNull;

import io.meshplane.cluster.ClusterWatch;
import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.Mesh;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ServiceState;
import io.meshplane.service.ServiceEntity;
import io.meshplane.xds.XdsConnection;
import io.meshplane.xds.XdsMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The push hub of one control-plane node: it receives every service change once (from the
 * service-changes topic), keeps each service's current {@link ServiceView} (resources computed
 * once per version, shared by all local streams), debounces changes (a quiet window and a maximum
 * delay) and sends each local xDS connection only the services it watches.
 *
 * <p>The topic delivers at most once: a node whose topic instance the publishing node has not
 * discovered yet (the receptionist gossips it within seconds of a join) misses changes. So every
 * {@code refresh} the hub asks each known service's entity for its state again and pushes whatever
 * turns out to be newer ({@code firstRefresh} after start, the window in which that happens).
 *
 * <p>Every view is built under the node's current {@link Mesh} (mesh config and discovered
 * gateways). {@link MeshChanged} replaces it: every view is rebuilt under the new mesh and every
 * connection is sent all the views it holds, so that it re-evaluates visibility and its EDS view
 * and pushes what changed for it (services that became visible or invisible included).
 *
 * <p>The discovered gateways are those the hub derives itself from the gateway Services among the
 * services it holds ({@link GatewayServices}: every node holds every service, so every node
 * derives the same gateways, whichever node watches the member cluster), plus any sent with
 * {@link GatewaysChanged} or {@link MeshChanged}. A gateway Service that comes, goes or changes
 * address is a mesh change like any other.
 *
 * <p>Confined to its actor. Connections register with {@link Watch} and are watched for death.
 */
public final class PushHub extends AbstractBehavior<PushHub.Command> {

  /**
   * Debounce and fetch settings. Every {@code refresh} (the first {@code firstRefresh} after start)
   * the member clusters' catalogs are read again and every known service is re-fetched.
   */
  public record Settings(Duration quietWindow, Duration maxDelay, Duration fetchTimeout, Duration firstRefresh,
      Duration refresh, int maxFetchesInFlight) {
    /**
     * At most this many entity reads in flight per hub. Unbounded, a node that learns 2,000
     * services at once (start, a catalog, a refresh) sent 2,000 asks together: the entities'
     * recoveries queued up in Cassandra past the fetch timeout, and the retries kept it so.
     */
    public static final int MAX_FETCHES_IN_FLIGHT = 32;

    public Settings {
      requireNonNull(quietWindow, "quietWindow");
      requireNonNull(maxDelay, "maxDelay");
      requireNonNull(fetchTimeout, "fetchTimeout");
      requireNonNull(firstRefresh, "firstRefresh");
      requireNonNull(refresh, "refresh");
      if (maxFetchesInFlight < 1) {
        throw new IllegalArgumentException("maxFetchesInFlight must be at least 1, got " + maxFetchesInFlight);
      }
    }

    public Settings(Duration quietWindow, Duration maxDelay, Duration fetchTimeout, Duration firstRefresh,
        Duration refresh) {
      this(quietWindow, maxDelay, fetchTimeout, firstRefresh, refresh, MAX_FETCHES_IN_FLIGHT);
    }

    public static Settings defaults() {
      return new Settings(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5),
          Duration.ofSeconds(5), Duration.ofSeconds(30));
    }
  }

  /** Messages the hub accepts. */
  public sealed interface Command {}

  /**
   * A connection needs these services (or every service when {@code all}); replaces its previous
   * watch. The hub answers with {@link XdsConnection.ServicesUpdated}.
   */
  public record Watch(ActorRef<XdsConnection.Command> connection, Set<String> hostnames, boolean all)
      implements Command {
    public Watch {
      requireNonNull(connection, "connection");
      hostnames = Set.copyOf(hostnames);
    }
  }

  /** A connection ended. */
  public record Unwatch(ActorRef<XdsConnection.Command> connection) implements Command {}

  /**
   * The mesh config and the discovered gateways are now these. An equal mesh changes nothing. A
   * source that knows only one half sends {@link MeshConfigChanged} or {@link GatewaysChanged}.
   */
  public record MeshChanged(MeshConfig config, DiscoveredGateways gateways) implements Command {
    public MeshChanged {
      requireNonNull(config, "config");
      requireNonNull(gateways, "gateways");
    }
  }

  /** The mesh config is now this (the mesh-config source); the discovered gateways stay. */
  public record MeshConfigChanged(MeshConfig config) implements Command {
    public MeshConfigChanged {
      requireNonNull(config, "config");
    }
  }

  /**
   * Gateways known from elsewhere than the gateway Services the hub derives its own from are now
   * these; the mesh config and the derived gateways stay.
   */
  public record GatewaysChanged(DiscoveredGateways gateways) implements Command {
    public GatewaysChanged {
      requireNonNull(gateways, "gateways");
    }
  }

  /** Replies with every service this node knows, for the admin API. */
  public record GetServices(ActorRef<Map<String, ServiceState>> replyTo) implements Command {}

  record Changed(ServiceEntity.ServiceChanged change) implements Command {}

  /** An entity's answer; {@code repair}: asked by the periodic refresh, not by a watch. */
  record Fetched(String hostname, ServiceState state, String error, boolean repair) implements Command {}

  record CatalogReceived(ClusterWatch.Catalog catalog, String error) implements Command {}

  record Refetch(String hostname) implements Command {}

  enum Flush implements Command { INSTANCE }

  enum Refresh implements Command { INSTANCE }

  /** Timer key of one service's quiet window: each changed service has its own. */
  private record Quiet(String hostname) {}

  private static final Object MAX = "max";

  /** A hub under {@link Mesh#DEFAULT} until told otherwise with {@link MeshChanged}. */
  public static Behavior<Command> create(Settings settings, Supplier<Set<String>> memberClusters,
      ActorRef<Topic.Command<ServiceEntity.ServiceChanged>> changes, XdsMetrics metrics, Clock clock) {
    return create(settings, memberClusters, changes, Mesh.DEFAULT, metrics, clock);
  }

  /** A hub that starts under {@code mesh}. */
  public static Behavior<Command> create(Settings settings, Supplier<Set<String>> memberClusters,
      ActorRef<Topic.Command<ServiceEntity.ServiceChanged>> changes, Mesh mesh, XdsMetrics metrics, Clock clock) {
    requireNonNull(mesh, "mesh");
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new PushHub(ctx, timers, settings, memberClusters, changes, mesh, metrics, clock)));
  }

  private final TimerScheduler<Command> timers;
  private final Settings settings;
  private final Supplier<Set<String>> memberClusters;
  private final XdsMetrics metrics;
  private final Clock clock;
  private final ClusterSharding sharding;
  private Mesh mesh;
  private MeshConfig config;
  /** Gateways sent with {@link GatewaysChanged} or {@link MeshChanged}, not derived. */
  private DiscoveredGateways announced;
  private final GatewayServices gatewayServices;

  private final Map<String, ServiceView> views = new HashMap<>();
  /** Services queued or being read: each at most once. */
  private final Set<String> fetching = new HashSet<>();
  /** Reads waiting for a slot: those a connection or the catalog waits for before the refresh's. */
  private final Deque<String> urgentFetches = new ArrayDeque<>();
  private final Deque<String> repairFetches = new ArrayDeque<>();
  private final Map<String, Boolean> repairing = new HashMap<>();
  private int fetchesInFlight;
  private final Map<ActorRef<XdsConnection.Command>, Watch> watches = new HashMap<>();
  private final Map<String, Set<ActorRef<XdsConnection.Command>>> watchersByHost = new HashMap<>();
  private final Set<ActorRef<XdsConnection.Command>> watchingAll = new HashSet<>();
  private final Set<ActorRef<XdsConnection.Command>> awaitingCatalog = new HashSet<>();
  private final Map<String, Long> dirty = new LinkedHashMap<>();
  private final Set<String> catalogPending = new HashSet<>();
  private int catalogAnswersPending;
  private boolean catalogComplete;
  private long firstDirtyAt;

  private PushHub(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings,
      Supplier<Set<String>> memberClusters, ActorRef<Topic.Command<ServiceEntity.ServiceChanged>> changes,
      Mesh mesh, XdsMetrics metrics, Clock clock) {
    super(ctx);
    this.mesh = mesh;
    this.config = mesh.config();
    this.announced = mesh.discovered();
    this.gatewayServices = new GatewayServices(warning -> ctx.getLog().warn("{}", warning));
    this.timers = timers;
    this.settings = settings;
    this.memberClusters = memberClusters;
    this.metrics = metrics;
    this.clock = clock;
    this.sharding = ClusterSharding.get(ctx.getSystem());
    changes.tell(Topic.subscribe(ctx.messageAdapter(ServiceEntity.ServiceChanged.class, Changed::new)));
    requestCatalogs();
    timers.startTimerWithFixedDelay(Refresh.INSTANCE, Refresh.INSTANCE, settings.firstRefresh(), settings.refresh());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Watch.class, this::onWatch)
        .onMessage(Unwatch.class, w -> forget(w.connection()))
        .onMessage(Changed.class, this::onChanged)
        .onMessage(Fetched.class, this::onFetched)
        .onMessage(CatalogReceived.class, this::onCatalog)
        .onMessage(Refetch.class, r -> {
          fetch(r.hostname());
          return this;
        })
        .onMessage(Flush.class, f -> flush())
        .onMessage(Refresh.class, r -> refresh())
        .onMessage(MeshChanged.class, m -> remesh(m.config(), m.gateways()))
        .onMessage(MeshConfigChanged.class, m -> remesh(m.config(), announced))
        .onMessage(GatewaysChanged.class, m -> remesh(config, m.gateways()))
        .onMessage(GetServices.class, this::onGetServices)
        .build();
  }

  private void requestCatalogs() {
    for (String clusterId : memberClusters.get()) {
      catalogAnswersPending++;
      getContext().ask(ClusterWatch.Catalog.class, sharding.entityRefFor(ClusterWatch.ENTITY_KEY, clusterId),
          settings.fetchTimeout(), ClusterWatch.GetCatalog::new,
          (catalog, error) -> new CatalogReceived(catalog, error == null ? null : clusterId + ": " + error));
    }
    if (catalogAnswersPending == 0) {
      catalogComplete = true;
    }
  }

  private Behavior<Command> onCatalog(CatalogReceived msg) {
    catalogAnswersPending = Math.max(0, catalogAnswersPending - 1);
    if (msg.error() != null) {
      getContext().getLog().warn("catalog of member cluster {} unavailable; wildcard subscribers are served"
          + " what is known so far", msg.error());
    } else {
      for (String host : msg.catalog().hostnames()) {
        if (!views.containsKey(host)) {
          catalogPending.add(host);
          fetch(host);
        }
      }
    }
    maybeCompleteCatalog();
    return this;
  }

  private void maybeCompleteCatalog() {
    if (!catalogComplete && catalogAnswersPending == 0 && catalogPending.isEmpty()) {
      catalogComplete = true;
      getContext().getLog().info("service catalog loaded: {} services", views.size());
    }
    if (catalogAnswersPending == 0 && catalogPending.isEmpty() && !awaitingCatalog.isEmpty()) {
      for (ActorRef<XdsConnection.Command> conn : awaitingCatalog) {
        conn.tell(new XdsConnection.ServicesUpdated(Map.copyOf(views), true, "catalog", 0));
      }
      awaitingCatalog.clear();
    }
  }

  private void fetch(String host) {
    fetch(host, false);
  }

  private void fetch(String host, boolean repair) {
    if (!fetching.add(host)) {
      return;
    }
    repairing.put(host, repair);
    (repair ? repairFetches : urgentFetches).add(host);
    startFetches();
  }

  private void startFetches() {
    while (fetchesInFlight < settings.maxFetchesInFlight()) {
      String host = urgentFetches.isEmpty() ? repairFetches.poll() : urgentFetches.poll();
      if (host == null) {
        return;
      }
      fetchesInFlight++;
      read(host, repairing.remove(host));
    }
  }

  private void read(String host, boolean repair) {
    getContext().ask(ServiceState.class, sharding.entityRefFor(ServiceEntity.ENTITY_KEY, host),
        settings.fetchTimeout(), ServiceEntity.Get::new,
        (state, error) -> new Fetched(host, state, error == null ? null : String.valueOf(error.getMessage()),
            repair));
  }

  private Behavior<Command> refresh() {
    requestCatalogs();
    for (String host : views.keySet()) {
      fetch(host, true);
    }
    return this;
  }

  /** A refresh's answer: pushed like a change if newer than what the hub holds, else nothing. */
  private Behavior<Command> onRepairFetched(Fetched f) {
    if (f.error() != null) {
      getContext().getLog().debug("refresh of service {} failed ({}); next refresh retries", f.hostname(),
          f.error());
      return this;
    }
    ServiceView held = views.get(f.hostname());
    long heldVersion = held == null ? 0 : held.version();
    if (store(f.state())) {
      getContext().getLog().info("service {} was behind on this node (version {}, its entity has {}): a change"
          + " did not arrive; pushing it now", f.hostname(), heldVersion, f.state().version());
      markDirty(f.hostname(), clock.millis());
    }
    return this;
  }

  private Behavior<Command> onWatch(Watch w) {
    ActorRef<XdsConnection.Command> conn = w.connection();
    Watch previous = watches.put(conn, w);
    if (previous == null) {
      getContext().watchWith(conn, new Unwatch(conn));
    } else {
      previous.hostnames().forEach(h -> removeWatcher(h, conn));
    }
    Set<String> newlyWatched = new HashSet<>(w.hostnames());
    if (previous != null) {
      newlyWatched.removeAll(previous.hostnames());
    }
    w.hostnames().forEach(h -> watchersByHost.computeIfAbsent(h, k -> new HashSet<>()).add(conn));
    boolean newAll = w.all() && (previous == null || !previous.all());
    if (w.all()) {
      watchingAll.add(conn);
    } else {
      watchingAll.remove(conn);
    }
    Map<String, ServiceView> answer = new HashMap<>();
    for (String h : newlyWatched) {
      ServiceView v = views.get(h);
      if (v != null) {
        answer.put(h, v);
      } else {
        fetch(h);
      }
    }
    if (newAll) {
      if (catalogComplete) {
        answer.putAll(views);
      } else {
        awaitingCatalog.add(conn);
      }
    }
    if (!answer.isEmpty() || (newAll && catalogComplete)) {
      conn.tell(new XdsConnection.ServicesUpdated(answer, newAll && catalogComplete, "watch", 0));
    }
    return this;
  }

  private void removeWatcher(String host, ActorRef<XdsConnection.Command> conn) {
    Set<ActorRef<XdsConnection.Command>> set = watchersByHost.get(host);
    if (set != null) {
      set.remove(conn);
      if (set.isEmpty()) {
        watchersByHost.remove(host);
      }
    }
  }

  private Behavior<Command> forget(ActorRef<XdsConnection.Command> conn) {
    Watch w = watches.remove(conn);
    if (w != null) {
      w.hostnames().forEach(h -> removeWatcher(h, conn));
      getContext().unwatch(conn);
    }
    watchingAll.remove(conn);
    awaitingCatalog.remove(conn);
    return this;
  }

  private Behavior<Command> onFetched(Fetched f) {
    fetching.remove(f.hostname());
    fetchesInFlight--;
    startFetches();
    if (f.repair()) {
      return onRepairFetched(f);
    }
    catalogPending.remove(f.hostname());
    if (f.error() != null) {
      getContext().getLog().warn("service {} could not be loaded ({}); retrying in 1s", f.hostname(), f.error());
      timers.startSingleTimer("fetch-" + f.hostname(), new Refetch(f.hostname()), Duration.ofSeconds(1));
      return this;
    }
    ServiceState state = f.state();
    boolean stored = store(state);
    Set<ActorRef<XdsConnection.Command>> targets = new HashSet<>(watchersByHost.getOrDefault(f.hostname(), Set.of()));
    if (stored && state.exists()) {
      targets.addAll(watchingAll);
    }
    ServiceView view = views.get(f.hostname());
    for (ActorRef<XdsConnection.Command> conn : targets) {
      conn.tell(new XdsConnection.ServicesUpdated(Map.of(f.hostname(), view), false, "fetch", 0));
    }
    maybeCompleteCatalog();
    return this;
  }

  /** Keeps the newest version; returns whether {@code state} was stored. */
  private boolean store(ServiceState state) {
    ServiceView current = views.get(state.hostname());
    if (current != null && current.version() >= state.version()) {
      return false;
    }
    views.put(state.hostname(), ServiceView.of(state, mesh));
    if (gatewayServices.update(state, config)) {
      remesh(config, announced);
    }
    return true;
  }

  /** Applies a mesh config and announced gateways, merged with the gateways derived from services. */
  private Behavior<Command> remesh(MeshConfig nextConfig, DiscoveredGateways nextAnnounced) {
    if (!nextConfig.equals(config)) {
      gatewayServices.configChanged(nextConfig);
    }
    config = nextConfig;
    announced = nextAnnounced;
    return changeMesh(Mesh.of(nextConfig, nextAnnounced.plus(gatewayServices.gateways())));
  }

  private Behavior<Command> onChanged(Changed c) {
    ServiceState state = c.change().state();
    if (store(state)) {
      markDirty(state.hostname(), c.change().changedAtMillis());
    }
    return this;
  }

  /**
   * Schedules a push of {@code host}'s view to its watchers, debounced per service: everything
   * pending is flushed as soon as any one changed service has been quiet for the quiet window, or
   * when the oldest pending change has waited the maximum delay. A burst of changes to one service
   * is conflated; changes of other services never hold it back (under steady churn of many
   * services a single mesh-wide quiet window would never elapse, and every change would wait the
   * maximum delay).
   */
  private void markDirty(String host, long changedAtMillis) {
    if (dirty.isEmpty()) {
      firstDirtyAt = clock.millis();
      timers.startSingleTimer(MAX, Flush.INSTANCE, settings.maxDelay());
    }
    dirty.merge(host, changedAtMillis, Math::min);
    timers.startSingleTimer(new Quiet(host), Flush.INSTANCE, settings.quietWindow());
  }

  private Behavior<Command> flush() {
    timers.cancel(MAX);
    for (String host : dirty.keySet()) {
      timers.cancel(new Quiet(host));
    }
    if (dirty.isEmpty()) {
      return this;
    }
    metrics.debounced(clock.millis() - firstDirtyAt, dirty.size());
    Map<ActorRef<XdsConnection.Command>, Map<String, ServiceView>> perConnection = new HashMap<>();
    long oldest = Long.MAX_VALUE;
    for (Map.Entry<String, Long> e : dirty.entrySet()) {
      String host = e.getKey();
      oldest = Math.min(oldest, e.getValue());
      ServiceView view = views.get(host);
      Set<ActorRef<XdsConnection.Command>> targets = new HashSet<>(watchersByHost.getOrDefault(host, Set.of()));
      targets.addAll(watchingAll);
      for (ActorRef<XdsConnection.Command> conn : targets) {
        perConnection.computeIfAbsent(conn, k -> new HashMap<>()).put(host, view);
      }
    }
    dirty.clear();
    long changedAt = oldest;
    perConnection.forEach((conn, changed) ->
        conn.tell(new XdsConnection.ServicesUpdated(changed, false, "service-change", changedAt)));
    getContext().getLog().debug("pushed {} changed services to {} connections", perConnection.values().stream()
        .mapToInt(Map::size).max().orElse(0), perConnection.size());
    return this;
  }

  /**
   * Rebuilds every view under the new mesh and sends each connection every view it holds, at
   * once (not debounced: mesh changes are rare, and a connection must not serve one service under
   * the old mesh and another under the new one for longer than needed). Connections compare what
   * they would send now with what they sent: only what changed for them goes out.
   */
  private Behavior<Command> changeMesh(Mesh next) {
    if (next.equals(mesh)) {
      return this;
    }
    mesh = next;
    views.replaceAll((host, view) -> view.withMesh(next));
    Map<String, ServiceView> all = Map.copyOf(views);
    for (Map.Entry<ActorRef<XdsConnection.Command>, Watch> e : watches.entrySet()) {
      Map<String, ServiceView> held;
      if (watchingAll.contains(e.getKey()) && !awaitingCatalog.contains(e.getKey())) {
        held = all;
      } else {
        held = new HashMap<>();
        for (String host : e.getValue().hostnames()) {
          ServiceView v = views.get(host);
          if (v != null) {
            held.put(host, v);
          }
        }
      }
      if (!held.isEmpty()) {
        e.getKey().tell(new XdsConnection.ServicesUpdated(held, false, "mesh-change", clock.millis()));
      }
    }
    getContext().getLog().info("mesh changed ({} networks with gateways, split horizon {}, locality failover {},"
        + " default exportTo {}): {} services re-evaluated for {} connections",
        next.networks().gatewaysByNetwork().size(), next.networks().splitHorizon(),
        next.config().localityFailover(), next.config().defaultExportTo(), views.size(), watches.size());
    return this;
  }

  private Behavior<Command> onGetServices(GetServices g) {
    Map<String, ServiceState> out = new HashMap<>();
    views.forEach((h, v) -> out.put(h, v.state()));
    g.replyTo().tell(out);
    return this;
  }
}
