package io.meshplane.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.config.MeshConfigSource;
import io.meshplane.model.ServiceState;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.push.PushHub;
import io.meshplane.registry.kube.MemberClusters;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin HTTP API of a node: {@code /metrics} (Prometheus text), {@code /healthz},
 * {@code /readyz}, and JSON debug views of proxies ({@code /debug/proxies/<id>}, fleet-wide
 * {@code /debug/proxy-status}, what one proxy was last sent: {@code /debug/config-dump/<id>}),
 * member clusters and remote secrets ({@code /debug/clusters}), the mesh config in force
 * ({@code /debug/mesh-config}), services ({@code /debug/services}) and this node's view of the
 * Pekko cluster ({@code /debug/members}).
 *
 * <p>Readiness depends on this node's servers only, never on member clusters: a member whose API
 * server is unreachable is shown in {@code /debug/clusters} as {@code unreachable} since a time,
 * while its last known endpoints stay served.
 *
 * <p>Stateless but for the readiness flag; handlers run on Pekko HTTP's threads.
 */
public final class AdminRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final PrometheusMetrics metrics;
  private final ActorRef<PushHub.Command> hub;
  private final MemberClusters memberClusters;
  private final MeshConfigSource meshConfig;
  private final String nodeName;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final ObjectMapper json = new ObjectMapper().registerModule(new Jdk8Module())
      .enable(SerializationFeature.INDENT_OUTPUT);
  private final ConfigDumpJson configDumpJson = new ConfigDumpJson(json);

  public AdminRoutes(ActorSystem<?> system, PrometheusMetrics metrics, ActorRef<PushHub.Command> hub,
      MemberClusters memberClusters, MeshConfigSource meshConfig, String nodeName) {
    this.system = system;
    this.metrics = metrics;
    this.hub = hub;
    this.memberClusters = memberClusters;
    this.meshConfig = meshConfig;
    this.nodeName = nodeName;
  }

  /** Called once the xDS server is serving. */
  public void markReady() {
    ready.set(true);
  }

  public Route routes() {
    return concat(
        path("metrics", () -> get(() -> complete(HttpResponse.create().withEntity(HttpEntities.create(
            org.apache.pekko.http.javadsl.model.ContentTypes.parse(PrometheusMetrics.contentType()),
            metrics.scrape()))))),
        path("healthz", () -> get(() -> complete("ok\n"))),
        path("readyz", () -> get(() -> ready.get()
            ? complete("ready\n")
            : complete(StatusCodes.SERVICE_UNAVAILABLE, "starting: the xDS server is not serving yet\n"))),
        pathPrefix("debug", () -> concat(
            path(PathMatchers.segment("proxies").slash(PathMatchers.segment()),
                id -> get(() -> onSuccess(proxyStatus(id), this::jsonResponse))),
            path(PathMatchers.segment("config-dump").slash(PathMatchers.segment()),
                id -> get(() -> onSuccess(new ConfigDumpReport(system).dump(id), this::configDump))),
            path("clusters", () -> get(() -> onSuccess(clusters(), this::jsonResponse))),
            path("mesh-config", () -> get(() -> jsonResponse(meshConfig.status()))),
            path("members", () -> get(() -> jsonResponse(members()))),
            path("proxy-status", () -> get(() -> onSuccess(new ProxyStatusReport(system).rows()
                .thenApply(rows -> (Object) rows), this::jsonResponse))),
            path("services", () -> get(() -> onSuccess(services(), this::jsonResponse))))));
  }

  private Route jsonResponse(Object body) {
    try {
      return complete(HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON,
          json.writeValueAsBytes(body))));
    } catch (Exception e) {
      return complete(StatusCodes.INTERNAL_SERVER_ERROR, "cannot render: " + e.getMessage());
    }
  }

  /**
   * 200 with the dump; 404 when every node answered and none serves the proxy; 503 when it was not
   * found but some node did not answer (it may be there).
   */
  private Route configDump(ConfigDumpReport.Result result) {
    if (result.found()) {
      return jsonResponse(configDumpJson.render(result));
    }
    if (result.unanswered().isEmpty()) {
      return complete(StatusCodes.NOT_FOUND, "proxy " + result.proxyId() + " is not connected to any node ("
          + result.asked() + " asked)\n");
    }
    return complete(StatusCodes.SERVICE_UNAVAILABLE, "proxy " + result.proxyId() + " is not connected to any node "
        + "that answered; no answer from " + String.join(", ", result.unanswered()) + "\n");
  }

  /**
   * The proxy's status from this region's shards; a proxy this region does not know is looked up in
   * the other regions (one that reconnected to another region after its own died, say).
   */
  private CompletionStage<Object> proxyStatus(String id) {
    CompletionStage<ProxyEntity.Status> status = ClusterSharding.get(system).entityRefFor(ProxyEntity.ENTITY_KEY, id)
        .ask(ProxyEntity.GetStatus::new, ASK_TIMEOUT);
    String self = Cluster.get(system).selfMember().dataCenter();
    for (String region : new java.util.TreeSet<>(Cluster.get(system).state().getAllDataCenters())) {
      if (region.equals(self)) {
        continue;
      }
      status = status.thenCompose(s -> s.node().isPresent() ? CompletableFuture.completedFuture(s)
          : ClusterSharding.get(system).entityRefFor(ProxyEntity.ENTITY_KEY, id, region)
              .<ProxyEntity.Status>ask(ProxyEntity.GetStatus::new, ASK_TIMEOUT)
              .exceptionally(e -> s));
    }
    return status.thenApply(s -> (Object) s);
  }

  private CompletionStage<Object> clusters() {
    List<CompletableFuture<ClusterWatch.Status>> asks = new ArrayList<>();
    for (String id : new java.util.TreeSet<>(memberClusters.ids())) {
      asks.add(ClusterSharding.get(system).entityRefFor(ClusterWatch.ENTITY_KEY, id)
          .<ClusterWatch.Status>ask(ClusterWatch.GetStatus::new, ASK_TIMEOUT).toCompletableFuture()
          .exceptionally(e -> new ClusterWatch.Status(id, false, "no answer: " + e.getMessage(), false, 0, 0, 0,
              Cluster.get(system).selfMember().dataCenter())));
    }
    return CompletableFuture.allOf(asks.toArray(new CompletableFuture[0])).thenApply(v -> {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("node", nodeName);
      out.put("configCluster", memberClusters.configClusterId());
      out.put("clusters", asks.stream().map(CompletableFuture::join).map(this::cluster).toList());
      out.put("remoteSecretsNamespace", memberClusters.namespace());
      out.put("remoteSecrets", memberClusters.secrets());
      return out;
    });
  }

  /**
   * One member cluster's status; {@code state} is {@code connected}, or {@code unreachable}
   * (stale: the endpoints last seen are served) since {@code since}, or {@code replica} (another
   * region, {@code watcher}, watches it and replicates it here).
   */
  private Map<String, Object> cluster(ClusterWatch.Status s) {
    Map<String, Object> v = new LinkedHashMap<>();
    boolean replica = !s.watcher().equals(Cluster.get(system).selfMember().dataCenter());
    v.put("clusterId", s.clusterId());
    v.put("connected", s.connected());
    v.put("state", replica ? "replica" : s.connected() ? "connected" : "unreachable");
    v.put("stale", !replica && !s.connected());
    v.put("watcher", s.watcher());
    v.put("since", s.sinceMillis() == 0 ? "" : Instant.ofEpochMilli(s.sinceMillis()).toString());
    v.put("detail", s.detail());
    v.put("synced", s.synced());
    v.put("services", s.services());
    v.put("pending", s.pending());
    memberClusters.remote(s.clusterId()).ifPresent(r -> {
      v.put("secret", r.secret());
      v.put("network", r.network());
      v.put("region", r.region());
    });
    return v;
  }

  /** This node's view of the Pekko cluster: who is a member, in which state, who leads. */
  private Map<String, Object> members() {
    Cluster cluster = Cluster.get(system);
    ClusterEvent.CurrentClusterState state = cluster.state();
    List<Map<String, Object>> members = new ArrayList<>();
    for (Member m : state.getMembers()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("address", m.address().toString());
      v.put("status", m.status().toString());
      v.put("dataCenter", m.dataCenter());
      v.put("reachable", !state.getUnreachable().contains(m));
      members.add(v);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", nodeName);
    out.put("self", cluster.selfMember().address().toString());
    out.put("selfStatus", cluster.selfMember().status().toString());
    out.put("leader", state.getLeader() == null ? "" : state.getLeader().toString());
    out.put("members", members);
    return out;
  }

  private CompletionStage<Object> services() {
    return AskPattern.<PushHub.Command, Map<String, ServiceState>>ask(hub, PushHub.GetServices::new, ASK_TIMEOUT,
        system.scheduler()).thenApply(all -> {
          Map<String, Object> out = new TreeMap<>();
          all.forEach((host, s) -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("version", s.version());
            v.put("exists", s.exists());
            v.put("ports", s.ports());
            v.put("exportTo", s.exportTo());
            v.put("endpoints", s.endpoints().stream().map(e -> e.address() + " " + e.clusterId()
                + (e.ready() ? "" : " (not ready)")).toList());
            out.put(host, v);
          });
          return out;
        });
  }
}
