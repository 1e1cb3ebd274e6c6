package io.meshplane.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import org.HdrHistogram.Histogram;

/**
 * The failover benchmarks of the HA control plane, against real processes: 3 control-plane JVMs
 * behind the TCP front, a real Cassandra, a simulated API server and a fleet of simulated proxies
 * (half state-of-the-world, half delta). Phases:
 *
 * <ol>
 *   <li>initial sync: every proxy converges; its bytes are the "full push";
 *   <li>storm, resumed: a third of the fleet drops its streams, 10 % of the services change, and
 *       the third reconnects at once with what it holds: time until every type of every stream is
 *       answered, and bytes against the full push;
 *   <li>storm, cold: the same third reconnects at once holding nothing (restarted proxies): time
 *       until all converged;
 *   <li>failover, twice (an ordinary node, then the oldest, which hosts the shard coordinator):
 *       kill -9, time until the dead node's proxies are served again by the survivors, bytes they
 *       received on reconnect, then one change to every service written 1 s after the kill: time
 *       until each reached every subscriber ("updates flowing again", shards and the cluster
 *       watch included).
 * </ol>
 *
 * Writes report.md and PNG charts to the output directory. Not a test: it asserts only that the
 * fleet converges to the ground truth, and reports figures against the goals.
 */
public final class FailoverBench {

  private static final String FIRST_ANSWERS = Storm.FIRST_ANSWERS;
  private static final String FIRST_ANSWER_HISTOGRAM = "meshplane_xds_first_answer_seconds";
  private static final String LAST_FIRST_ANSWER = "meshplane_xds_first_answer_last_timestamp_seconds";
  private static final long METRICS_POLL_MILLIS = 100;
  /** How long a restarted node runs (shards rebalanced onto it, JIT warm) before the next kill. */
  private static final java.time.Duration SETTLE = java.time.Duration.ofSeconds(20);
  private static final int TYPES = Storm.TYPES;

  private final int proxyCount;
  private final int services;
  private final int perProxy;
  private final Path out;
  private final StringBuilder report = new StringBuilder();
  private final Map<String, List<double[]>> charts = new HashMap<>();

  FailoverBench(int proxyCount, int services, int perProxy, Path out) {
    this.proxyCount = proxyCount;
    this.services = services;
    this.perProxy = perProxy;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Map<String, String> opts = new HashMap<>(Map.of("proxies", "300", "services", "50", "per-proxy", "5"));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length || !opts.containsKey(a.substring(2))) {
        System.err.println("usage: failover [--proxies N] [--services N] [--per-proxy N]; got '" + a + "'");
        System.exit(2);
      }
      opts.put(a.substring(2), args[++i]);
    }
    Path out = Path.of("loadtest", "target", "bench",
        "failover-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(out);
    new FailoverBench(Integer.parseInt(opts.get("proxies")), Integer.parseInt(opts.get("services")),
        Integer.parseInt(opts.get("per-proxy")), out.toAbsolutePath()).run();
    System.exit(0);
  }

  void run() throws Exception {
    line("# Failover benchmark, %s", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
    line("");
    line("%d simulated proxies (half SotW, half delta), %d services, %d services per proxy (CDS + EDS by name), "
        + "3 control-plane JVMs behind the TCP front, one Cassandra, one simulated API server; %d cores, Java %s.",
        proxyCount, services, perProxy, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    line("");
    try (MeshUnderTest mesh = new MeshUnderTest(out, 3, List.of());
         Fleet fleet = new Fleet(proxyCount, services, perProxy, mesh.front.port())) {
      Changes changes = new Changes(mesh.kube);
      changes.track(fleet);
      for (int s = 0; s < services; s++) {
        changes.create(s);
      }
      long t0 = System.nanoTime();
      fleet.proxies.forEach(SimProxy::start);
      Waits.await("initial sync", 180, () -> fleet.convergedCount(fleet.proxies) == fleet.proxies.size(), null, null);
      Map<SimProxy, Long> fullPush = new HashMap<>();
      fleet.proxies.forEach(p -> fullPush.put(p, p.bytesReceived()));
      long full = fullPush.values().stream().mapToLong(Long::longValue).sum();
      line("## Initial sync");
      line("");
      line("All %d proxies converged in %.1f s; full push: %,d bytes in total, %,d bytes per proxy on average.",
          proxyCount, Waits.secondsSince(t0), full, full / proxyCount);
      line("");

      storms(mesh, fleet, changes, fullPush);
      failover(mesh, fleet, changes, fullPush, 1, "ordinary node (node-1)");
      mesh.start(1);
      // A node killed seconds after another one restarted is a double failure; here the restarted
      // node first serves its share of the fleet for a while, as one that has run for some time.
      spreadOver(mesh, fleet);
      Thread.sleep(SETTLE.toMillis());
      spreadOver(mesh, fleet);
      failover(mesh, fleet, changes, fullPush, 0, "oldest node (node-0, shard coordinator)");
      Histogram h = changes.total();
      line("## Convergence of every change in this run");
      line("");
      line("Write to the API server -> proxy holding it, %,d deliveries: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, "
          + "max %.0f ms (includes the failover windows).", h.getTotalCount(), h.getValueAtPercentile(50) / 1e3,
          h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
    }
    Files.writeString(out.resolve("report.md"), report);
    Charts.steps(out.resolve("storm.png"), "Storm: a third of the fleet reconnects at once",
        "seconds since reconnect", "proxies served", filter("storm"));
    Charts.steps(out.resolve("failover.png"), "Failover after kill -9",
        "seconds since kill", "fraction done", filter("failover"));
    System.out.println(report);
    System.out.println("report: " + out.resolve("report.md"));
  }

  private Map<String, List<double[]>> filter(String prefix) {
    Map<String, List<double[]>> m = new java.util.TreeMap<>();
    charts.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        m.put(k.substring(prefix.length() + 1), v);
      }
    });
    return m;
  }

  /**
   * Reconnects a third of the fleet through the front, so that a node just restarted serves its
   * share and is warm (JIT, caches) before the next kill, as a node that has run a while would be.
   */
  private static void spreadOver(MeshUnderTest mesh, Fleet fleet) {
    List<SimProxy> third = new ArrayList<>();
    for (int i = 1; i < fleet.proxies.size(); i += 3) {
      third.add(fleet.proxies.get(i));
    }
    long answersBefore = mesh.metricSum(FIRST_ANSWERS);
    third.forEach(SimProxy::disconnect);
    third.forEach(SimProxy::start);
    Waits.await("reconnected proxies served", 60,
        () -> mesh.metricSum(FIRST_ANSWERS) - answersBefore >= (long) TYPES * third.size(), null, null);
  }

  private void storms(MeshUnderTest mesh, Fleet fleet, Changes changes, Map<SimProxy, Long> fullPush) {
    List<SimProxy> third = new ArrayList<>();
    for (int i = 0; i < fleet.proxies.size(); i += 3) {
      third.add(fleet.proxies.get(i));
    }
    line("## Storm: %d proxies (a third of the fleet) reconnect at once", third.size());
    line("");
    Storm.Result resumed = Storm.resumed(mesh, fleet, changes, third, fullPush, 10, 60);
    List<double[]> served = resumed.progress();
    charts.put("storm resumed (converged)", served);
    line("- resumed (each proxy holds its config; %d of %d services changed meanwhile): all %d served in "
        + "**%.2f s** (converged in %.2f s); they received %,d bytes, **%.1f %%** of their full push (%,d bytes).",
        (services + 9) / 10, services, third.size(), resumed.served().orElse(Double.NaN), resumed.converged(),
        resumed.bytes(), 100.0 * resumed.bytes() / resumed.fullPush(), resumed.fullPush());
    Storm.Result cold = Storm.cold(mesh, fleet, third, fullPush, 60);
    charts.put("storm cold (converged)", cold.progress());
    line("- cold (restarted proxies, holding nothing): all %d converged in **%.2f s**, receiving %,d bytes.",
        third.size(), cold.converged(), cold.bytes());
    line("");
  }

  private void failover(MeshUnderTest mesh, Fleet fleet, Changes changes, Map<SimProxy, Long> fullPush, int victim,
      String what) throws InterruptedException {
    line("## Failover: kill -9 the %s", what);
    line("");
    Map<SimProxy, Long> opened = new HashMap<>();
    fleet.proxies.forEach(p -> opened.put(p, p.streamsOpened()));
    Map<SimProxy, Long> bytesBefore = new HashMap<>();
    fleet.proxies.forEach(p -> bytesBefore.put(p, p.bytesReceived()));
    long answersBefore = mesh.metricSum(FIRST_ANSWERS, victim);
    long t0 = System.nanoTime();
    // Updates must flow again, also those of services whose entities (and the cluster watch) were
    // on the dead node: one change to every service, written 1 s after the kill, whatever else
    // is being measured meanwhile.
    CompletableFuture<List<Changes.Change>> writes = CompletableFuture.supplyAsync(() -> {
      LockSupport.parkNanos(t0 + 1_000_000_000L - System.nanoTime());
      return changes.writeAll(services);
    });
    SortedMap<Double, Long> bucketsBefore = mesh.histogramBuckets(FIRST_ANSWER_HISTOGRAM, victim);
    long killedAtMillis = System.currentTimeMillis();
    mesh.kill(victim);
    double killed = Waits.secondsSince(t0);
    // The dead node's connections close at once; its proxies are those that opened a new stream.
    Waits.await("the dead node's proxies reconnect", 30,
        () -> fleet.proxies.stream().filter(p -> p.streamsOpened() > opened.get(p)).count() > 0, null, null);
    List<SimProxy> victims = fleet.proxies.stream().filter(p -> p.streamsOpened() > opened.get(p)).toList();
    List<double[]> served = new ArrayList<>();
    // Reconnects start within milliseconds of the connections closing; let them all begin.
    Thread.sleep(500);
    // Scraping every node's /metrics is work for the nodes under test: every 100 ms, not 20.
    Waits.await("the dead node's proxies served again", 60,
        () -> mesh.metricSum(FIRST_ANSWERS) - answersBefore >= (long) TYPES * countVictims(fleet, opened),
        served, () -> (mesh.metricSum(FIRST_ANSWERS) - answersBefore) / (double) TYPES
            / Math.max(1, countVictims(fleet, opened)), t0, METRICS_POLL_MILLIS);
    // Scrapes of loaded nodes take up to seconds: when the last one was served comes from the
    // nodes' own clock (same host), not from when a scrape saw it.
    double servedAll = mesh.metricMax(LAST_FIRST_ANSWER, victim) - killedAtMillis / 1000.0;
    String onServer = quantiles(bucketsBefore, mesh.histogramBuckets(FIRST_ANSWER_HISTOGRAM, victim));
    victims = fleet.proxies.stream().filter(p -> p.streamsOpened() > opened.get(p)).toList();
    double reopenedMax = victims.stream().mapToDouble(p -> (p.lastOpenedNanos() - t0) / 1e9).max().orElse(0);
    long reconnectBytes = victims.stream().mapToLong(p -> p.bytesReceived() - bytesBefore.get(p)).sum();
    long victimsFull = victims.stream().mapToLong(fullPush::get).sum();

    List<Changes.Change> all = writes.join();
    List<double[]> flowing = new ArrayList<>();
    Waits.await("every change reached every subscriber", 90, () -> all.stream().allMatch(c -> c.completedAt != 0),
        flowing, () -> all.stream().filter(c -> c.completedAt != 0).count() / (double) all.size(), t0);
    charts.put("failover " + what + ": dead node's proxies served", served);
    charts.put("failover " + what + ": changes reached every subscriber", flowing);
    double[] sinceKill = all.stream().mapToDouble(c -> (c.completedAt - t0) / 1e9).sorted().toArray();
    Waits.await("fleet converged to ground truth", 60, () -> fleet.convergedCount(fleet.proxies) == fleet.proxies.size(),
        null, null);

    line("| step | seconds after the kill |");
    line("| --- | --- |");
    line("| kill -9 returned | %.2f |", killed);
    line("| last of the %d proxies of the dead node opened its new stream | %.2f |", victims.size(), reopenedMax);
    line("| every type of every one of them answered by a survivor (**served again**) | **%.2f** |", servedAll);
    line("| ... of which on the survivors, from the stream's start to each type's first answer | %s |", onServer);
    line("| one change written to each of the %d services | %.2f to %.2f |", services,
        all.stream().mapToLong(c -> c.writtenAt).min().orElse(t0) / 1e9 - t0 / 1e9,
        all.stream().mapToLong(c -> c.writtenAt).max().orElse(t0) / 1e9 - t0 / 1e9);
    line("| first change at every subscriber | %.2f |", sinceKill[0]);
    line("| half of the changes at every subscriber | %.2f |", sinceKill[sinceKill.length / 2]);
    line("| every change at every subscriber (**updates flowing again**, dead shards included) | **%.2f** |",
        sinceKill[sinceKill.length - 1]);
    line("");
    line("Reconnect cost: the dead node's proxies received %,d bytes on reconnect, **%.1f %%** of their full push "
        + "(%,d bytes). The whole fleet converged to the ground truth afterwards.", reconnectBytes,
        victimsFull == 0 ? 0 : 100.0 * reconnectBytes / victimsFull, victimsFull);
    line("");
  }

  /** p50, p90 and max of the observations between two snapshots of a histogram, as bucket bounds. */
  private static String quantiles(SortedMap<Double, Long> before, SortedMap<Double, Long> after) {
    long total = after.getOrDefault(Double.POSITIVE_INFINITY, 0L) - before.getOrDefault(Double.POSITIVE_INFINITY, 0L);
    if (total <= 0) {
      return "none";
    }
    StringBuilder out = new StringBuilder();
    for (double q : new double[] {0.5, 0.9, 1.0}) {
      for (Map.Entry<Double, Long> e : after.entrySet()) {
        long count = e.getValue() - before.getOrDefault(e.getKey(), 0L);
        if (count >= Math.ceil(q * total)) {
          String bound = e.getKey().isInfinite() ? "> 30 s" : "<= " + e.getKey() + " s";
          out.append(out.length() == 0 ? "" : ", ").append(q == 1.0 ? "max " : "p" + (int) (q * 100) + " ")
              .append(bound);
          break;
        }
      }
    }
    return out + " (" + total + " answers)";
  }

  private static long countVictims(Fleet fleet, Map<SimProxy, Long> opened) {
    return fleet.proxies.stream().filter(p -> p.streamsOpened() > opened.get(p)).count();
  }

  private void line(String format, Object... args) {
    report.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
