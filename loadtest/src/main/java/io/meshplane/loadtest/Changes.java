package io.meshplane.loadtest;

import io.meshplane.testing.MockCluster;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Endpoint changes written to the API server, the ground truth they make (each service's endpoints
 * as last written), and their arrival at the proxies: for each change, the time from the write to
 * each subscribed proxy holding it or a newer state of the service (an HdrHistogram of
 * convergence latency, in microseconds) and when the last subscriber got it.
 *
 * <p>Thread-safe: writes are serialized on this object; deliveries arrive on gRPC threads and are
 * serialized per service.
 */
final class Changes implements SimProxy.Listener {

  /** Recent changes kept per service: a proxy that skips some (conflation) is credited with them. */
  private static final int KEPT_PER_SERVICE = 16;

  /** One write of a service's endpoints. */
  static final class Change {
    final int service;
    final String cluster;
    final Set<String> addresses;
    final long writtenAt;
    final int subscribers;
    final Set<String> reached = ConcurrentHashMap.newKeySet();
    volatile long completedAt;

    Change(int service, Set<String> addresses, long writtenAt, int subscribers) {
      this.service = service;
      this.cluster = Fleet.cluster(service);
      this.addresses = addresses;
      this.writtenAt = writtenAt;
      this.subscribers = subscribers;
    }
  }

  private final MockCluster kube;
  private final Random random = new Random(7);
  /** cluster name -> endpoints last written: what every subscriber must converge to. */
  private final Map<String, Set<String>> truth = new ConcurrentHashMap<>();
  /** cluster name -> its recent changes, newest first; each deque guards itself. */
  private final Map<String, Deque<Change>> recent = new ConcurrentHashMap<>();
  private volatile Map<String, Integer> subscribers = Map.of();
  private final Recorder interval = new Recorder(3);
  private final Histogram total = new Histogram(3);
  private final AtomicLong writes = new AtomicLong();
  private final Map<Integer, Object> serviceLocks = new ConcurrentHashMap<>();
  /** Changes written since the last {@link #resetLatency()}. */
  private final List<Change> log = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int created;

  Changes(MockCluster kube) {
    this.kube = kube;
  }

  /** Measures deliveries to this fleet's proxies from now on, and gives it the ground truth. */
  void track(Fleet fleet) {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    for (SimProxy p : fleet.proxies) {
      p.clusters.forEach(c -> counts.merge(c, 1, Integer::sum));
    }
    subscribers = counts;
    fleet.observe(this);
  }

  /** The endpoints last written to a service's cluster (empty if none). */
  Set<String> truth(String cluster) {
    return truth.getOrDefault(cluster, Set.of());
  }

  /** Creates the service and its first endpoints. */
  void create(int service) {
    kube.service(Fleet.NAMESPACE, "svc-" + service, Fleet.PORT, 8080);
    write(service);
  }

  /** Gives the service a new set of three endpoints, different from its current one. */
  Change write(int service) {
    // Writes of one service are serialized from computing the next set to the API server's answer,
    // so that the server applies them in the order of the ground truth.
    synchronized (serviceLocks.computeIfAbsent(service, s -> new Object())) {
      return writeLocked(service);
    }
  }

  private Change writeLocked(int service) {
    Change change;
    synchronized (this) {
      String cluster = Fleet.cluster(service);
      Deque<Change> kept = recent.computeIfAbsent(cluster, c -> new ArrayDeque<>());
      // Different from every kept set of the service (56 sets of 3 of 8 addresses, 16 kept): a
      // proxy that gets a later change conflated with an earlier one sees the change, and its
      // delivery is attributed to the right write.
      Set<Set<String>> used = new java.util.HashSet<>();
      synchronized (kept) {
        kept.forEach(c -> used.add(c.addresses));
      }
      Set<String> next;
      do {
        next = new TreeSet<>();
        while (next.size() < 3) {
          next.add("10." + (1 + service / 250) + "." + (service % 250) + "." + (1 + random.nextInt(8)));
        }
      } while (used.contains(next));
      change = new Change(service, Set.copyOf(next), System.nanoTime(), subscribers.getOrDefault(cluster, 0));
      truth.put(cluster, change.addresses);
      synchronized (kept) {
        kept.addFirst(change);
        if (kept.size() > KEPT_PER_SERVICE) {
          kept.removeLast();
        }
      }
    }
    kube.endpoints(Fleet.NAMESPACE, "svc-" + service, 8080, new ArrayList<>(change.addresses));
    writes.incrementAndGet();
    log.add(change);
    return change;
  }

  /** Creates services {@code from} (inclusive) to {@code to} (exclusive), by 4 writers in parallel. */
  void createAll(int from, int to) {
    ForkJoinPool writers = new ForkJoinPool(4);
    try {
      writers.submit(() -> IntStream.range(from, to).parallel().forEach(this::create)).join();
    } finally {
      writers.shutdown();
    }
  }

  /** Creates services up to {@code count} (svc-0 ..) that do not exist yet. */
  void ensureCreated(int count) {
    // Not on this object's monitor: the parallel writers need it.
    synchronized (log) {
      if (count > created) {
        createAll(created, count);
        created = count;
      }
    }
  }

  /** Changes written since the last {@link #resetLatency()}. */
  List<Change> log() {
    return List.copyOf(log);
  }

  /** One change to each of the first {@code services} services, written by 4 writers in parallel. */
  List<Change> writeAll(int services) {
    ForkJoinPool writers = new ForkJoinPool(4);
    try {
      return writers.submit(() -> IntStream.range(0, services).parallel().mapToObj(this::write).toList()).join();
    } finally {
      writers.shutdown();
    }
  }

  /** Writes done so far (each a completed call to the API server). */
  long writes() {
    return writes.get();
  }

  /** Forgets the latencies recorded so far (for example those of the initial sync). */
  synchronized void resetLatency() {
    interval.reset();
    total.reset();
    log.clear();
  }

  /** Services created so far. */
  int created() {
    synchronized (log) {
      return created;
    }
  }

  /** Latencies recorded since the previous call, which are also added to {@link #total()}. */
  synchronized Histogram interval() {
    Histogram h = interval.getIntervalHistogram();
    total.add(h);
    return h;
  }

  /** Every latency recorded since the start (or {@link #resetLatency()}), in microseconds. */
  synchronized Histogram total() {
    interval();
    return total.copy();
  }

  @Override
  public void endpoints(SimProxy proxy, String cluster, Set<String> addresses) {
    Deque<Change> kept = recent.get(cluster);
    if (kept == null) {
      return;
    }
    long now = System.nanoTime();
    synchronized (kept) {
      boolean holds = false;
      for (Change c : kept) {
        // Newest first: the newest change with these addresses is the one received; older ones the
        // proxy had not received yet were conflated into it, and count as received now.
        holds = holds || c.addresses.equals(addresses);
        if (holds && c.reached.add(proxy.id)) {
          interval.recordValue(Math.max(0, (now - c.writtenAt) / 1_000));
          if (c.reached.size() >= c.subscribers) {
            c.completedAt = now;
          }
        }
      }
    }
  }
}
