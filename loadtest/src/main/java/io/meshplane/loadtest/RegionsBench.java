package io.meshplane.loadtest;

import io.meshplane.loadtest.regions.CassandraLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;

/**
 * {@code ./meshplane bench regions}: the multi-region control plane of main (issue 6) on real
 * processes ({@link RegionMesh}): two regions with their Cassandra data centers, member clusters
 * {@code member-0} (homed in eu, network net-a), {@code member-1} (us, net-b) and {@code member-2}
 * (us, net-a), service {@code svc-s} in member {@code s % 3}; a fleet of simulated sidecars per
 * region on net-a (eu's in member-0, us's in member-2), each connected through its region's stable
 * address. Phases:
 *
 * <ol>
 *   <li>at {@code --services}: an idle window, then churn of endpoint writes in member-0 (homed in
 *       eu) at {@code --rate}: propagation from the API-server write to the proxies of each region
 *       holding it, and each Cassandra node's reads and writes per second in both windows;
 *   <li>the same at {@code --grow-to} services, the added ones idle (nobody subscribes to them,
 *       nobody changes them): does the cost grow with idle services?
 *   <li>region failover: kill -9 every node of eu; time until every eu proxy has a new stream
 *       answered by us and holds the ground truth, until us watches member-0, and until a change
 *       to each subscribed member-0 service, written right after the proxies are served, reached
 *       every subscriber of both regions;
 *   <li>hand-back ({@code --hand-back yes}): eu started again; time until member-0's watch is
 *       back in eu, then a change to each subscribed member-0 service reaches every subscriber.
 * </ol>
 *
 * Every proxy must hold the ground truth at the end of each phase. Writes {@code report.md} and
 * charts to {@code loadtest/target/bench/regions-<timestamp>/} ({@link RegionsReport}).
 */
final class RegionsBench {

  static final int CLUSTERS = 3;
  /** The member cluster homed in eu, whose endpoints the churn writes. */
  static final int EU_MEMBER = 0;
  /** Where us's proxies run: homed in us, on the same network as member-0. */
  static final int US_PROXY_MEMBER = 2;
  private static final Duration SETTLE = Duration.ofSeconds(5);
  private static final int TIMEOUT = 240;

  /** What one size measured. */
  static final class Size {
    final int services;
    double takeInSeconds = Double.NaN;
    final Map<String, CassandraLoad.Rates> idle = new LinkedHashMap<>();
    final Map<String, CassandraLoad.Rates> churn = new LinkedHashMap<>();
    final Map<String, Histogram> latency = new LinkedHashMap<>();
    long writes;
    double churnSeconds;
    long incomplete;
    double convergedAfterChurn = Double.NaN;

    Size(int services) {
      this.services = services;
    }
  }

  /** What the failover and the hand-back measured (seconds after the kill, or after the restart). */
  static final class Failover {
    int victims;
    double killSeconds = Double.NaN;
    double reopenedMax = Double.NaN;
    double servedSeconds = Double.NaN;
    double takeOverSeconds = Double.NaN;
    int changes;
    double writesFrom = Double.NaN;
    double writesTo = Double.NaN;
    double firstChange = Double.NaN;
    double allChanges = Double.NaN;
    Histogram changeLatency = new Histogram(3);
    long usReconnected;
    final List<double[]> served = new ArrayList<>();
    final List<double[]> flowing = new ArrayList<>();
    double restartSeconds = Double.NaN;
    double handBackSeconds = Double.NaN;
    Histogram afterReturn = new Histogram(3);
    long afterReturnIncomplete = -1;
  }

  /** The whole run. */
  static final class Result {
    final List<Size> sizes = new ArrayList<>();
    final Failover failover = new Failover();
    long convergedProxies;
    int proxies;
    String failure;
  }

  private final RegionsOptions options;
  private final RegionMesh mesh;
  private final MultiTruth truth;
  private final Map<String, CassandraLoad> cassandra = new LinkedHashMap<>();
  private final Map<String, Fleet> fleets = new LinkedHashMap<>();
  private final Result result = new Result();

  private RegionsBench(RegionsOptions options, RegionMesh mesh, MultiTruth truth) {
    this.options = options;
    this.mesh = mesh;
    this.truth = truth;
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    int exit;
    try {
      exit = run(List.of(args), Path.of("loadtest", "target", "bench")) ? 0 : 1;
    } catch (Options.Bad e) {
      System.err.println(e.getMessage() + "\n" + RegionsOptions.usage());
      exit = 2;
    } catch (Exception | Error e) {
      // Exit even so: the mock API servers' threads would keep the JVM (and the build lock) alive.
      System.err.println("bench regions failed: " + e);
      e.printStackTrace();
      exit = 1;
    }
    System.exit(exit);
  }

  /** Runs the benchmark; whether it completed with every proxy on the ground truth. */
  static boolean run(List<String> args, Path base) throws Exception {
    RegionsOptions o = RegionsOptions.parse(args);
    Path out = base.resolve("regions-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
        .toAbsolutePath();
    Files.createDirectories(out);
    MultiTruth truth = new MultiTruth(CLUSTERS, o.growTo(), 1);
    Result r;
    try (RegionMesh mesh = new RegionMesh(out, o.nodes(), truth)) {
      RegionsBench bench = new RegionsBench(o, mesh, truth);
      try {
        bench.phases();
      } finally {
        bench.close();
      }
      r = bench.result;
    }
    Path md = new RegionsReport(out, o, String.join(" ", args), r).write();
    System.out.println(Files.readString(md));
    System.out.println("report: " + md);
    return r.failure == null && r.convergedProxies == r.proxies;
  }

  private void phases() {
    try {
      for (String region : RegionMesh.REGIONS) {
        cassandra.put(region, new CassandraLoad(mesh.cassandra(region), CassandraLoad.MESHPLANE_KEYSPACES));
        for (int c = 0; c < CLUSTERS; c++) {
          String id = MultiTruth.clusterId(c);
          String home = RegionMesh.home(c);
          Waits.await(region + " sees " + id + " watched by " + home, TIMEOUT, () -> mesh.watchedBy(region, id, home),
              null, null, System.nanoTime(), 200);
        }
      }
      Size first = new Size(options.services());
      result.sizes.add(first);
      first.takeInSeconds = create(0, options.services());
      startFleets();
      measure(first);
      Size second = new Size(options.growTo());
      result.sizes.add(second);
      second.takeInSeconds = create(options.services(), options.growTo());
      measure(second);
      failover();
      if (options.handBack()) {
        handBack();
      }
    } catch (IllegalStateException | java.util.concurrent.CompletionException e) {
      result.failure = e.getMessage();
      System.err.println("bench regions: " + e.getMessage());
    } finally {
      List<SimProxy> all = all();
      result.proxies = all.size();
      result.convergedProxies = all.stream().filter(truth::converged).count();
    }
  }

  private List<SimProxy> all() {
    return fleets.values().stream().flatMap(f -> f.proxies.stream()).toList();
  }

  /** Creates services {@code from..to-1} in their clusters (4 writers); seconds until both regions hold them. */
  private double create(int from, int to) {
    long t0 = System.nanoTime();
    ForkJoinPool writers = new ForkJoinPool(4);
    try {
      writers.submit(() -> IntStream.range(from, to).parallel().forEach(s -> {
        int c = s % CLUSTERS;
        MulticlusterBench.retrying(() -> mesh.service(c, s));
        truth.write(s, c, (cluster, addresses) -> MulticlusterBench.retrying(() -> mesh.endpoints(cluster, s,
            addresses)));
      })).join();
    } finally {
      writers.shutdown();
    }
    for (String region : RegionMesh.REGIONS) {
      Waits.await(region + " holds the " + to + " services", TIMEOUT, () -> takenIn(region, to), null, null,
          System.nanoTime(), 200);
    }
    return Waits.secondsSince(t0);
  }

  /** Whether {@code region} holds every cluster's share of the first {@code services} services, nothing pending. */
  private boolean takenIn(String region, int services) {
    Map<String, RegionMesh.ClusterState> now = mesh.clusters(region);
    for (int c = 0; c < CLUSTERS; c++) {
      int cluster = c;
      long expected = IntStream.range(0, services).filter(s -> s % CLUSTERS == cluster).count();
      RegionMesh.ClusterState state = now.get(MultiTruth.clusterId(c));
      if (state == null || state.services() != expected || state.pending() != 0) {
        return false;
      }
    }
    return true;
  }

  private void startFleets() {
    int first = 0;
    for (String region : RegionMesh.REGIONS) {
      int member = region.equals(RegionMesh.EU) ? EU_MEMBER : US_PROXY_MEMBER;
      Map<String, String> metadata = Map.of("NAMESPACE", Fleet.NAMESPACE, "CLUSTER_ID", MultiTruth.clusterId(member),
          "NETWORK", MultiTruth.network(member), "PROXY_KIND", "sidecar");
      Fleet fleet = new Fleet(new Fleet.Settings(options.proxies(), options.services(), options.perProxy(), 1,
          metadata), mesh.xdsPort(region), first);
      first += options.proxies();
      truth.track(MultiTruth.network(member), fleet.proxies, region);
      fleet.listen(truth);
      fleets.put(region, fleet);
    }
    List<SimProxy> all = all();
    all.forEach(SimProxy::start);
    Waits.await("initial sync of " + all.size() + " proxies", TIMEOUT, () -> all.stream().allMatch(truth::converged),
        null, null, System.nanoTime(), 200);
  }

  /** An idle window, then churn in member-0, each with every Cassandra node's load. */
  private void measure(Size size) {
    LockSupport.parkNanos(SETTLE.toNanos());
    Map<String, CassandraLoad.Sample> before = samples();
    LockSupport.parkNanos(options.idle().toNanos());
    Map<String, CassandraLoad.Sample> idleEnd = samples();
    truth.reset();
    long t0 = System.nanoTime();
    churn();
    size.churnSeconds = Waits.secondsSince(t0);
    Map<String, CassandraLoad.Sample> churnEnd = samples();
    before.forEach((dc, s) -> {
      size.idle.put(dc, idleEnd.get(dc).since(s));
      size.churn.put(dc, churnEnd.get(dc).since(idleEnd.get(dc)));
    });
    List<SimProxy> all = all();
    try {
      size.convergedAfterChurn = Waits.await("every proxy converged after the churn", TIMEOUT,
          () -> all.stream().allMatch(truth::converged)
              && truth.log().stream().allMatch(c -> c.subscribers == 0 || c.completedAt != 0),
          null, null, System.nanoTime(), 200);
    } finally {
      List<MultiTruth.Change> log = truth.log();
      size.writes = log.size();
      size.incomplete = log.stream().filter(c -> c.subscribers > 0 && c.completedAt == 0).count();
      RegionMesh.REGIONS.forEach(region -> size.latency.put(region, truth.latency(region)));
    }
  }

  private Map<String, CassandraLoad.Sample> samples() {
    Map<String, CassandraLoad.Sample> out = new LinkedHashMap<>();
    cassandra.forEach((dc, load) -> out.put(dc, load.sample()));
    return out;
  }

  /** Endpoint writes at {@code --rate} for {@code --duration}, each to a random member-0 service the fleets use. */
  private void churn() {
    Random random = new Random(11);
    int[] pool = IntStream.range(0, options.services()).filter(s -> s % CLUSTERS == EU_MEMBER).toArray();
    long period = (long) (1e9 / options.rate());
    long start = System.nanoTime();
    long end = start + options.duration().toNanos();
    for (long next = start; next < end; next += period) {
      // Pacing, not synchronisation: the writes keep to the rate.
      LockSupport.parkNanos(next - System.nanoTime());
      int s = pool[random.nextInt(pool.length)];
      write(s);
    }
  }

  private void write(int s) {
    truth.write(s, EU_MEMBER, (cluster, addresses) -> MulticlusterBench.retrying(() -> mesh.endpoints(cluster, s,
        addresses)));
  }

  /** The member-0 services some proxy subscribes to. */
  private List<Integer> subscribedEuServices() {
    Set<String> subscribed = new java.util.HashSet<>();
    all().forEach(p -> subscribed.addAll(p.clusters));
    return IntStream.range(0, options.services()).filter(s -> s % CLUSTERS == EU_MEMBER)
        .filter(s -> subscribed.contains(Fleet.cluster(s))).boxed().toList();
  }

  private void failover() {
    Failover f = result.failover;
    List<SimProxy> victims = fleets.get(RegionMesh.EU).proxies;
    List<SimProxy> others = fleets.get(RegionMesh.US).proxies;
    f.victims = victims.size();
    Map<SimProxy, Long> opened = new HashMap<>();
    all().forEach(p -> opened.put(p, p.streamsOpened()));
    double answers0 = mesh.metricSum(RegionMesh.US, Storm.FIRST_ANSWERS);
    truth.reset();
    String member = MultiTruth.clusterId(EU_MEMBER);
    long t0 = System.nanoTime();
    mesh.killRegion(RegionMesh.EU);
    f.killSeconds = Waits.secondsSince(t0);
    CompletableFuture<Double> takeOver = CompletableFuture.supplyAsync(() -> {
      Waits.await("us takes " + member + "'s watch over", TIMEOUT, () -> mesh.watchedBy(RegionMesh.US, member,
          RegionMesh.US), null, null, t0, 100);
      return Waits.secondsSince(t0);
    });
    // Served again: a new stream, every type of every eu proxy's new stream answered by us (a
    // resumed delta stream whose versions are current is answered with nothing: the server's count
    // of first answers says it), and the ground truth held (nothing was written since the kill).
    double answersNeeded = (double) Storm.TYPES * victims.size();
    Waits.await("eu's proxies served again by us", TIMEOUT, () -> victims.stream().allMatch(p -> p.streamsOpened()
        > opened.get(p) && truth.converged(p)) && mesh.metricSum(RegionMesh.US, Storm.FIRST_ANSWERS) - answers0
        >= answersNeeded, f.served,
        () -> Math.min(1, (mesh.metricSum(RegionMesh.US, Storm.FIRST_ANSWERS) - answers0) / answersNeeded), t0, 100);
    f.servedSeconds = Waits.secondsSince(t0);
    f.reopenedMax = victims.stream().mapToDouble(p -> (p.lastOpenedNanos() - t0) / 1e9).max().orElse(Double.NaN);
    // Changes made in member-0 while eu is dead: at once, before us has taken its watch over.
    LockSupport.parkNanos(t0 + 1_000_000_000L - System.nanoTime());
    List<Integer> services = subscribedEuServices();
    f.changes = services.size();
    f.writesFrom = Waits.secondsSince(t0);
    services.forEach(this::write);
    f.writesTo = Waits.secondsSince(t0);
    List<MultiTruth.Change> changes = truth.log();
    Waits.await("member-0's changes reached every subscriber", TIMEOUT,
        () -> changes.stream().allMatch(c -> c.completedAt != 0), f.flowing,
        () -> changes.stream().filter(c -> c.completedAt != 0).count() / (double) changes.size(), t0, 20);
    f.firstChange = changes.stream().mapToDouble(c -> (c.completedAt - t0) / 1e9).min().orElse(Double.NaN);
    f.allChanges = changes.stream().mapToDouble(c -> (c.completedAt - t0) / 1e9).max().orElse(Double.NaN);
    f.changeLatency = truth.latency();
    f.takeOverSeconds = takeOver.join();
    List<SimProxy> all = all();
    Waits.await("every proxy on the ground truth after the failover", TIMEOUT,
        () -> all.stream().allMatch(truth::converged), null, null, System.nanoTime(), 200);
    f.usReconnected = others.stream().filter(p -> p.streamsOpened() > opened.get(p)).count();
  }

  private void handBack() {
    Failover f = result.failover;
    String member = MultiTruth.clusterId(EU_MEMBER);
    long t0 = System.nanoTime();
    mesh.restartRegion(RegionMesh.EU);
    f.restartSeconds = Waits.secondsSince(t0);
    Waits.await(member + "'s watch back in eu", TIMEOUT, () -> mesh.watchedBy(RegionMesh.US, member, RegionMesh.EU)
        && mesh.watchedBy(RegionMesh.EU, member, RegionMesh.EU), null, null, t0, 100);
    f.handBackSeconds = Waits.secondsSince(t0);
    truth.reset();
    subscribedEuServices().forEach(this::write);
    List<MultiTruth.Change> changes = truth.log();
    List<SimProxy> all = all();
    try {
      Waits.await("changes after the return reached every subscriber", TIMEOUT,
          () -> changes.stream().allMatch(c -> c.completedAt != 0) && all.stream().allMatch(truth::converged),
          null, null, System.nanoTime(), 50);
    } finally {
      f.afterReturn = truth.latency();
      f.afterReturnIncomplete = changes.stream().filter(c -> c.completedAt == 0).count();
    }
  }

  private void close() {
    fleets.values().forEach(Fleet::close);
    cassandra.values().forEach(CassandraLoad::close);
  }
}
