package io.meshplane.loadtest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The side-by-side section of a {@code --baseline} report: the same scenario's figures for
 * Meshplane and for the java-control-plane baseline, each with its ratio baseline / Meshplane
 * (above 1: Meshplane is lower, which is better for every row), and the two latency CDFs on one
 * chart. Figures either side cannot measure are "n/a", never estimated.
 */
final class Comparison {

  /** Issue 5: at least 2x better than the baseline on p99 convergence and on memory. */
  static final double RATIO_GOAL = 2;
  static final String CDF_CHART = "latency-cdf-both.png";

  private final LoadReport md;

  private Comparison(LoadReport md) {
    this.md = md;
  }

  /** Writes the section for two completed runs of one scenario, and its CDF chart into {@code out}. */
  static void write(LoadReport md, Path out, LoadRun mesh, LoadRun base) {
    new Comparison(md).table(mesh, base);
    Map<String, Histogram> curves = new LinkedHashMap<>();
    curves.put("Meshplane", mesh.latency);
    curves.put("java-control-plane baseline", base.latency);
    Charts.cdf(out.resolve(CDF_CHART), "Convergence latency, write -> proxy (CDF): Meshplane and the baseline",
        curves);
    md.line("![latency CDF, both](%s)", CDF_CHART).line("");
  }

  private void table(LoadRun m, LoadRun b) {
    md.line("## Meshplane and the java-control-plane baseline, side by side").line("");
    md.line("The same scenario ran twice, one after the other, each on its own fresh simulated API server with the "
        + "same services, fleet, churn rate and duration and the same seeds: first Meshplane (%s), then the baseline "
        + "(%s). Ratio: baseline / Meshplane; above 1, Meshplane is lower (better).", m.cp.description(),
        b.cp.description()).line("");
    md.line("| measure | Meshplane | baseline | ratio | goal |");
    md.line("| --- | --- | --- | --- | --- |");
    md.line("| proxies converged to the ground truth at the end | %,d of %,d | %,d of %,d | | all |",
        m.convergedProxies, m.proxies(), b.convergedProxies, b.proxies());
    if (m.failure != null || b.failure != null) {
      md.line("| the run stopped early (figures below are partial) | %s | %s | | |",
          m.failure == null ? "no" : m.failure, b.failure == null ? "no" : b.failure);
    }
    md.line("| changes that did not reach every subscriber | %,d | %,d | | 0 |", m.incompleteChanges,
        b.incompleteChanges);
    md.line("| deliveries measured | %,d | %,d | | |", m.latency.getTotalCount(), b.latency.getTotalCount());
    for (double p : new double[] {50, 90, 99}) {
      row("convergence p" + (int) p + " (ms)", "%.0f", percentile(m.latency, p), percentile(b.latency, p),
          p == 99 ? RATIO_GOAL : Double.NaN);
    }
    row("convergence max (ms)", "%.0f", max(m.latency), max(b.latency), Double.NaN);
    row("initial sync, every proxy at once (s)", "%.2f", m.syncSeconds, b.syncSeconds, Double.NaN);
    row("heap per connected proxy (KB)", "%.1f", kb(m.heapPerProxy()), kb(b.heapPerProxy()), RATIO_GOAL);
    row("heap after GC, fleet synced, all processes (MB)", "%.1f", mb(m.syncedHeap), mb(b.syncedHeap), Double.NaN);
    row("heap after GC, no proxy, all processes (MB)", "%.1f", mb(m.idleHeap), mb(b.idleHeap), Double.NaN);
    row("heap used max during the run, sum of processes (MB)", "%.0f", maxSum(m, ResourceSampler.Row::heapMb),
        maxSum(b, ResourceSampler.Row::heapMb), Double.NaN);
    row("CPU of the control-plane JVMs, mean during the churn (cores)", "%.2f", churnMean(m, Comparison::nodeCores),
        churnMean(b, Comparison::nodeCores), Double.NaN);
    row("CPU of the control-plane JVMs and their database, mean during the churn (cores)", "%.2f",
        churnMean(m, Comparison::allButBench), churnMean(b, Comparison::allButBench), Double.NaN);
    row("responses (pushes) per second sent, mean during the churn", "%,.0f",
        pushes(m, ResourceSampler.Row::pushRate), pushes(b, ResourceSampler.Row::pushRate), Double.NaN);
    row("response bytes per second sent, mean during the churn", "%,.0f", pushes(m, ResourceSampler.Row::byteRate),
        pushes(b, ResourceSampler.Row::byteRate), Double.NaN);
    row("responses per second received by the fleet, mean during the churn", "%,.0f",
        churnMean(m, ResourceSampler.Row::fleetResponseRate), churnMean(b, ResourceSampler.Row::fleetResponseRate),
        Double.NaN);
    row("bytes per second received by the fleet, mean during the churn", "%,.0f",
        churnMean(m, ResourceSampler.Row::fleetByteRate), churnMean(b, ResourceSampler.Row::fleetByteRate), Double.NaN);
    row("full push per proxy, mean (bytes)", "%,.0f", fullPush(m), fullPush(b), Double.NaN);
    if (m.resumedStorm != null && b.resumedStorm != null) {
      row("storm, resumed: every proxy converged (s)", "%.2f", m.resumedStorm.converged(),
          b.resumedStorm.converged(), Double.NaN);
      row("storm, resumed: bytes received", "%,.0f", m.resumedStorm.bytes(), b.resumedStorm.bytes(), Double.NaN);
      row("storm, cold: every proxy converged (s)", "%.2f", m.coldStorm.converged(), b.coldStorm.converged(),
          Double.NaN);
      row("storm, cold: bytes received", "%,.0f", m.coldStorm.bytes(), b.coldStorm.bytes(), Double.NaN);
    }
    md.line("");
    md.line("What differs besides the machinery, from the baseline's documentation (`io.meshplane.loadtest.baseline`):")
        .line("");
    md.line("- java-control-plane serves delta CDS and LDS over ADS as wildcard: a delta proxy gets every cluster and "
        + "listener, whatever it subscribes to (more bytes per delta proxy than Meshplane sends).");
    md.line("- it ignores `initial_resource_versions` of a resumed delta stream: a reconnecting delta proxy gets "
        + "everything it subscribes to again (the resumed storm's bytes).");
    md.line("- in ADS state-of-the-world mode it does not answer a CDS, LDS or RDS request naming a resource missing "
        + "from the snapshot; the harness waits until the baseline has every service before any proxy connects.");
    md.line("- in its favour: no persistence (no Cassandra, whose CPU is in Meshplane's second CPU row), no cluster "
        + "(one process: no front, no failover, no cross-node fan-out), no per-proxy state beyond the streams, "
        + "only Services and EndpointSlices watched.");
    md.line("- pushes and bytes sent are counted by each control plane (Meshplane's `meshplane_xds_pushes_total` and "
        + "`_push_bytes_total`; the baseline's `baseline_xds_responses_total` and `_response_bytes_total`, from "
        + "java-control-plane's callbacks); the fleet's rows are measured the same way on both, and are the ones to "
        + "compare where the two disagree. The baseline has no first-answer metric, so its storms report "
        + "convergence only.");
    md.line("");
  }

  private void row(String what, String format, double mesh, double base, double goal) {
    double ratio = Double.isNaN(mesh) || Double.isNaN(base) || mesh <= 0 ? Double.NaN : base / mesh;
    String goalText = "";
    if (!Double.isNaN(goal)) {
      goalText = String.format(Locale.ROOT, "ratio >= %.0f", goal)
          + (Double.isNaN(ratio) ? "" : ratio >= goal ? " (met)" : " (**missed**)");
    }
    md.line("| %s | %s | %s | %s | %s |", what, figure(format, mesh), figure(format, base),
        Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio), goalText);
  }

  private static String figure(String format, double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, format, v);
  }

  private static double percentile(Histogram h, double p) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(p) / 1e3;
  }

  private static double max(Histogram h) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1e3;
  }

  private static double kb(long bytes) {
    return bytes < 0 ? Double.NaN : bytes / 1024.0;
  }

  private static double mb(long bytes) {
    return bytes < 0 ? Double.NaN : bytes / 1048576.0;
  }

  private static double fullPush(LoadRun r) {
    return r.fullPush.values().stream().mapToLong(Long::longValue).sum() / (double) Math.max(1, r.proxies());
  }

  private static double churnMean(LoadRun r, ToDoubleFunction<ResourceSampler.Row> value) {
    return ResourceSampler.mean(r.rows, r.churnFrom, r.churnTo, value);
  }

  /** Sum over the processes of each one's mean of a per-process rate during the churn; n/a if none has it. */
  private static double pushes(LoadRun r, java.util.function.Function<ResourceSampler.Row, double[]> perNode) {
    boolean any = r.rows.stream().anyMatch(row -> java.util.Arrays.stream(perNode.apply(row))
        .anyMatch(v -> !Double.isNaN(v)));
    return any ? LoadReport.sumOver(r, r.churnFrom, r.churnTo, perNode) : Double.NaN;
  }

  private static double maxSum(LoadRun r, java.util.function.Function<ResourceSampler.Row, double[]> perNode) {
    return ResourceSampler.max(r.rows, 0, Double.MAX_VALUE, row -> sum(perNode.apply(row)));
  }

  private static double nodeCores(ResourceSampler.Row row) {
    return sum(row.cores());
  }

  /** The control plane's processes and their database, not the bench JVM (fleet, API server, front). */
  private static double allButBench(ResourceSampler.Row row) {
    double s = sum(row.cores());
    for (Map.Entry<String, Double> e : row.otherCores().entrySet()) {
      if (!e.getKey().equals(ResourceSampler.BENCH_JVM) && !Double.isNaN(e.getValue())) {
        s += e.getValue();
      }
    }
    return s;
  }

  /** Sum ignoring NaN; NaN when every value is. */
  private static double sum(double[] values) {
    double s = 0;
    boolean any = false;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        s += v;
        any = true;
      }
    }
    return any ? s : Double.NaN;
  }
}
