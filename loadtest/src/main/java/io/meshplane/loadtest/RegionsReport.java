package io.meshplane.loadtest;

import io.meshplane.loadtest.regions.CassandraLoad;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The markdown report and charts of {@code ./meshplane bench regions}, with the figures against
 * the goals of issue 6: proxies of a lost region served again within {@value #SERVED_GOAL_S} s,
 * cross-region propagation p99 at most {@value #P99_GOAL_MS} ms, a replication cost that does not
 * grow with idle services.
 */
final class RegionsReport {

  static final double SERVED_GOAL_S = 10;
  static final double P99_GOAL_MS = 1000;

  private final Path out;
  private final RegionsOptions o;
  private final String args;
  private final RegionsBench.Result r;
  private final LoadReport md;

  RegionsReport(Path out, RegionsOptions o, String args, RegionsBench.Result r) {
    this.out = out;
    this.o = o;
    this.args = args;
    this.r = r;
    this.md = new LoadReport(out);
  }

  Path write() {
    md.header("regions", args);
    md.line("Two regions (eu, us), %d control-plane JVM(s) each, each region with its own Cassandra data center "
        + "(one node each: 127.0.0.1 dc eu, 127.0.0.2 dc us); one Pekko cluster; member clusters member-0 (homed in "
        + "eu, net-a), member-1 (us, net-b), member-2 (us, net-a), fabric8 mock API servers joined by remote secrets; "
        + "service svc-s in member s %% 3. Per region %d simulated sidecars (half SotW, half delta) on net-a through "
        + "the region's stable address (a TCP front preferring the region's nodes), eu's in member-0, us's in "
        + "member-2, %d services each among the first %,d. Churn: %.1f endpoint writes/s for %d s in member-0 (homed "
        + "in eu); a change reaches eu's proxies from eu's nodes and us's proxies through replication to us.",
        o.nodes(), o.proxies(), o.perProxy(), o.services(), o.rate(), o.duration().toSeconds());
    md.line("");
    if (r.failure != null) {
      md.line("**Did not complete:** %s", r.failure).line("");
    }
    md.line("Every proxy on the ground truth at the end: %,d of %,d.", r.convergedProxies, r.proxies);
    md.line("");
    propagation();
    cassandra();
    failover();
    md.line("![propagation CDF](regions-propagation-cdf.png) ![Cassandra load](regions-cassandra.png) "
        + "![failover](regions-failover.png)");
    return md.write();
  }

  private void propagation() {
    md.line("## Propagation: API-server write in member-0 (eu) -> proxy holding the new view");
    md.line("");
    md.line("| services | proxies of | deliveries | p50 / p90 / p99 / max (ms) | goal (us: p99 <= %.0f ms) |",
        P99_GOAL_MS);
    md.line("| ---: | --- | ---: | --- | --- |");
    Map<String, Histogram> curves = new LinkedHashMap<>();
    for (RegionsBench.Size s : r.sizes) {
      md.line("| | %,d services created (one per cluster, s %% 3), held by both regions after %s | | | |", s.services,
          seconds(s.takeInSeconds));
      md.line("| | churn: %,d writes in %.1f s, %,d missed a subscriber; all converged %s after | | | |", s.writes,
          s.churnSeconds, s.incomplete, Double.isNaN(s.convergedAfterChurn) ? "not" : seconds(s.convergedAfterChurn));
      s.latency.forEach((region, h) -> {
        boolean cross = region.equals(RegionMesh.US);
        double p99 = h.getValueAtPercentile(99) / 1e3;
        md.line("| %,d | %s (%s) | %,d | %s | %s |", s.services, region, cross ? "cross-region" : "same region",
            h.getTotalCount(), MulticlusterBench.percentiles(h), !cross || h.getTotalCount() == 0 ? ""
                : p99 <= P99_GOAL_MS ? "met" : String.format(Locale.ROOT, "missed by %.0f ms", p99 - P99_GOAL_MS));
        curves.put(region + (cross ? " (cross-region)" : " (same region)") + ", " + s.services + " services", h);
      });
    }
    md.line("");
    Charts.cdf(out.resolve("regions-propagation-cdf.png"), "Write in member-0 (eu) -> proxy holding it", curves);
  }

  private void cassandra() {
    md.line("## Cassandra load per node (journal and snapshot keyspaces, the node's own table metrics)");
    md.line("");
    md.line("| services | phase | node | local reads/s | local writes/s | coordinator reads/s | coordinator writes/s "
        + "| CPU (%% of a core) |");
    md.line("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    int phase = 0;
    for (RegionsBench.Size s : r.sizes) {
      phase = rates(s.services, "idle " + o.idle().toSeconds() + " s", s.idle, series, phase);
      phase = rates(s.services, String.format(Locale.ROOT, "churn %.0f/s", o.rate()), s.churn, series, phase);
    }
    md.line("");
    Charts.lines(out.resolve("regions-cassandra.png"), "Cassandra per node: idle and churn at "
        + o.services() + " then " + o.growTo() + " services", "phase (0 idle, 1 churn, 2 idle, 3 churn)",
        "per second", series);
  }

  private int rates(int services, String phase, Map<String, CassandraLoad.Rates> rates,
      Map<String, List<double[]>> series, int x) {
    rates.forEach((dc, v) -> {
      md.line("| %,d | %s | %s | %.1f | %.1f | %.1f | %.1f | %.0f |", services, phase, dc, v.localReads(),
          v.localWrites(), v.coordinatorReads(), v.coordinatorWrites(), v.cpuPercent());
      series.computeIfAbsent(dc + " local reads/s", k -> new java.util.ArrayList<>()).add(new double[] {x,
          v.localReads()});
      series.computeIfAbsent(dc + " local writes/s", k -> new java.util.ArrayList<>()).add(new double[] {x,
          v.localWrites()});
    });
    return x + 1;
  }

  private void failover() {
    RegionsBench.Failover f = r.failover;
    md.line("## Region failover: kill -9 every node of eu (%d)", o.nodes());
    md.line("");
    md.line("| step | seconds after the kill | goal |");
    md.line("| --- | --- | --- |");
    md.line("| kill -9 returned | %s | |", seconds(f.killSeconds));
    md.line("| last of eu's %d proxies opened its new stream | %s | |", f.victims, seconds(f.reopenedMax));
    md.line("| every eu proxy has a new stream answered by us and holds the ground truth (**served again**) | "
        + "**%s** | <= %.0f s%s |", seconds(f.servedSeconds), SERVED_GOAL_S,
        Double.isNaN(f.servedSeconds) ? "" : f.servedSeconds <= SERVED_GOAL_S ? ": met" : ": missed");
    md.line("| us watches member-0 (take-over) | %s | |", seconds(f.takeOverSeconds));
    md.line("| one change written to each of the %d subscribed member-0 services | %s to %s | |", f.changes,
        seconds(f.writesFrom), seconds(f.writesTo));
    md.line("| first of them at every subscriber (both regions) | %s | |", seconds(f.firstChange));
    md.line("| every one at every subscriber (**changes flow again**) | **%s** | |", seconds(f.allChanges));
    md.line("| ... write -> proxy, p50 / p90 / p99 / max | %s | |", MulticlusterBench.percentiles(f.changeLatency));
    md.line("| us proxies that lost their stream | %,d | 0 |", f.usReconnected);
    if (o.handBack()) {
      md.line("| eu's node(s) started again (until ready; seconds after the restart from here on) | %s | |",
          seconds(f.restartSeconds));
      md.line("| member-0's watch back in eu, as both regions see it (**hand-back**) | **%s** | |",
          seconds(f.handBackSeconds));
      md.line("| a change to each subscribed member-0 service after the return, write -> proxy, p50 / p90 / p99 / "
          + "max | %s (%s incomplete) | |", MulticlusterBench.percentiles(f.afterReturn),
          f.afterReturnIncomplete < 0 ? "n/a" : String.valueOf(f.afterReturnIncomplete));
    }
    md.line("");
    Map<String, List<double[]>> series = new LinkedHashMap<>();
    series.put("eu's proxies served again by us", f.served);
    series.put("member-0 changes at every subscriber", f.flowing);
    Charts.steps(out.resolve("regions-failover.png"), "kill -9 of region eu", "seconds since the kill",
        "fraction done", series);
  }

  private static String seconds(double s) {
    return Double.isNaN(s) ? "n/a" : String.format(Locale.ROOT, "%.2f s", s);
  }
}
