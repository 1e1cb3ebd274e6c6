package io.meshplane.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Recorder;

/**
 * Endpoint changes written to the API server and their arrival at the proxies: for each change,
 * the time from the write to each subscribed proxy holding it (an HdrHistogram of convergence
 * latency) and the time the last subscriber got it.
 */
final class Changes implements SimProxy.Listener {

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

  private final io.meshplane.testing.MockCluster kube;
  private final Fleet fleet;
  private final Random random = new Random(7);
  private final Map<String, Change> latest = new ConcurrentHashMap<>();
  private final Map<String, Integer> subscribers = new ConcurrentHashMap<>();
  /** Write-to-proxy latency in microseconds. */
  final Recorder latency = new Recorder(3);

  Changes(io.meshplane.testing.MockCluster kube, Fleet fleet) {
    this.kube = kube;
    this.fleet = fleet;
    for (SimProxy p : fleet.proxies) {
      p.clusters.forEach(c -> subscribers.merge(c, 1, Integer::sum));
    }
  }

  /** Creates the service and its first endpoints. */
  void create(int service) {
    kube.service(Fleet.NAMESPACE, "svc-" + service, Fleet.PORT, 8080);
    write(service);
  }

  /** Gives the service a new set of three endpoints, different from its current one. */
  Change write(int service) {
    Change change;
    synchronized (this) {
      String cluster = Fleet.cluster(service);
      Set<String> current = fleet.truth(cluster);
      Set<String> next;
      do {
        next = new TreeSet<>();
        while (next.size() < 3) {
          next.add("10." + (1 + service / 250) + "." + (service % 250) + "." + (1 + random.nextInt(8)));
        }
      } while (next.equals(current));
      change = new Change(service, Set.copyOf(next), System.nanoTime(), subscribers.getOrDefault(cluster, 0));
      fleet.truth(service, next);
      latest.put(cluster, change);
    }
    kube.endpoints(Fleet.NAMESPACE, "svc-" + service, 8080, new ArrayList<>(change.addresses));
    return change;
  }

  /** One change to each of the first {@code services} services, written by 4 writers in parallel. */
  List<Change> writeAll(int services) {
    java.util.concurrent.ForkJoinPool writers = new java.util.concurrent.ForkJoinPool(4);
    try {
      return writers.submit(() -> java.util.stream.IntStream.range(0, services).parallel().mapToObj(this::write)
          .toList()).join();
    } finally {
      writers.shutdown();
    }
  }

  @Override
  public void endpoints(SimProxy proxy, String cluster, Set<String> addresses) {
    Change c = latest.get(cluster);
    if (c == null || !c.addresses.equals(addresses)) {
      return;
    }
    long now = System.nanoTime();
    if (c.reached.add(proxy.id)) {
      latency.recordValue(Math.max(0, (now - c.writtenAt) / 1_000));
      if (c.reached.size() >= c.subscribers) {
        c.completedAt = now;
      }
    }
  }
}
