package io.meshplane.testing;

import io.meshplane.model.ServiceState;
import io.meshplane.service.ServiceEntity;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** Asks Service entities for their state, through a node's shards (so: in that node's region). */
public final class ServiceStates {

  private ServiceStates() {}

  /**
   * The state of each of {@code hostnames} that answered within {@code timeout}; one whose shard
   * is moving is left out (the caller polls again).
   */
  public static Map<String, ServiceState> of(ActorSystem<?> via, Set<String> hostnames, Duration timeout) {
    Map<String, CompletableFuture<ServiceState>> asks = new HashMap<>();
    for (String h : hostnames) {
      asks.put(h, ClusterSharding.get(via).entityRefFor(ServiceEntity.ENTITY_KEY, h)
          .<ServiceState>ask(ServiceEntity.Get::new, timeout).toCompletableFuture());
    }
    Map<String, ServiceState> out = new TreeMap<>();
    asks.forEach((h, f) -> {
      try {
        out.put(h, f.join());
      } catch (RuntimeException e) {
        // Not answering yet.
      }
    });
    return out;
  }
}
