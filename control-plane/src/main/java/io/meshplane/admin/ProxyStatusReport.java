package io.meshplane.admin;

import io.meshplane.proxy.ProxyEntity;
import io.meshplane.xds.generator.TypeUrls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorSelection;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.pattern.Patterns;

/**
 * The fleet-wide proxy status that any node can answer: the proxy ids come from every member's
 * Proxy shard region (Pekko's own region-state query, so no extra index is kept), the status of
 * each from its sharded Proxy entity. Per type a proxy is SYNCED (it acknowledged what it was
 * last sent), STALE (it has not, with its NACK error if it rejected it) or NOT SENT.
 *
 * <p>Stateless; runs on the admin server's threads.
 */
public final class ProxyStatusReport {

  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** One proxy's row. */
  public record Row(String proxy, String servingNode, boolean connected, String kind, String namespace,
      Map<String, String> types) {}

  private final ActorSystem<?> system;

  public ProxyStatusReport(ActorSystem<?> system) {
    this.system = system;
  }

  /**
   * Every proxy known to the cluster, sorted by id: each asked in the region whose shards hold it
   * (sharding runs per region), so that proxies served by any region are listed from any region.
   */
  public CompletionStage<List<Row>> rows() {
    return proxyIds().thenCompose(ids -> {
      String self = Cluster.get(system).selfMember().dataCenter();
      List<CompletableFuture<Row>> asks = new ArrayList<>();
      ids.forEach((id, region) -> asks.add((region.equals(self)
              ? ClusterSharding.get(system).entityRefFor(ProxyEntity.ENTITY_KEY, id)
              : ClusterSharding.get(system).entityRefFor(ProxyEntity.ENTITY_KEY, id, region))
          .<ProxyEntity.Status>ask(ProxyEntity.GetStatus::new, TIMEOUT)
          .thenApply(ProxyStatusReport::row).toCompletableFuture()
          .exceptionally(e -> new Row(id, "?", false, "?", "?", Map.of("error", "no answer: " + e.getMessage())))));
      return CompletableFuture.allOf(asks.toArray(new CompletableFuture[0]))
          .thenApply(v -> asks.stream().map(CompletableFuture::join).toList());
    });
  }

  /** The ids of every Proxy entity on every up member, with the region holding each. */
  CompletionStage<Map<String, String>> proxyIds() {
    List<CompletableFuture<Map<String, String>>> perMember = new ArrayList<>();
    for (Member m : Cluster.get(system).state().getMembers()) {
      if (m.status() != MemberStatus.up() && m.status() != MemberStatus.weaklyUp()) {
        continue;
      }
      ActorSelection region = system.classicSystem().actorSelection(m.address() + "/system/sharding/"
          + ProxyEntity.ENTITY_KEY.name());
      String dc = m.dataCenter();
      perMember.add(Patterns.ask(region, ShardRegion.getShardRegionStateInstance(), TIMEOUT)
          .thenApply(reply -> {
            Map<String, String> ids = new TreeMap<>();
            ((ShardRegion.CurrentShardRegionState) reply).getShards()
                .forEach(shard -> shard.getEntityIds().forEach(id -> ids.put(id, dc)));
            return (Map<String, String>) ids;
          }).toCompletableFuture().exceptionally(e -> Map.of()));
    }
    return CompletableFuture.allOf(perMember.toArray(new CompletableFuture[0])).thenApply(v -> {
      Map<String, String> all = new TreeMap<>();
      perMember.forEach(f -> f.join().forEach(all::putIfAbsent));
      return all;
    });
  }

  static Row row(ProxyEntity.Status s) {
    Map<String, String> types = new LinkedHashMap<>();
    for (String url : List.of(TypeUrls.CLUSTER, TypeUrls.LISTENER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT,
        TypeUrls.ROUTE_CONFIGURATION)) {
      types.put(TypeUrls.shortName(url), sync(s.types().get(url)));
    }
    return new Row(s.proxyId(), s.servingNode(), s.connected(),
        s.node().map(n -> n.kind().wireName()).orElse("?"), s.node().map(n -> n.namespace()).orElse("?"), types);
  }

  /** SYNCED, NOT SENT or STALE (with the NACK error) for one type. */
  static String sync(ProxyEntity.TypeStatus t) {
    if (t == null || t.sentVersion().isEmpty()) {
      return "NOT SENT";
    }
    if (t.sentVersion().equals(t.ackedVersion())) {
      return "SYNCED";
    }
    if (t.sentVersion().equals(t.nackedVersion()) || !t.lastError().isEmpty()) {
      return "STALE (NACK: " + t.lastError() + ")";
    }
    return "STALE";
  }
}
