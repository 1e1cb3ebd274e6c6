package io.meshplane.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceHandlerFactory;
import io.meshplane.admin.AdminRoutes;
import io.meshplane.admin.PrometheusMetrics;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.cluster.Regions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.meshplane.config.ClusterJoin;
import io.meshplane.config.ConfigClusterSettings;
import io.meshplane.config.MeshConfigSource;
import io.meshplane.config.NodeSettings;
import io.meshplane.persistence.CassandraRegions;
import io.meshplane.persistence.CassandraSchema;
import io.meshplane.persistence.LocalCassandra;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.push.PushHub;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.registry.kube.KubeClients;
import io.meshplane.registry.kube.ResyncSettings;
import io.meshplane.registry.kube.MemberClusters;
import io.meshplane.service.LateWrites;
import io.meshplane.service.ServiceEntity;
import io.meshplane.xds.AdmissionGate;
import io.meshplane.xds.AdsServer;
import io.meshplane.xds.ProxyStreams;
import io.meshplane.xds.XdsConnection;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running control-plane node: Cassandra (given, or a local one), the Pekko cluster member
 * with its sharded entities (joining by seed nodes or by Cluster Bootstrap, then with the Pekko
 * Management server), the member clusters (its config cluster and those of remote secrets) and
 * the mesh config, the push hub, the ADS gRPC server and the admin HTTP server.
 * {@link #start} returns once all of them are up; {@link #close} stops them in reverse order.
 */
public final class ControlPlaneNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ControlPlaneNode.class);
  /**
   * How often every node reminds each member cluster's watch to run: after a failover the watch
   * restarts on its new node at the next reminder, so this bounds that part of the gap.
   */
  private static final Duration ENSURE_INTERVAL = Duration.ofMillis(500);
  /** The push hub's first refresh after start: changes published before the other nodes knew of it. */
  private static final Duration FIRST_REFRESH = Duration.ofSeconds(5);

  private final NodeSettings settings;
  private final LocalCassandra cassandra;
  private final ActorSystem<Void> system;
  private final ServerBinding xds;
  private final ServerBinding admin;
  private final PekkoManagement management;
  private final Cancellable ensureTicker;
  private final MemberClusters members;
  private final MeshConfigSource meshConfig;
  private final KubernetesClient configCluster;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ControlPlaneNode(NodeSettings settings, LocalCassandra cassandra, ActorSystem<Void> system,
      ServerBinding xds, ServerBinding admin, PekkoManagement management, Cancellable ensureTicker,
      MemberClusters members, MeshConfigSource meshConfig, KubernetesClient configCluster) {
    this.settings = settings;
    this.cassandra = cassandra;
    this.system = system;
    this.xds = xds;
    this.admin = admin;
    this.management = management;
    this.ensureTicker = ensureTicker;
    this.members = members;
    this.meshConfig = meshConfig;
    this.configCluster = configCluster;
  }

  /**
   * Starts a node whose config cluster is the one of the kubeconfig in {@code settings}: a member
   * itself, where the remote secrets of the other members and the mesh-config ConfigMap are read
   * ({@link ConfigClusterSettings}). Neither an unreachable config cluster nor an unreachable
   * member delays readiness.
   */
  public static ControlPlaneNode start(NodeSettings settings, Config config) {
    ConfigClusterSettings sources = ConfigClusterSettings.from(config);
    PrometheusMetrics metrics = new PrometheusMetrics();
    MemberRegistry.Factory registries;
    KubernetesClient configCluster = settings.kubeconfig().map(KubeClients::fromKubeconfig)
        .orElseGet(KubeClients::inCluster);
    MemberClusters members = null;
    MeshConfigSource meshConfig = null;
    try {
      members = sources.remoteSecrets()
          ? MemberClusters.watch(configCluster, settings.clusterId(), settings.network(), sources.namespace())
          : MemberClusters.configClusterOnly(settings.clusterId());
      meshConfig = MeshConfigSource.start(sources.meshConfigFile(), Optional.of(configCluster), sources.namespace(),
          sources.meshConfigMap(), sources.meshConfigPoll());
      registries = KubeClients.memberRegistryFactory(members, settings.kubeconfig(), settings.network(),
          ResyncSettings.from(config), metrics);
    } catch (RuntimeException e) {
      closeQuietly(members, meshConfig, configCluster);
      throw e;
    }
    ControlPlaneNode node = start(settings, config, registries, members, meshConfig, configCluster, metrics);
    // Any node may have to take a member cluster's watch over: load the client's classes now.
    KubeClients.warmUp(settings.kubeconfig().orElse(null),
        node.system().dispatchers().lookup(org.apache.pekko.actor.typed.DispatcherSelector.blocking()));
    return node;
  }

  /**
   * Starts a node with the given member registries (tests may pass their own): its own cluster is
   * the only member, and the mesh config is the default.
   */
  public static ControlPlaneNode start(NodeSettings settings, Config config, MemberRegistry.Factory registries) {
    return start(settings, config, registries, MemberClusters.configClusterOnly(settings.clusterId()),
        MeshConfigSource.start(Optional.empty(), Optional.empty(), "", Optional.empty(), Duration.ofSeconds(5)), null,
        new PrometheusMetrics());
  }

  private static ControlPlaneNode start(NodeSettings settings, Config config, MemberRegistry.Factory registries,
      MemberClusters members, MeshConfigSource meshConfig, KubernetesClient configCluster, PrometheusMetrics metrics) {
    long begin = System.nanoTime();
    LocalCassandra cassandra = null;
    List<String> contactPoints = settings.cassandraContactPoints();
    String datacenter = settings.cassandraDatacenter();
    if (settings.embeddedCassandra()) {
      log.info("no Cassandra contact points configured: starting an EMBEDDED local Cassandra in {} "
          + "(development only; pass --cassandra host:port in production)", settings.embeddedCassandraDir());
      cassandra = LocalCassandra.start(LocalCassandra.Settings.defaults(settings.embeddedCassandraDir())
          .withPorts(settings.embeddedCassandraPort(), 0));
      contactPoints = List.of(cassandra.contactPoint());
      datacenter = cassandra.datacenter();
    }
    ActorSystem<Void> system = null;
    PekkoManagement management = null;
    try {
      system = ActorSystem.create(Behaviors.empty(), "meshplane",
          systemConfig(settings, contactPoints, datacenter).withFallback(regionsConfig(settings, config, datacenter))
              .withFallback(config));
      management = joinCluster(system, settings.join());
      CassandraSchema.ensure(system, Duration.ofSeconds(60));

      Clock clock = Clock.systemUTC();
      metrics.countLateWrites(LateWrites.get(system));
      ActorRef<Topic.Command<ServiceEntity.ServiceChanged>> changes = system.systemActorOf(
          Topic.create(ServiceEntity.ServiceChanged.class, ServiceEntity.changesTopic(settings.dataCenter())), "service-changes",
          Props.empty());
      ServiceEntity.init(system, changes, clock);
      Regions regions = regions(settings, members);
      ProxyEntity.init(system, regions.others());
      ClusterWatch.init(system, registries, regions, clock);
      ClusterSharding sharding = ClusterSharding.get(system);
      ActorRef<PushHub.Command> hub = system.systemActorOf(PushHub.create(
          new PushHub.Settings(settings.quietWindow(), settings.maxDelay(), Duration.ofSeconds(5),
              FIRST_REFRESH.compareTo(settings.pushRefresh()) < 0 ? FIRST_REFRESH : settings.pushRefresh(),
              settings.pushRefresh()), members::ids, changes, metrics, clock), "push-hub", Props.empty());
      // The config in force at once, then every valid change: the hub re-sends what each proxy's
      // view makes different.
      meshConfig.subscribe(c -> hub.tell(new PushHub.MeshConfigChanged(c)));
      Cancellable ticker = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, ENSURE_INTERVAL,
          () -> members.ids().forEach(id -> sharding.entityRefFor(ClusterWatch.ENTITY_KEY, id)
              .tell(ClusterWatch.Ensure.INSTANCE)), system.executionContext());
      // A cluster whose remote secret is deleted is forgotten by every node that sees the deletion
      // (Forget is idempotent), so its endpoints go away everywhere; one that joins starts now.
      members.addListener(change -> {
        change.left().forEach(id -> sharding.entityRefFor(ClusterWatch.ENTITY_KEY, id)
            .tell(ClusterWatch.Forget.INSTANCE));
        change.joined().forEach(id -> sharding.entityRefFor(ClusterWatch.ENTITY_KEY, id)
            .tell(ClusterWatch.Ensure.INSTANCE));
      });

      XdsConnection.StatusReporter status = (proxyId, cmd) ->
          sharding.entityRefFor(ProxyEntity.ENTITY_KEY, proxyId).tell(cmd);
      ActorRef<AdmissionGate.Command> admission = system.systemActorOf(AdmissionGate.create(
          new AdmissionGate.Settings(settings.admissionRate(), settings.admissionBurst()), metrics),
          "xds-admission", Props.empty());
      ActorRef<ProxyStreams.Command> proxyStreams = system.systemActorOf(ProxyStreams.create(settings.nodeName()),
          "proxy-streams", Props.empty());
      AdsServer ads = new AdsServer(system, hub, proxyStreams, admission, status, metrics, clock,
          settings.nodeName());
      ServerBinding xds = await(Http.get(system).newServerAt(settings.bindHost(), settings.xdsPort())
          .bind(AggregatedDiscoveryServiceHandlerFactory.create(ads, system)), "xDS gRPC server", settings.xdsPort());
      AdminRoutes routes = new AdminRoutes(system, metrics, hub, members, meshConfig, settings.nodeName());
      ServerBinding admin = await(Http.get(system).newServerAt(settings.bindHost(), settings.adminPort())
          .bind(routes.routes()), "admin HTTP server", settings.adminPort());
      routes.markReady();
      log.info("node {} ready in {} ms: xDS on {}, admin on {}, cluster {} (network {}), Cassandra {} dc {}, {}",
          settings.nodeName(), (System.nanoTime() - begin) / 1_000_000, xds.localAddress(), admin.localAddress(),
          settings.clusterId(), settings.network(), contactPoints, datacenter, describe(settings.join()));
      return new ControlPlaneNode(settings, cassandra, system, xds, admin, management, ticker, members, meshConfig,
          configCluster);
    } catch (RuntimeException e) {
      closeQuietly(members, meshConfig, configCluster);
      if (system != null) {
        system.terminate();
      }
      if (cassandra != null) {
        cassandra.stop();
      }
      throw e;
    }
  }

  private static void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable r : resources) {
      if (r != null) {
        try {
          r.close();
        } catch (Exception e) {
          log.debug("closing {}: {}", r, e.toString());
        }
      }
    }
  }

  /**
   * The regions of the control plane. A member cluster's home region is its remote secret's; the
   * config cluster, without a secret of its own, is homed in this node's region.
   */
  static Regions regions(NodeSettings settings, MemberClusters members) {
    if (settings.regions().isEmpty()) {
      return Regions.single(settings.dataCenter());
    }
    return new Regions(settings.region(), settings.regions(), id -> {
      Optional<String> fromSecret = members.remote(id).map(r -> r.region()).filter(r -> !r.isEmpty());
      if (fromSecret.isPresent()) {
        return fromSecret;
      }
      return id.equals(members.configClusterId()) ? Optional.of(settings.region()) : Optional.empty();
    }, settings.takeoverStartupGrace());
  }

  /**
   * With several regions, the journal and snapshot keyspaces replicate to every region's Cassandra
   * data center (named as the region), {@code meshplane.cassandra.replication-factor} replicas each,
   * with NetworkTopologyStrategy; reads and writes stay in this region's data center (LOCAL_QUORUM).
   */
  static Config regionsConfig(NodeSettings settings, Config config, String datacenter) {
    if (settings.regions().isEmpty()) {
      return ConfigFactory.empty();
    }
    int factor = config.getInt("meshplane.cassandra.replication-factor");
    Map<String, Integer> factors = new java.util.TreeMap<>();
    settings.regions().forEach(r -> factors.put(r, factor));
    try {
      return CassandraRegions.config(datacenter, factors);
    } catch (IllegalArgumentException e) {
      throw new io.meshplane.model.InvalidInputException("meshplane.regions " + settings.regions()
          + " with Cassandra data center '" + datacenter + "': " + e.getMessage()
          + " (each region's Cassandra data center is named as the region: set meshplane.cassandra.local-datacenter"
          + " or --cassandra-dc to this node's region)");
    }
  }

  private static Config systemConfig(NodeSettings s, List<String> contactPoints, String datacenter) {
    Map<String, Object> m = new HashMap<>();
    m.put("pekko.cluster.multi-data-center.self-data-center", s.dataCenter());
    m.put("pekko.remote.artery.canonical.hostname", s.remotingHost());
    m.put("pekko.remote.artery.canonical.port", s.remotingPort());
    m.put("datastax-java-driver.basic.contact-points", contactPoints);
    m.put("datastax-java-driver.basic.load-balancing-policy.local-datacenter", datacenter);
    return ConfigFactory.parseMap(m).withFallback(s.join().pekkoConfig());
  }

  /**
   * Starts joining the Pekko cluster; returns at once. With seed nodes Pekko joins them by itself
   * (none: this node joins itself). With bootstrap the management server must answer before the
   * other nodes can find this one, so it is bound here; it is returned to be stopped on close.
   */
  private static PekkoManagement joinCluster(ActorSystem<Void> system, ClusterJoin join) {
    if (join instanceof ClusterJoin.SeedNodes seeds) {
      if (seeds.seedNodes().isEmpty()) {
        Cluster cluster = Cluster.get(system);
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      return null;
    }
    ClusterJoin.Bootstrap bootstrap = (ClusterJoin.Bootstrap) join;
    PekkoManagement management = PekkoManagement.get(system);
    try {
      management.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("could not start the management HTTP server on port "
          + bootstrap.managementPort() + ": " + cause.getMessage(), cause);
    }
    ClusterBootstrap.get(system).start();
    log.info("joining the cluster by Cluster Bootstrap: {}", describe(join));
    if (bootstrap.discovery() instanceof ClusterJoin.StaticContactPoints s && !s.contactPoints().contains(
        new ClusterJoin.HostPort(bootstrap.managementHost(), bootstrap.managementPort()))) {
      log.warn("this node's management address {}:{} (remoting host and management port) is not among the contact "
          + "points {}: it can join an existing cluster but never form one; list it, spelled the same way, if it "
          + "should", bootstrap.managementHost(), bootstrap.managementPort(), s.contactPoints());
    }
    return management;
  }

  private static String describe(ClusterJoin join) {
    if (join instanceof ClusterJoin.SeedNodes seeds) {
      return seeds.seedNodes().isEmpty() ? "no seed nodes (a cluster of its own)" : "seed nodes " + seeds.seedNodes();
    }
    ClusterJoin.Bootstrap b = (ClusterJoin.Bootstrap) join;
    String found = b.discovery() instanceof ClusterJoin.StaticContactPoints s
        ? "contact points " + s.contactPoints()
        : "pods " + ((ClusterJoin.KubernetesApi) b.discovery()).podLabelSelector().replace("%s", b.serviceName());
    return "bootstrap (discovery " + b.discovery().method() + ", " + found + ", " + b.requiredContactPoints()
        + " required for a new cluster), management on " + b.managementHost() + ":" + b.managementPort();
  }

  private static ServerBinding await(java.util.concurrent.CompletionStage<ServerBinding> binding, String what,
      int port) {
    try {
      return binding.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("could not start the " + what + " on port " + port + ": " + cause.getMessage(),
          cause);
    }
  }

  public int xdsPort() {
    return xds.localAddress().getPort();
  }

  public int adminPort() {
    return admin.localAddress().getPort();
  }

  public NodeSettings settings() {
    return settings;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** The member clusters this node knows (its config cluster and those of remote secrets). */
  public MemberClusters members() {
    return members;
  }

  /** The mesh config in force on this node; {@link MeshConfigSource#subscribe} to follow it. */
  public MeshConfigSource meshConfig() {
    return meshConfig;
  }

  /** Blocks until the actor system terminates (for example after Ctrl-C). */
  public void awaitTermination() {
    try {
      system.getWhenTerminated().toCompletableFuture().get();
    } catch (Exception e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    log.info("node {} stopping", settings.nodeName());
    ensureTicker.cancel();
    // No Forget from a node that stops: the member set stays as it was.
    members.close();
    try {
      xds.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
      admin.unbind().toCompletableFuture().get(5, TimeUnit.SECONDS);
      if (management != null) {
        management.stop().toCompletableFuture().get(5, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      log.debug("unbinding: {}", e.toString());
    }
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("actor system did not terminate within 30 s: {}", e.toString());
    }
    closeQuietly(meshConfig, configCluster);
    if (cassandra != null) {
      cassandra.stop();
    }
  }
}
