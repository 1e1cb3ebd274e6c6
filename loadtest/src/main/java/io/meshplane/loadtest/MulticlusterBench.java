package io.meshplane.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;

/**
 * {@code ./meshplane bench multicluster}: memory and push cost of a multicluster, two-network mesh
 * (issue 4). {@code --clusters} member clusters joined by remote secrets ({@link MultiMesh}),
 * {@code --services} services each in {@code --replicas} clusters ({@link MultiTruth}), a fleet of
 * simulated sidecars, half on each network, each subscribed to {@code --per-proxy} services. Phases:
 * the nodes' heap with the clusters joined and no service, with the services taken in, and with
 * the fleet converged (heap per service, heap per proxy); then churn at {@code --rate} changes per
 * second for {@code --duration} seconds, each a new set of endpoints of one service in one cluster
 * (pushes and push bytes per change, convergence percentiles); at the end, every proxy must hold
 * the ground truth and every change must have reached each of its subscribers.
 */
final class MulticlusterBench {

  private static final Duration SETTLE = Duration.ofSeconds(5);
  static final String RESYNCS = "meshplane_kube_resyncs_total";
  static final String LATE_WRITES = "meshplane_late_writes_ignored_total";
  static final String REPAIRS = "meshplane_kube_resync_repairs_total";
  static final String REPAIRED_OBJECTS = "meshplane_kube_resync_repaired_objects_total";
  /** Services off the truth at the end whose API-server and control-plane state the report shows. */
  private static final int DIAGNOSED = 5;
  /**
   * How long a write is retried (each attempt waits up to the client's 10 s request timeout). One
   * stall of the mock lasts about 30 s, but stalls come back to back when several watches move (a
   * 2-node-per-region regions run saw more than 60 s).
   */
  private static final java.time.Duration WRITE_DEADLINE = java.time.Duration.ofMinutes(3);

  private MulticlusterBench() {}

  static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("clusters", "20");
    d.put("services", "2000");
    d.put("replicas", "2");
    d.put("proxies", "2000");
    d.put("per-proxy", "5");
    d.put("rate", "20");
    d.put("duration", "60");
    d.put("nodes", "3");
    d.put("streams-per-channel", "10");
    return d;
  }

  static String usage() {
    StringBuilder u = new StringBuilder("usage: ./meshplane bench multicluster");
    defaults().forEach((k, v) -> u.append(" [--").append(k).append(' ').append(v).append(']'));
    return u.toString();
  }

  /** What the run measured. */
  static final class Result {
    long heapEmpty = -1;
    long heapServices = -1;
    long heapSynced = -1;
    double takeInSeconds;
    double syncSeconds;
    long syncPushes;
    long syncPushBytes;
    long churnWrites;
    long churnPushes;
    long churnPushBytes;
    long churnClientBytes;
    double convergeAfterChurnSeconds = Double.NaN;
    Histogram latency = new Histogram(3);
    long convergedProxies;
    long incompleteChanges;
    /** Member watches whose start or connectivity time changed while the services were created; -1: unknown. */
    int watchesRestartedDuringTakeIn = -1;
    /** Writes the nodes ignored as late (write fences), over the whole run; -1: unknown. */
    long lateWrites = -1;
    long resyncs = -1;
    long repairs = -1;
    long repairedObjects = -1;
    List<String> diagnosis = new ArrayList<>();
    int proxies;
    String failure;
  }

  static LoadBench.Outcome run(List<String> args, Path base) throws Exception {
    Options o = Options.parse(args, defaults());
    int clusters = o.positiveInt("clusters");
    int services = o.positiveInt("services");
    int replicas = o.positiveInt("replicas");
    int proxies = o.positiveInt("proxies");
    int perProxy = o.positiveInt("per-proxy");
    double rate = o.positiveDouble("rate");
    int duration = o.positiveInt("duration");
    int nodes = o.positiveInt("nodes");
    int streams = o.positiveInt("streams-per-channel");
    if (replicas > clusters) {
      throw new Options.Bad("--replicas " + replicas + " must be at most --clusters " + clusters);
    }
    Path out = base.resolve("multicluster-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern(
        "yyyyMMdd-HHmmss"))).toAbsolutePath();
    Files.createDirectories(out);
    System.setProperty("java.awt.headless", "true");
    MultiTruth truth = new MultiTruth(clusters, services, replicas);
    Result r = new Result();
    r.proxies = proxies;
    try (MultiMesh mesh = new MultiMesh(out, nodes, truth); HeapProbe heap = new HeapProbe()) {
      phases(mesh, truth, r, proxies, perProxy, streams, rate, duration, heap);
    }
    LoadReport report = new LoadReport(out);
    report(report, out, String.join(" ", args), truth, r, proxies, perProxy, rate, duration, nodes);
    Path md = report.write();
    System.out.println(report.text());
    System.out.println("report: " + md);
    return new LoadBench.Outcome(out, proxies, r.convergedProxies, r.incompleteChanges, r.failure == null,
        Optional.empty());
  }

  private static void phases(MultiMesh mesh, MultiTruth truth, Result r, int proxies, int perProxy, int streams,
      double rate, int duration, HeapProbe heap) {
    int timeout = 120 + proxies / 20 + truth.services / 20;
    List<Fleet> fleets = new ArrayList<>();
    try {
      Waits.await("every node Up in the Pekko cluster", timeout, () -> mesh.upMembers(0) == mesh.size());
      // The members joined, no service yet.
      Map<String, Integer> members = new LinkedHashMap<>();
      IntStream.range(0, truth.clusters).forEach(c -> members.put(MultiTruth.clusterId(c), 0));
      Waits.await("every member cluster synced", timeout, () -> synced(mesh, members));
      // The nodes start one after the other, so watches still move between nodes while the
      // services are created: their writes are fenced (docs/benchmarks.md, issue 4's lost endpoints).
      LockSupport.parkNanos(SETTLE.toNanos());
      r.heapEmpty = heapAfterGc(mesh, heap);

      Map<String, String> watchesBefore = mesh.watchSince(0);
      long t0 = System.nanoTime();
      createAll(mesh, truth);
      Map<String, Integer> expected = new LinkedHashMap<>();
      truth.servicesPerCluster().forEach((c, n) -> expected.put(MultiTruth.clusterId(c), n));
      Waits.await("every member's services taken in", timeout, () -> synced(mesh, expected));
      r.takeInSeconds = Waits.secondsSince(t0);
      Map<String, String> watchesAfter = mesh.watchSince(0);
      r.watchesRestartedDuringTakeIn = watchesBefore.isEmpty() || watchesAfter.isEmpty() ? -1
          : (int) watchesAfter.entrySet().stream().filter(e -> !e.getValue().equals(watchesBefore.get(e.getKey())))
              .count();
      LockSupport.parkNanos(SETTLE.toNanos());
      r.heapServices = heapAfterGc(mesh, heap);

      List<String> networks = truth.networks();
      int first = 0;
      for (int n = 0; n < networks.size(); n++) {
        int count = proxies / networks.size() + (n < proxies % networks.size() ? 1 : 0);
        if (count == 0) {
          continue;
        }
        Map<String, String> metadata = Map.of("NAMESPACE", Fleet.NAMESPACE, "CLUSTER_ID", MultiTruth.clusterId(n),
            "NETWORK", networks.get(n), "PROXY_KIND", "sidecar");
        Fleet fleet = new Fleet(new Fleet.Settings(count, truth.services, perProxy, streams, metadata),
            mesh.xdsPort(), first);
        first += count;
        truth.track(networks.get(n), fleet.proxies);
        fleet.listen(truth);
        fleets.add(fleet);
      }
      List<SimProxy> all = fleets.stream().flatMap(f -> f.proxies.stream()).toList();
      long pushes0 = metric(mesh, ResourceSampler.PUSHES);
      long bytes0 = metric(mesh, ResourceSampler.PUSH_BYTES);
      t0 = System.nanoTime();
      all.forEach(SimProxy::start);
      r.syncSeconds = Waits.await("initial sync of " + proxies + " proxies", timeout,
          () -> all.stream().allMatch(truth::converged), null, null, t0, 200);
      r.syncPushes = metric(mesh, ResourceSampler.PUSHES) - pushes0;
      r.syncPushBytes = metric(mesh, ResourceSampler.PUSH_BYTES) - bytes0;
      r.heapSynced = heapAfterGc(mesh, heap);

      truth.reset();
      long clientBytes0 = all.stream().mapToLong(SimProxy::bytesReceived).sum();
      pushes0 = metric(mesh, ResourceSampler.PUSHES);
      bytes0 = metric(mesh, ResourceSampler.PUSH_BYTES);
      churn(mesh, truth, rate, duration);
      r.churnWrites = truth.log().size();
      t0 = System.nanoTime();
      try {
        r.convergeAfterChurnSeconds = Waits.await("every proxy converged after the churn", timeout,
            () -> all.stream().allMatch(truth::converged)
                && truth.log().stream().allMatch(c -> c.subscribers == 0 || c.completedAt != 0),
            null, null, t0, 200);
      } catch (IllegalStateException e) {
        System.err.println(e.getMessage());
      }
      r.churnPushes = metric(mesh, ResourceSampler.PUSHES) - pushes0;
      r.churnPushBytes = metric(mesh, ResourceSampler.PUSH_BYTES) - bytes0;
      r.churnClientBytes = all.stream().mapToLong(SimProxy::bytesReceived).sum() - clientBytes0;
      r.latency = truth.latency();
    } catch (IllegalStateException e) {
      r.failure = e.getMessage();
      System.err.println("bench multicluster: " + e.getMessage());
      List<SimProxy> all = fleets.stream().flatMap(f -> f.proxies.stream()).toList();
      List<String> off = all.stream().map(truth::mismatch).flatMap(java.util.Optional::stream).toList();
      if (!all.isEmpty()) {
        r.failure += "; " + (all.size() - off.size()) + " of " + all.size() + " proxies on the ground truth"
            + (off.isEmpty() ? "" : ", for example " + String.join("; ", off.subList(0, Math.min(3, off.size()))));
        System.err.println("bench multicluster: " + r.failure);
      }
    } finally {
      List<SimProxy> all = fleets.stream().flatMap(f -> f.proxies.stream()).toList();
      r.convergedProxies = all.stream().filter(truth::converged).count();
      r.incompleteChanges = truth.log().stream().filter(c -> c.subscribers > 0 && c.completedAt == 0).count();
      r.resyncs = metric(mesh, RESYNCS);
      r.lateWrites = metric(mesh, LATE_WRITES);
      // A counter with labels has no sample before its first repair.
      r.repairs = r.resyncs < 0 ? -1 : Math.max(0, metric(mesh, REPAIRS));
      r.repairedObjects = r.resyncs < 0 ? -1 : Math.max(0, metric(mesh, REPAIRED_OBJECTS));
      try {
        r.diagnosis = diagnose(mesh, truth, all);
      } catch (RuntimeException e) {
        r.diagnosis = List.of("diagnosis failed: " + e);
      }
      r.diagnosis.forEach(line -> System.err.println("bench multicluster: " + line));
      fleets.forEach(Fleet::close);
    }
  }

  /**
   * For the first few services some proxy does not hold the truth of: what each of its clusters'
   * API server holds, and what each node serves, so that a report tells where endpoints were lost.
   */
  private static List<String> diagnose(MultiMesh mesh, MultiTruth truth, List<SimProxy> all) {
    java.util.TreeMap<Integer, Long> off = new java.util.TreeMap<>();
    all.forEach(p -> truth.offServices(p).forEach(s -> off.merge(s, 1L, Long::sum)));
    List<String> out = new ArrayList<>();
    off.entrySet().stream().limit(DIAGNOSED).forEach(e -> {
      int s = e.getKey();
      String hostname = "svc-" + s + "." + Fleet.NAMESPACE + ".svc.cluster.local";
      StringBuilder b = new StringBuilder(hostname + ", off the truth on " + e.getValue() + " proxies: API servers");
      for (int c : truth.homes(s)) {
        b.append(' ').append(MultiTruth.clusterId(c)).append(' ').append(mesh.apiServerEndpoints(c, s));
      }
      for (int n = 0; n < mesh.size(); n++) {
        b.append("; node-").append(n).append(' ').append(mesh.nodeEndpoints(n, hostname));
      }
      out.add(b.toString());
    });
    if (off.size() > DIAGNOSED) {
      out.add((off.size() - DIAGNOSED) + " more services off the truth");
    }
    Map<String, SimProxy> byId = new java.util.HashMap<>();
    all.forEach(p -> byId.put(p.id, p));
    out.addAll(truth.incomplete(byId, DIAGNOSED));
    return out;
  }

  /** Whether node 0 reports each cluster of {@code expected} synced with that many services. */
  private static boolean synced(MultiMesh mesh, Map<String, Integer> expected) {
    Map<String, Integer> now = mesh.syncedServices(0);
    return expected.entrySet().stream().allMatch(e -> e.getValue().equals(now.get(e.getKey())));
  }

  /** Every service in each of its clusters: the Service, then its first endpoints; 4 writers. */
  private static void createAll(MultiMesh mesh, MultiTruth truth) {
    ForkJoinPool writers = new ForkJoinPool(4);
    try {
      writers.submit(() -> IntStream.range(0, truth.services).parallel().forEach(s -> {
        for (int c : truth.homes(s)) {
          retrying(() -> mesh.service(c, s));
          truth.write(s, c, (cluster, addresses) -> retrying(() -> mesh.endpoints(cluster, s, addresses)));
        }
      })).join();
    } finally {
      writers.shutdown();
    }
  }

  /** Writes at {@code rate} per second for {@code seconds}, each to a random service in one of its clusters. */
  private static void churn(MultiMesh mesh, MultiTruth truth, double rate, int seconds) {
    Random random = new Random(11);
    long period = (long) (1e9 / rate);
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    for (long next = start; next < end; next += period) {
      // Pacing, not synchronisation: the writes keep to the rate.
      LockSupport.parkNanos(next - System.nanoTime());
      int s = random.nextInt(truth.services);
      List<Integer> homes = truth.homes(s);
      int c = homes.get(random.nextInt(homes.size()));
      truth.write(s, c, (cluster, addresses) -> retrying(() -> mesh.endpoints(cluster, s, addresses)));
    }
  }

  /**
   * Runs an idempotent write (create or update) until the API server answers. fabric8's mock
   * server stalls for up to 30 s when a watcher goes away while it is sending it an event (a
   * member's watch moving between nodes); a write in that window times out on the client.
   */
  static void retrying(Runnable write) {
    long deadline = System.nanoTime() + WRITE_DEADLINE.toNanos();
    while (true) {
      try {
        write.run();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (System.nanoTime() - deadline >= 0) {
          throw e;
        }
        System.err.println("bench multicluster: a write failed (" + e.getMessage() + "); retrying");
      }
    }
  }

  private static long metric(MultiMesh mesh, String name) {
    OptionalDouble v = Prometheus.sum(mesh, name);
    return v.isPresent() ? (long) v.getAsDouble() : -1;
  }

  private static long heapAfterGc(MultiMesh mesh, HeapProbe heap) {
    long sum = 0;
    for (int i = 0; i < mesh.size(); i++) {
      long pid = mesh.pid(i).orElseThrow();
      heap.gc(pid);
      OptionalLong used = heap.used(pid);
      if (used.isEmpty()) {
        return -1;
      }
      sum += used.getAsLong();
    }
    return sum;
  }

  private static void report(LoadReport report, Path out, String args, MultiTruth truth, Result r, int proxies,
      int perProxy, double rate, int duration, int nodes) {
    report.header("multicluster", args);
    report.line("%d control-plane nodes; a config cluster holding %d remote secrets, one per member cluster (fabric8 "
        + "mock API servers), members alternately on networks %s and %s, each network with one gateway from the "
        + "mesh config file; %,d services, each in %d clusters (namespace sameness), 3 endpoints per cluster; "
        + "%,d simulated sidecars (half SotW, half delta), half on each network, %d services each. Churn: %.1f "
        + "writes/s for %d s, each a new set of 3 endpoints of one service in one cluster: it changes that "
        + "network's view only.", nodes, truth.clusters, MultiTruth.NET_A, MultiTruth.NET_B, truth.services,
        truth.replicas, proxies, perProxy, rate, duration);
    report.line("");
    if (r.failure != null) {
      report.line("**Did not complete:** %s", r.failure).line("");
    }
    report.line("| measure | value |");
    report.line("| --- | --- |");
    report.line("| heap, members joined, no service (sum over nodes, after GC) | %s |", mb(r.heapEmpty));
    report.line("| heap with the services (no proxy) | %s |", mb(r.heapServices));
    report.line("| heap per service | %s |", per(r.heapServices, r.heapEmpty, truth.services));
    report.line("| heap with every proxy synced | %s |", mb(r.heapSynced));
    report.line("| heap per proxy | %s |", per(r.heapSynced, r.heapServices, proxies));
    report.line("| services taken in (created to synced on node 0) | %.1f s |", r.takeInSeconds);
    report.line("| member watches that restarted (moved) or reconnected meanwhile | %s |",
        r.watchesRestartedDuringTakeIn < 0 ? "unknown" : String.valueOf(r.watchesRestartedDuringTakeIn));
    report.line("| late writes ignored by the write fences (whole run, all nodes) | %s |", r.lateWrites < 0 ? "n/a"
        : String.format(java.util.Locale.ROOT, "%,d", r.lateWrites));
    report.line("| initial sync of every proxy | %.1f s, %,d pushes, %s pushed |", r.syncSeconds, r.syncPushes,
        mb(r.syncPushBytes));
    report.line("| churn writes | %,d |", r.churnWrites);
    report.line("| pushes per change | %s |", ratio(r.churnPushes, r.churnWrites, "%.1f"));
    report.line("| push bytes per change (control plane's count) | %s |",
        ratio(r.churnPushBytes, r.churnWrites, "%,.0f B"));
    report.line("| bytes received per change (all proxies) | %s |",
        ratio(r.churnClientBytes, r.churnWrites, "%,.0f B"));
    report.line("| convergence p50 / p90 / p99 / max | %s |", percentiles(r.latency));
    report.line("| converged after the churn | %s |", Double.isNaN(r.convergeAfterChurnSeconds) ? "no (timed out)"
        : String.format(java.util.Locale.ROOT, "%.1f s", r.convergeAfterChurnSeconds));
    report.line("| proxies converged to the ground truth at the end | %,d of %,d |", r.convergedProxies, r.proxies);
    report.line("| changes that missed a subscriber | %,d |", r.incompleteChanges);
    report.line("| registry resyncs (comparisons with the API servers, every %s per member) | %s |",
        MultiMesh.RESYNC_INTERVAL, r.resyncs < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%,d", r.resyncs));
    report.line("| resync repairs (lost watch events found; objects) | %s |", r.repairs < 0 ? "n/a"
        : String.format(java.util.Locale.ROOT, "%,d; %,d", r.repairs, r.repairedObjects));
    report.line("");
    if (!r.diagnosis.isEmpty()) {
      report.line("Services off the truth at the end (API server's ready addresses; each node's /debug/services):");
      report.line("");
      r.diagnosis.forEach(line -> report.line("- %s", line));
      report.line("");
    }
    Charts.cdf(out.resolve("multicluster-latency-cdf.png"), "Convergence after an endpoint write (ms)", r.latency);
    Map<String, List<double[]>> heapMb = new LinkedHashMap<>();
    heapMb.put("heap after GC, all nodes", List.of(new double[] {0, r.heapEmpty / 1048576.0},
        new double[] {1, r.heapServices / 1048576.0}, new double[] {2, r.heapSynced / 1048576.0}));
    Charts.lines(out.resolve("multicluster-heap.png"), "Heap: 0 joined, 1 + services, 2 + proxies synced", "phase",
        "MB", heapMb);
    report.line("![convergence CDF](multicluster-latency-cdf.png) ![heap by phase](multicluster-heap.png)");
  }

  private static String mb(long bytes) {
    return bytes < 0 ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
  }

  private static String per(long after, long before, int count) {
    if (after < 0 || before < 0) {
      return "n/a";
    }
    return String.format(java.util.Locale.ROOT, "%.1f KB", (after - before) / 1024.0 / count);
  }

  private static String ratio(long value, long count, String format) {
    return value < 0 || count == 0 ? "n/a" : String.format(java.util.Locale.ROOT, format, (double) value / count);
  }

  static String percentiles(Histogram h) {
    if (h.getTotalCount() == 0) {
      return "n/a";
    }
    return String.format(java.util.Locale.ROOT, "%.0f / %.0f / %.0f / %.0f ms (%,d deliveries)",
        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3,
        h.getMaxValue() / 1e3, h.getTotalCount());
  }
}
