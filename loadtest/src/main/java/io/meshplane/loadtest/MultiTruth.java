package io.meshplane.loadtest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.HdrHistogram.Histogram;

/**
 * The ground truth of the multicluster benchmark, and the arrival of its changes at the proxies.
 *
 * <p>Layout: {@code clusters} member clusters {@code member-0..}, even ones on network
 * {@value #NET_A}, odd ones on {@value #NET_B}, each network with one east-west gateway
 * ({@link #gateway}); service {@code svc-s} exists in {@code replicas} clusters ({@code s},
 * {@code s+1}, ... modulo the cluster count), same name and namespace everywhere (namespace
 * sameness makes it one service), each with 3 ready endpoints of 8 possible addresses per cluster.
 *
 * <p>What a sidecar on network N must hold for a service: the endpoints of the service's clusters
 * on N, and the gateway of each other network where the service has endpoints (split-horizon EDS;
 * weights are not compared). A write to one cluster changes the view of that cluster's network
 * only; it is a change whose subscribers are the proxies of that network subscribed to the service.
 * As in {@link Changes}, a proxy that receives a newer state of its view than a change is credited
 * with the change (conflation), and each change's latency is from the write to each subscriber.
 *
 * <p>Thread-safe: writes are serialized per service and computed under this object's lock;
 * deliveries arrive on gRPC threads and are serialized per view.
 */
final class MultiTruth implements SimProxy.Listener {

  static final String NET_A = "net-a";
  static final String NET_B = "net-b";
  static final int GATEWAY_PORT = 15443;
  private static final int KEPT_PER_VIEW = 16;
  private static final int ADDRESSES = 8;
  private static final int PER_CLUSTER = 3;

  /** One change of one network's view of a service. */
  static final class Change {
    final String view;
    final Set<String> addresses;
    final long writtenAt;
    final int subscribers;
    /** The ids of the proxies subscribed to the view when it was written. */
    final Set<String> expected;
    final Set<String> reached = ConcurrentHashMap.newKeySet();
    volatile long completedAt;

    Change(String view, Set<String> addresses, long writtenAt, Set<String> expected) {
      this.view = view;
      this.addresses = addresses;
      this.writtenAt = writtenAt;
      this.expected = Set.copyOf(expected);
      this.subscribers = this.expected.size();
    }

    /** The subscribers this change has not reached (yet). */
    Set<String> missing() {
      Set<String> out = new TreeSet<>(expected);
      out.removeAll(reached);
      return out;
    }
  }

  final int clusters;
  final int services;
  final int replicas;
  private final Random random = new Random(17);
  /** service -> cluster -> its endpoints there as last written. */
  private final Map<Integer, Map<Integer, Set<String>>> written = new HashMap<>();
  /** view (network|cluster name) -> recent changes, newest first; each deque guards itself. */
  private final Map<String, Deque<Change>> recent = new ConcurrentHashMap<>();
  private final Map<String, Integer> serviceOfCluster = new HashMap<>();
  private final Map<String, String> networkOfProxy = new ConcurrentHashMap<>();
  /** view -> the ids of the proxies subscribed to it. */
  private volatile Map<String, Set<String>> subscribers = Map.of();
  private final Histogram latency = new Histogram(3);
  /** Proxy id -> its group ({@link #track(String, List, String)}); latencies per group, guarded by {@link #latency}. */
  private final Map<String, String> groupOfProxy = new ConcurrentHashMap<>();
  private final Map<String, Histogram> groupLatency = new HashMap<>();
  /**
   * After a {@link #reset()}, changes written before {@link #measuredFrom} (System.nanoTime) are
   * not measured; both guarded by {@link #latency}.
   */
  private boolean wasReset;
  private long measuredFrom;
  private final List<Change> log = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<Integer, Object> serviceLocks = new ConcurrentHashMap<>();

  MultiTruth(int clusters, int services, int replicas) {
    if (clusters < 1 || services < 1 || replicas < 1 || replicas > clusters) {
      throw new IllegalArgumentException("need clusters, services >= 1 and 1 <= replicas <= clusters, were "
          + clusters + ", " + services + ", " + replicas);
    }
    this.clusters = clusters;
    this.services = services;
    this.replicas = replicas;
    for (int s = 0; s < services; s++) {
      serviceOfCluster.put(Fleet.cluster(s), s);
    }
  }

  static String clusterId(int cluster) {
    return "member-" + cluster;
  }

  static String network(int cluster) {
    return cluster % 2 == 0 ? NET_A : NET_B;
  }

  /** The gateway address of a network (port {@value #GATEWAY_PORT}). */
  static String gateway(String network) {
    return network.equals(NET_A) ? "192.0.2.1" : "192.0.2.2";
  }

  /** The networks in use: one with a single cluster, else both. */
  List<String> networks() {
    return clusters == 1 ? List.of(NET_A) : List.of(NET_A, NET_B);
  }

  /** The clusters that have service {@code s}. */
  List<Integer> homes(int s) {
    List<Integer> out = new ArrayList<>();
    for (int k = 0; k < replicas; k++) {
      out.add((s + k) % clusters);
    }
    return out;
  }

  /** Service count per cluster, for the check that the control plane took them all in. */
  Map<Integer, Integer> servicesPerCluster() {
    Map<Integer, Integer> out = new HashMap<>();
    for (int s = 0; s < services; s++) {
      homes(s).forEach(c -> out.merge(c, 1, Integer::sum));
    }
    return out;
  }

  /** The address of endpoint slot {@code r} (0-7) of service {@code s} in cluster {@code c}. */
  static String address(int s, int c, int r) {
    int v = s * ADDRESSES + r;
    return "10." + (100 + c) + "." + (v / 256) + "." + (v % 256);
  }

  /** Records the proxies of a network, and which views they subscribe to. */
  void track(String network, List<SimProxy> proxies) {
    Map<String, Set<String>> ids = new HashMap<>();
    subscribers.forEach((view, set) -> ids.put(view, new java.util.HashSet<>(set)));
    for (SimProxy p : proxies) {
      networkOfProxy.put(p.id, network);
      p.clusters.forEach(c -> ids.computeIfAbsent(network + "|" + c, v -> new java.util.HashSet<>()).add(p.id));
    }
    Map<String, Set<String>> next = new HashMap<>();
    ids.forEach((view, set) -> next.put(view, Set.copyOf(set)));
    subscribers = Map.copyOf(next);
  }

  /**
   * {@link #track(String, List)}, also recording these proxies' latencies apart under {@code group}
   * (for example the region whose stable address they use): {@link #latency(String)}.
   */
  void track(String network, List<SimProxy> proxies, String group) {
    track(network, proxies);
    proxies.forEach(p -> groupOfProxy.put(p.id, group));
  }

  /** What a proxy on {@code network} must hold for service {@code s}. */
  synchronized Set<String> truth(String network, int s) {
    return view(network, s, written.getOrDefault(s, Map.of()));
  }

  private Set<String> view(String network, int s, Map<Integer, Set<String>> byCluster) {
    Set<String> out = new TreeSet<>();
    byCluster.forEach((c, addresses) -> {
      if (network(c).equals(network)) {
        out.addAll(addresses);
      } else if (!addresses.isEmpty()) {
        out.add(gateway(network(c)));
      }
    });
    return out;
  }

  /**
   * The first service {@code p} does not hold the truth of, as "cluster: holds [..], truth [..]";
   * empty when it has converged. For the report of a run that does not converge.
   */
  java.util.Optional<String> mismatch(SimProxy p) {
    String network = networkOfProxy.get(p.id);
    for (String c : p.clusters) {
      Set<String> truth = truth(network, serviceOfCluster.get(c));
      if (!p.endpoints(c).equals(truth)) {
        return java.util.Optional.of(p.id + " (" + network + ") " + c + ": holds " + p.endpoints(c) + ", truth "
            + truth);
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * For the first {@code limit} changes since the last {@link #reset()} that some subscriber never
   * reached: the view, when it was written, how many later changes of the view there were, and
   * for each subscriber missed what it holds now and whether that is the truth.
   */
  List<String> incomplete(Map<String, SimProxy> proxiesById, int limit) {
    List<Change> changes = log().stream().filter(c -> c.subscribers > 0 && c.completedAt == 0).toList();
    List<String> out = new ArrayList<>();
    for (Change c : changes.subList(0, Math.min(limit, changes.size()))) {
      Deque<Change> kept = recent.get(c.view);
      int newer = 0;
      if (kept != null) {
        synchronized (kept) {
          for (Change k : kept) {
            if (k == c) {
              break;
            }
            newer++;
          }
        }
      }
      StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT,
          "change of %s to %s, written %.1f s after the churn started, %d newer changes of the view kept;"
              + " %d of %d subscribers missed it:", c.view, c.addresses, (c.writtenAt - measuredFrom) / 1e9, newer,
          c.missing().size(), c.subscribers));
      String cluster = c.view.substring(c.view.indexOf('|') + 1);
      for (String id : c.missing()) {
        SimProxy p = proxiesById.get(id);
        Set<String> holds = p == null ? null : p.endpoints(cluster);
        b.append(' ').append(id).append(p == null ? " (not running)" : " holds " + holds
            + (holds.equals(truth(networkOfProxy.get(id), serviceOfCluster.get(cluster))) ? " (the truth)" : ""));
      }
      out.add(b.toString());
    }
    if (changes.size() > limit) {
      out.add((changes.size() - limit) + " more changes missed a subscriber");
    }
    return out;
  }

  /** The services (by index) of which {@code p} does not hold the truth. */
  List<Integer> offServices(SimProxy p) {
    String network = networkOfProxy.get(p.id);
    List<Integer> out = new ArrayList<>();
    for (String c : p.clusters) {
      int s = serviceOfCluster.get(c);
      if (!p.endpoints(c).equals(truth(network, s))) {
        out.add(s);
      }
    }
    return out;
  }

  /** Whether {@code p}, on {@code network}, holds the truth of every service it subscribes to. */
  boolean converged(SimProxy p) {
    String network = networkOfProxy.get(p.id);
    for (String c : p.clusters) {
      if (!p.endpoints(c).equals(truth(network, serviceOfCluster.get(c)))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Gives service {@code s} in cluster {@code c} a new set of 3 endpoints, one that makes its
   * network's view differ from each of its recent ones, and writes it with {@code writer}
   * (cluster, addresses). Writes of one service are serialized up to the API server's answer, so
   * that they are applied in the order of the ground truth.
   */
  Change write(int s, int c, BiConsumer<Integer, List<String>> writer) {
    synchronized (serviceLocks.computeIfAbsent(s, k -> new Object())) {
      Change change;
      List<Change> others = new ArrayList<>();
      synchronized (this) {
        String network = network(c);
        String view = network + "|" + Fleet.cluster(s);
        Deque<Change> kept = recent.computeIfAbsent(view, v -> new ArrayDeque<>());
        Set<Set<String>> used = new java.util.HashSet<>();
        synchronized (kept) {
          kept.forEach(k -> used.add(k.addresses));
        }
        Map<Integer, Set<String>> before = written.getOrDefault(s, Map.of());
        Map<Integer, Set<String>> byCluster = new HashMap<>(before);
        Set<String> truth;
        do {
          Set<String> next = new TreeSet<>();
          while (next.size() < PER_CLUSTER) {
            next.add(address(s, c, random.nextInt(ADDRESSES)));
          }
          byCluster.put(c, Set.copyOf(next));
          truth = view(network, s, byCluster);
        } while (used.contains(truth));
        written.put(s, byCluster);
        long now = System.nanoTime();
        change = keep(new Change(view, Set.copyOf(truth), now, subscribers.getOrDefault(view, Set.of())));
        // The other networks' views change too when this cluster's endpoints first appear (or
        // all go): their gateway to this network comes or goes. Kept, so that the next change of
        // such a view differs from what its proxies hold (a write equal to it pushes nothing).
        for (String other : networks()) {
          Set<String> was = view(other, s, before);
          Set<String> is = view(other, s, byCluster);
          if (!other.equals(network) && !was.equals(is)) {
            String otherView = other + "|" + Fleet.cluster(s);
            others.add(keep(new Change(otherView, Set.copyOf(is), now, subscribers.getOrDefault(otherView, Set.of()))));
          }
        }
      }
      writer.accept(c, new ArrayList<>(byClusterOf(s, c)));
      log.add(change);
      log.addAll(others);
      return change;
    }
  }

  /** Adds {@code change} to its view's recent changes, newest first. */
  private Change keep(Change change) {
    Deque<Change> kept = recent.computeIfAbsent(change.view, v -> new ArrayDeque<>());
    synchronized (kept) {
      kept.addFirst(change);
      if (kept.size() > KEPT_PER_VIEW) {
        kept.removeLast();
      }
    }
    return change;
  }

  private synchronized Set<String> byClusterOf(int s, int c) {
    return written.get(s).get(c);
  }

  /** Changes written since the last {@link #reset()}. */
  List<Change> log() {
    return List.copyOf(log);
  }

  /**
   * Forgets the changes and latencies so far (those of the initial writes). Older changes stay
   * kept, so that new ones still differ from them, but a proxy credited with one later (it never
   * held that state: the view changed again before it was pushed) adds no latency.
   */
  void reset() {
    synchronized (latency) {
      latency.reset();
      groupLatency.values().forEach(Histogram::reset);
      measuredFrom = System.nanoTime();
      wasReset = true;
    }
    log.clear();
  }

  /** Convergence latencies since the last {@link #reset()}, in microseconds. */
  Histogram latency() {
    synchronized (latency) {
      return latency.copy();
    }
  }

  /** The convergence latencies of one group's proxies since the last {@link #reset()}, in microseconds. */
  Histogram latency(String group) {
    synchronized (latency) {
      Histogram h = groupLatency.get(group);
      return h == null ? new Histogram(3) : h.copy();
    }
  }

  @Override
  public void endpoints(SimProxy proxy, String cluster, Set<String> addresses) {
    String network = networkOfProxy.get(proxy.id);
    Deque<Change> kept = network == null ? null : recent.get(network + "|" + cluster);
    if (kept == null) {
      return;
    }
    long now = System.nanoTime();
    synchronized (kept) {
      boolean holds = false;
      for (Change c : kept) {
        holds = holds || c.addresses.equals(addresses);
        if (holds && c.reached.add(proxy.id)) {
          synchronized (latency) {
            if (!wasReset || c.writtenAt - measuredFrom >= 0) {
              long micros = Math.max(0, (now - c.writtenAt) / 1_000);
              latency.recordValue(micros);
              String group = groupOfProxy.get(proxy.id);
              if (group != null) {
                groupLatency.computeIfAbsent(group, g -> new Histogram(3)).recordValue(micros);
              }
            }
          }
          if (c.reached.containsAll(c.expected)) {
            c.completedAt = now;
          }
        }
      }
    }
  }
}
