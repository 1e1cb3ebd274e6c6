package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the watch events a member cluster's informers never received, and has the caches rebuilt.
 * Every {@link ResyncSettings#interval()} it lists each watched resource from the API server and
 * compares every object's resourceVersion with the informer cache's; a difference that is still
 * there {@link ResyncSettings#confirmAfter()} later, with the server's object unchanged meanwhile,
 * is a lost event (an event merely in flight has arrived by then). A Kubernetes API server keeps a
 * watch's events in order, but a connection or a proxy can lose them without closing the watch,
 * and then nothing else would ever correct the cache.
 *
 * <p>Runs on its own thread, so that a listing never delays the registry's executor; the caches
 * are read through fabric8's thread-safe stores. The rebuild it asks for runs on this thread too.
 */
final class InformerResync implements AutoCloseable {

  /** Rebuilds the caches after a confirmed loss; returns whether the new caches are in use. */
  interface Rebuild {
    boolean rebuild(Map<String, Map<String, String>> lost);
  }

  private static final Logger log = LoggerFactory.getLogger(InformerResync.class);
  private static final int KEYS_LOGGED = 5;

  private final String clusterId;
  private final ResyncSettings settings;
  private final Map<String, Supplier<? extends Collection<? extends HasMetadata>>> servers;
  private final Function<String, Collection<? extends HasMetadata>> caches;
  private final Rebuild rebuild;
  private final ResyncMetrics metrics;
  private final ScheduledExecutorService thread;

  /**
   * @param servers each watched resource's listing from the API server, by resource name
   * @param caches the objects of a resource in the informer cache now
   */
  InformerResync(String clusterId, ResyncSettings settings,
      Map<String, Supplier<? extends Collection<? extends HasMetadata>>> servers,
      Function<String, Collection<? extends HasMetadata>> caches, Rebuild rebuild, ResyncMetrics metrics) {
    this.clusterId = clusterId;
    this.settings = settings;
    this.servers = new LinkedHashMap<>(servers);
    this.caches = caches;
    this.rebuild = rebuild;
    this.metrics = metrics;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meshplane-kube-resync-" + clusterId);
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts comparing, the first time one interval from now. */
  void start() {
    long every = settings.interval().toMillis();
    thread.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }

  private void check() {
    try {
      Map<String, Map<String, String>> first = compare();
      metrics.compared(clusterId);
      if (first.isEmpty()) {
        return;
      }
      log.debug("cluster {}: caches differ from the API server for {}; checking again in {}", clusterId,
          first, settings.confirmAfter());
      thread.schedule(() -> confirm(first), settings.confirmAfter().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closed meanwhile.
    } catch (RuntimeException e) {
      // The API server unreachable: Connectivity reports that; the next interval tries again.
      log.debug("cluster {}: resync skipped ({})", clusterId, e.toString());
    }
  }

  private void confirm(Map<String, Map<String, String>> first) {
    try {
      Map<String, Map<String, String>> second = compare();
      Map<String, Map<String, String>> lost = new TreeMap<>();
      first.forEach((resource, keys) -> {
        Map<String, String> still = confirmed(keys, second.getOrDefault(resource, Map.of()));
        if (!still.isEmpty()) {
          lost.put(resource, still);
        }
      });
      if (lost.isEmpty()) {
        return;
      }
      lost.forEach((resource, keys) -> log.warn("cluster {}: the {} cache missed the API server's changes of {} "
              + "objects for {} (for example {}: server's resourceVersion, empty if deleted); watch events were lost,"
              + " rebuilding the caches from a new listing", clusterId, resource, keys.size(), settings.confirmAfter(),
          new TreeMap<>(keys).entrySet().stream().limit(KEYS_LOGGED).toList()));
      if (rebuild.rebuild(lost)) {
        lost.forEach((resource, keys) -> metrics.repaired(clusterId, resource, keys.size()));
      }
    } catch (RuntimeException e) {
      log.debug("cluster {}: resync confirmation skipped ({})", clusterId, e.toString());
    }
  }

  /** Each resource's differing objects: key to the server's resourceVersion ("" if absent). */
  private Map<String, Map<String, String>> compare() {
    Map<String, Map<String, String>> out = new TreeMap<>();
    servers.forEach((resource, server) -> {
      // The server first: an event that arrives between the two reads shows as a difference that
      // the confirmation clears, never as agreement on a stale object.
      Collection<? extends HasMetadata> listed = server.get();
      Map<String, String> d = differences(listed, caches.apply(resource));
      if (!d.isEmpty()) {
        out.put(resource, d);
      }
    });
    return out;
  }

  /**
   * The objects whose resourceVersion differs between the server's listing and the cache, by
   * key ({@code namespace/name}, or name), with the server's resourceVersion, "" for an object the
   * server no longer has.
   */
  static Map<String, String> differences(Collection<? extends HasMetadata> listed,
      Collection<? extends HasMetadata> cached) {
    Map<String, String> server = versions(listed);
    Map<String, String> cache = versions(cached);
    Map<String, String> out = new HashMap<>();
    server.forEach((key, version) -> {
      if (!version.equals(cache.get(key))) {
        out.put(key, version);
      }
    });
    cache.keySet().forEach(key -> {
      if (!server.containsKey(key)) {
        out.put(key, "");
      }
    });
    return out;
  }

  /** The differences of {@code first} still there in {@code second}, the server's object unchanged. */
  static Map<String, String> confirmed(Map<String, String> first, Map<String, String> second) {
    Map<String, String> out = new HashMap<>();
    first.forEach((key, version) -> {
      if (Objects.equals(version, second.get(key))) {
        out.put(key, version);
      }
    });
    return out;
  }

  private static Map<String, String> versions(Collection<? extends HasMetadata> objects) {
    Map<String, String> out = new HashMap<>();
    for (HasMetadata o : objects) {
      String version = o.getMetadata().getResourceVersion();
      out.put(Cache.metaNamespaceKeyFunc(o), version == null ? "" : version);
    }
    return out;
  }
}
