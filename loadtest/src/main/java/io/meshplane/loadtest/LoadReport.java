package io.meshplane.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The markdown report of a load scenario and its charts: latency CDF, latency over time, heap over
 * time per node, CPU over time per process. Goals are those of issue 5 (this 2-core machine, 3
 * nodes): p99 convergence <= 300 ms, <= 50 KB heap per connected proxy, a storm of every proxy
 * served within 5 s; a miss says by how much.
 */
final class LoadReport {

  static final double P99_GOAL_MS = 300;
  static final double HEAP_GOAL_KB = 50;
  static final double STORM_GOAL_S = 5;

  private final StringBuilder md = new StringBuilder();
  private final Path out;

  LoadReport(Path out) {
    this.out = out;
  }

  LoadReport line(String format, Object... args) {
    md.append(String.format(Locale.ROOT, format, args)).append('\n');
    return this;
  }

  /**
   * The opening every benchmark report shares: its name and date, the command that made it, and
   * the machine it ran on.
   */
  LoadReport header(String bench, String args) {
    line("# `%s` benchmark, %s", bench, LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
    line("");
    line("Command: `./meshplane bench %s %s`; %d cores, Java %s; everything on this host.", bench, args,
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
    return line("");
  }

  String text() {
    return md.toString();
  }

  Path write() {
    try {
      Files.writeString(out.resolve("report.md"), md);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.resolve("report.md");
  }

  /** The sections of one run; charts are named with {@code prefix} (empty for a single run). */
  void run(LoadRun r, String prefix) {
    Fleet.Settings f = r.fleet.settings;
    line("Fleet: %,d simulated proxies (half SotW, half delta) on %,d channels (%d streams per channel), each "
        + "subscribed by name to CDS and EDS of %d of %,d services; node metadata %s.", r.proxies(),
        r.fleet.channels(), f.streamsPerChannel(), f.perProxy(), f.services(), f.metadata());
    line("Control plane: %s.", r.cp.description());
    line("");
    line("| measure | value | goal |");
    line("| --- | --- | --- |");
    if (r.failure != null) {
      line("| **the run stopped early** | %s; not holding the ground truth at the end: %,d SotW, %,d delta proxies | |",
          r.failure, r.notConverged(SimProxy.Mode.SOTW), r.notConverged(SimProxy.Mode.DELTA));
    }
    line("| every proxy converged to the ground truth at the end | %,d of %,d | all |", r.convergedProxies, r.proxies());
    line("| initial sync: every proxy connected at once and converged | %.1f s | |", r.syncSeconds);
    long full = r.fullPush.values().stream().mapToLong(Long::longValue).sum();
    line("| full push per proxy (mean) | %,d bytes | |", full / Math.max(1, r.proxies()));
    if (r.durationSeconds > 0) {
      Histogram h = r.latency;
      double p99 = h.getValueAtPercentile(99) / 1e3;
      line("| churn: endpoint changes written through the API server | %,d in %.1f s (%.1f/s; asked %.1f/s; %,d ticks "
          + "late) | |", r.churnWrites, r.churnSeconds, r.churnWrites / Math.max(1e-9, r.churnSeconds), r.rate,
          r.churnLate);
      line("| convergence, API-server write -> each subscribed proxy holding it (%,d deliveries): p50 / p90 / p99 "
          + "/ max | %.0f / %.0f / **%.0f** / %.0f ms | p99 <= %.0f ms%s |", h.getTotalCount(),
          h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3, p99, h.getMaxValue() / 1e3,
          P99_GOAL_MS, miss(p99, P99_GOAL_MS, "ms"));
      line("| changes that did not reach every subscriber | %,d%s | 0 |", r.incompleteChanges, r.incompleteChanges == 0
          ? "" : " (" + r.changes.log().stream().filter(c -> c.subscribers > 0 && c.completedAt == 0).limit(5)
              .map(c -> "svc-" + c.service + ": " + c.reached.size() + " of " + c.subscribers)
              .collect(java.util.stream.Collectors.joining(", ")) + ")");
      line("| after the churn stopped, every proxy converged within | %.2f s | |", r.convergeAfterChurnSeconds);
    }
    long perProxy = r.heapPerProxy();
    if (perProxy >= 0) {
      line("| control-plane heap per connected proxy (all nodes) | **%.1f KB** (%.1f MB idle -> %.1f MB synced) "
          + "| <= %.0f KB%s |", perProxy / 1024.0, r.idleHeap / 1048576.0, r.syncedHeap / 1048576.0, HEAP_GOAL_KB,
          miss(perProxy / 1024.0, HEAP_GOAL_KB, "KB"));
    } else {
      line("| control-plane heap per connected proxy | not measured (a node's heap could not be read) | |");
    }
    double from = r.durationSeconds > 0 ? r.churnFrom : 0;
    double to = r.durationSeconds > 0 ? r.churnTo : Double.MAX_VALUE;
    line("| pushes per second, all nodes (mean during the churn) | %,.0f | |",
        sumOver(r, from, to, ResourceSampler.Row::pushRate));
    line("| push bytes per second, all nodes (mean during the churn) | %,.0f | |",
        sumOver(r, from, to, ResourceSampler.Row::byteRate));
    line("| responses and bytes per second received by the fleet (mean during the churn) | %,.0f / %,.0f | |",
        ResourceSampler.mean(r.rows, from, to, ResourceSampler.Row::fleetResponseRate),
        ResourceSampler.mean(r.rows, from, to, ResourceSampler.Row::fleetByteRate));
    line("| NACKs sent by the fleet | %,d | 0 |", r.fleet.nacks());
    storm(r.resumedStorm, "storm, resumed: every proxy reconnects at once holding its config, a tenth of the "
        + "services changed meanwhile");
    storm(r.coldStorm, "storm, cold: every proxy reconnects at once holding nothing");
    line("");
    line("Per process (means and maxima over %s):", r.durationSeconds > 0 ? "the churn" : "the run");
    line("");
    line("| process | connections after sync | CPU cores mean / max | heap used max (MB) |");
    line("| --- | --- | --- | --- |");
    for (int i = 0; i < r.cp.size(); i++) {
      int n = i;
      line("| %s | %.0f | %.2f / %.2f | %.0f |", r.cp.nodeName(i), r.connectedAfterSync.getOrDefault(i, Double.NaN),
          ResourceSampler.mean(r.rows, from, to, row -> row.cores()[n]),
          ResourceSampler.max(r.rows, from, to, row -> row.cores()[n]),
          ResourceSampler.max(r.rows, from, to, row -> row.heapMb()[n]));
    }
    if (!r.rows.isEmpty()) {
      for (String other : r.rows.get(0).otherCores().keySet()) {
        line("| %s | | %.2f / %.2f | |", other,
            ResourceSampler.mean(r.rows, from, to, row -> row.otherCores().getOrDefault(other, Double.NaN)),
            ResourceSampler.max(r.rows, from, to, row -> row.otherCores().getOrDefault(other, Double.NaN)));
      }
    }
    line("| all of the above | | %.2f of %d cores | |", ResourceSampler.mean(r.rows, from, to, LoadReport::allCores),
        Runtime.getRuntime().availableProcessors());
    line("");
    line("Heap per connected proxy: the sum over the nodes of the heap used right after a full GC (System.gc() "
        + "through each node's MemoryMXBean, over the JDK attach API), once with every service created and no "
        + "proxy, once after every proxy converged, the difference divided by the proxies. It includes what the "
        + "nodes cache for subscribed services (views, serialized responses), not only per-stream state.");
    line("");
    charts(r, prefix);
  }

  private void storm(Storm.Result s, String what) {
    if (s == null) {
      return;
    }
    String served = s.served().isPresent() ? String.format(Locale.ROOT, "%.2f s", s.served().getAsDouble())
        : "not known (no first-answer metric)";
    double all = s.served().isPresent() ? Math.max(s.served().getAsDouble(), s.converged()) : s.converged();
    line("| %s (%,d proxies): every type of every stream answered / every proxy converged | %s / **%.2f s** "
        + "(%,d bytes, %.1f %% of their full push) | <= %.0f s%s |", what, s.proxies(), served, s.converged(),
        s.bytes(), 100.0 * s.bytes() / Math.max(1, s.fullPush()), STORM_GOAL_S, miss(all, STORM_GOAL_S, "s"));
  }

  private static double allCores(ResourceSampler.Row row) {
    double sum = 0;
    for (double c : row.cores()) {
      sum += Double.isNaN(c) ? 0 : c;
    }
    for (double c : row.otherCores().values()) {
      sum += Double.isNaN(c) ? 0 : c;
    }
    return sum;
  }

  /** Sum over the nodes of each node's mean of a per-node value between {@code from} and {@code to}. */
  static double sumOver(LoadRun r, double from, double to,
      java.util.function.Function<ResourceSampler.Row, double[]> perNode) {
    double sum = 0;
    for (int i = 0; i < r.cp.size(); i++) {
      int n = i;
      double v = ResourceSampler.mean(r.rows, from, to, row -> perNode.apply(row)[n]);
      sum += Double.isNaN(v) ? 0 : v;
    }
    return sum;
  }

  static String miss(double value, double goal, String unit) {
    return value <= goal ? " (met)" : String.format(Locale.ROOT, " (**missed by %.1f %s**)", value - goal, unit);
  }

  private void charts(LoadRun r, String prefix) {
    String p = prefix.isEmpty() ? "" : prefix + "-";
    if (r.durationSeconds > 0) {
      Charts.cdf(out.resolve(p + "latency-cdf.png"), "Convergence latency, write -> proxy (CDF)", r.latency);
      Map<String, List<double[]>> overTime = new LinkedHashMap<>();
      // From the churn on: earlier samples hold the initial sync (services created before any proxy).
      overTime.put("p50", series(r, row -> row.t() > r.churnFrom ? row.p50() : Double.NaN));
      overTime.put("p99", series(r, row -> row.t() > r.churnFrom ? row.p99() : Double.NaN));
      overTime.put("max", series(r, row -> row.t() > r.churnFrom ? row.max() : Double.NaN));
      Charts.lines(out.resolve(p + "latency-over-time.png"), "Convergence latency of the changes delivered in each "
          + "second of the churn", "seconds since the run started", "ms", overTime);
    }
    Map<String, List<double[]>> heap = new LinkedHashMap<>();
    Map<String, List<double[]>> cpu = new LinkedHashMap<>();
    for (int i = 0; i < r.cp.size(); i++) {
      int n = i;
      heap.put(r.cp.nodeName(i), series(r, row -> row.heapMb()[n]));
      cpu.put(r.cp.nodeName(i), series(r, row -> row.cores()[n]));
    }
    if (!r.rows.isEmpty()) {
      r.rows.get(0).otherCores().keySet().forEach(o -> cpu.put(o, series(r, row -> row.otherCores().get(o))));
    }
    Charts.lines(out.resolve(p + "heap-over-time.png"), "Heap used per control-plane node",
        "seconds since the run started", "MB", heap);
    Charts.lines(out.resolve(p + "cpu-over-time.png"), "CPU per process", "seconds since the run started", "cores",
        cpu);
  }

  private static List<double[]> series(LoadRun r, ToDoubleFunction<ResourceSampler.Row> value) {
    List<double[]> points = new ArrayList<>();
    r.rows.forEach(row -> points.add(new double[] {row.t(), value.applyAsDouble(row)}));
    return points;
  }
}
