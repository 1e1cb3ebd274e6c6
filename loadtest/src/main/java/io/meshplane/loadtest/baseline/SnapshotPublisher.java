package io.meshplane.loadtest.baseline;

import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.meshplane.model.ClusterShare;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns service changes into SimpleCache snapshots, the way Meshplane's PushHub debounces pushes:
 * changed services are collected, and once any one of them has had no further change for the quiet
 * window (each service has its own, as in Meshplane since its per-service debounce; a mesh-wide
 * window never elapses under steady churn, so every change would wait the maximum delay) or the
 * first one waited the maximum delay, the changed services are regenerated and one new snapshot is
 * set per node group (proxy namespace). Nothing is published before the informers' first listing is
 * complete, so no proxy sees a partial mesh.
 *
 * <p>{@link #changed} and {@link #groupSeen} may be called from any thread; everything else runs
 * on the publisher's single thread, which also confines the {@link ServiceCatalog}. SimpleCache
 * answers the open watches inside {@code setSnapshot}, so responses start on this thread too.
 */
final class SnapshotPublisher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final SimpleCache<String> cache;
  private final BiFunction<String, String, ClusterShare> shares;
  private final ServiceCatalog catalog;
  private final long quietNanos;
  private final long maxDelayNanos;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baseline-snapshots");
    t.setDaemon(true);
    return t;
  });
  private final Set<String> pendingServices = ConcurrentHashMap.newKeySet();
  private final Set<String> groups = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final AtomicLong snapshots = new AtomicLong();
  private final CountDownLatch firstPublished = new CountDownLatch(1);
  /** When each pending service last changed. */
  private final Map<String, Long> lastChangeNanos = new ConcurrentHashMap<>();
  /** When the oldest unpublished change came; 0 when none is pending. */
  private final AtomicLong firstPendingNanos = new AtomicLong();
  private volatile int services;

  // Confined to the thread.
  private boolean synced;
  private final Set<String> unpublishedGroups = new HashSet<>();

  /**
   * @param shares the current share of a service from the informer caches, by (namespace, name)
   */
  SnapshotPublisher(SimpleCache<String> cache, String clusterId, BiFunction<String, String, ClusterShare> shares,
      Duration quietWindow, Duration maxDelay) {
    this.cache = cache;
    this.shares = shares;
    this.catalog = new ServiceCatalog(clusterId);
    this.quietNanos = quietWindow.toNanos();
    this.maxDelayNanos = maxDelay.toNanos();
  }

  /** A Service or EndpointSlice of {@code namespace/name} changed. */
  void changed(String serviceKey) {
    long now = System.nanoTime();
    lastChangeNanos.put(serviceKey, now);
    firstPendingNanos.compareAndSet(0, now);
    pendingServices.add(serviceKey);
    scheduleFlush(quietNanos);
  }

  /** A proxy of this namespace asked for something: its group needs a snapshot. */
  void groupSeen(String namespace) {
    if (groups.add(namespace)) {
      thread.execute(() -> {
        unpublishedGroups.add(namespace);
        if (synced) {
          flush();
        }
      });
    }
  }

  /** The informers have listed everything once: publish the whole mesh. */
  void synced(Set<String> allServiceKeys) {
    thread.execute(() -> {
      pendingServices.addAll(allServiceKeys);
      synced = true;
      flush();
      firstPublished.countDown();
    });
  }

  /** Waits until the first snapshot after the initial listing was set. */
  boolean awaitFirstSnapshot(Duration timeout) throws InterruptedException {
    return firstPublished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  long snapshotsSet() {
    return snapshots.get();
  }

  int services() {
    return services;
  }

  private void scheduleFlush(long delayNanos) {
    if (flushScheduled.compareAndSet(false, true)) {
      thread.schedule(this::maybeFlush, delayNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void maybeFlush() {
    flushScheduled.set(false);
    if (!synced || pendingServices.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    long quietLeft = Long.MAX_VALUE;
    for (String key : pendingServices) {
      quietLeft = Math.min(quietLeft, lastChangeNanos.getOrDefault(key, now) + quietNanos - now);
    }
    long maxLeft = firstPendingNanos.get() + maxDelayNanos - now;
    if (quietLeft > 0 && maxLeft > 0) {
      scheduleFlush(Math.min(quietLeft, maxLeft));
      return;
    }
    flush();
  }

  private void flush() {
    firstPendingNanos.set(0);
    Set<String> keys = new LinkedHashSet<>();
    for (var it = pendingServices.iterator(); it.hasNext(); ) {
      String key = it.next();
      keys.add(key);
      it.remove();
      lastChangeNanos.remove(key);
    }
    boolean changed = false;
    for (String key : keys) {
      int slash = key.indexOf('/');
      String namespace = key.substring(0, slash);
      String name = key.substring(slash + 1);
      try {
        changed |= catalog.update(namespace, name, shares.apply(namespace, name));
      } catch (RuntimeException e) {
        log.error("service {}: cannot generate its resources; keeping the previous ones", key, e);
      }
    }
    services = catalog.size();
    Set<String> targets = changed ? Set.copyOf(groups) : Set.copyOf(unpublishedGroups);
    for (String group : targets) {
      BaselineSnapshot snapshot = catalog.snapshotFor(group);
      try {
        snapshot.ensureConsistent();
      } catch (SnapshotConsistencyException e) {
        log.error("group {}: inconsistent snapshot not published: {}", group, e.getMessage());
        continue;
      }
      cache.setSnapshot(group, snapshot);
      snapshots.incrementAndGet();
      unpublishedGroups.remove(group);
    }
    log.debug("{} services changed, {} of them in resources; {} snapshots set", keys.size(), changed ? "some" : "none",
        targets.size());
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
