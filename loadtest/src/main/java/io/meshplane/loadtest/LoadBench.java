package io.meshplane.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The load scenarios of issue 5 against real processes: {@code small} (a quick check, run by
 * {@code mvn verify}), {@code fleet} (churn at a set rate on a large fleet), {@code storm} (every
 * proxy reconnects at once) and {@code scale} (a sweep of proxies and services on one control
 * plane). Each writes report.md and PNG charts to its own directory.
 */
final class LoadBench {

  /**
   * What a scenario ended with: where its report is and whether the fleet converged; with
   * {@code --baseline}, the baseline's run of the same scenario too.
   */
  record Outcome(Path dir, int proxies, long converged, long incompleteChanges, boolean completed,
      Optional<Outcome> baseline) {
    Outcome {
      java.util.Objects.requireNonNull(baseline, "baseline");
    }

    Outcome(Path dir, int proxies, long converged, long incompleteChanges) {
      this(dir, proxies, converged, incompleteChanges, true, Optional.empty());
    }

    static Outcome of(Path dir, LoadRun r) {
      return new Outcome(dir, r.proxies(), r.convergedProxies, r.incompleteChanges, r.failure == null,
          Optional.empty());
    }

    /**
     * Every phase completed, every proxy converged and every change reached its subscribers, on
     * each control plane run.
     */
    boolean ok() {
      return completed && converged == proxies && incompleteChanges == 0 && baseline.map(Outcome::ok).orElse(true);
    }
  }

  /** The flag that runs the scenario against the java-control-plane baseline too. */
  static final String BASELINE = "--baseline";
  /** The flag that records each node with Java Flight Recorder and adds where the CPU went. */
  static final String PROFILE = "--profile";

  static final Set<String> SCENARIOS = Set.of("small", "fleet", "storm", "scale");

  private LoadBench() {}

  static Map<String, String> defaults(String scenario) {
    Map<String, String> d = new LinkedHashMap<>();
    boolean small = scenario.equals("small");
    d.put("proxies", small ? "60" : scenario.equals("scale") ? "1000" : "5000");
    d.put("services", small ? "20" : "1000");
    d.put("per-proxy", "5");
    d.put("rate", small ? "5" : scenario.equals("scale") ? "20" : "50");
    d.put("duration", small ? "20" : scenario.equals("fleet") ? "120" : "30");
    d.put("nodes", "3");
    d.put("streams-per-channel", small ? "1" : "10");
    d.put("metadata", "NAMESPACE=default,CLUSTER_ID=cluster-1,PROXY_KIND=proxyless");
    if (scenario.equals("scale")) {
      d.put("proxies-sweep", "1000,2500,5000,10000");
      d.put("services-sweep", "100,1000,5000");
    }
    return d;
  }

  static String usage(String scenario) {
    StringBuilder u = new StringBuilder("usage: ./meshplane bench " + scenario
        + " [" + BASELINE + "]" + (scenario.equals("scale") ? "" : " [" + PROFILE + "]"));
    defaults(scenario).forEach((k, v) -> u.append(" [--").append(k).append(' ').append(v).append(']'));
    return u.toString();
  }

  /**
   * Runs a scenario, writing under {@code base}/{@code <scenario>-<timestamp>}; with {@code
   * --baseline} it runs again on the java-control-plane baseline and the
   * report puts the two side by side.
   */
  static Outcome run(String scenario, List<String> args, Path base) throws Exception {
    boolean withBaseline = args.contains(BASELINE);
    boolean profile = args.contains(PROFILE);
    Options o = Options.parse(args.stream().filter(a -> !a.equals(BASELINE) && !a.equals(PROFILE)).toList(),
        defaults(scenario));
    Fleet.Settings fleet = new Fleet.Settings(o.positiveInt("proxies"), o.positiveInt("services"),
        o.positiveInt("per-proxy"), o.positiveInt("streams-per-channel"), o.map("metadata"));
    double rate = o.positiveDouble("rate");
    int duration = o.positiveInt("duration");
    int nodes = o.positiveInt("nodes");
    List<int[]> points = scenario.equals("scale") ? points(o) : List.of();
    Path out = base.resolve(scenario + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
        .toAbsolutePath();
    Files.createDirectories(out);
    System.setProperty("java.awt.headless", "true");
    LoadReport report = new LoadReport(out);
    report.header(scenario, String.join(" ", args));
    Outcome outcome;
    if (scenario.equals("scale")) {
      report.line("A sweep on one control plane (services are created as the sweep needs them and stay), each point "
          + "a fresh fleet: connect and converge, then %.1f changes/s for %d s.", rate, duration);
      report.line("");
      LoadReport meshSection = new LoadReport(out);
      List<ScalePoint> mesh;
      try (MeshUnderTest cp = new MeshUnderTest(out, nodes, List.of()); HeapProbe heap = new HeapProbe()) {
        mesh = scale(cp, fleet, points, rate, duration, heap, Map.of("cassandra", cp.cassandra.pid()), meshSection,
            out, "");
      }
      outcome = scaleOutcome(out, mesh, Optional.empty());
      if (withBaseline) {
        LoadReport baseSection = new LoadReport(out);
        try (BaselineUnderTest cp = new BaselineUnderTest(out); HeapProbe heap = new HeapProbe()) {
          List<ScalePoint> basePoints = scale(cp, fleet, points, rate, duration, heap, Map.of(), baseSection, out,
              "baseline-");
          compareScale(report, out, fleet, mesh, basePoints);
          outcome = scaleOutcome(out, mesh, Optional.of(scaleOutcome(out, basePoints, Optional.empty())));
        }
        report.line("## Meshplane's sweep").line("").line("%s", meshSection.text());
        report.line("## The baseline's sweep").line("").line("%s", baseSection.text());
      } else {
        report.line("%s", meshSection.text());
      }
    } else {
      int churnSeconds = scenario.equals("storm") ? Math.min(duration, 30) : duration;
      report.line("Churn: %.1f endpoint changes per second for %d s, each a new set of 3 endpoints of a random "
          + "service, written to the simulated API server.", rate, churnSeconds);
      report.line("");
      LoadReport meshSection = new LoadReport(out);
      LoadRun mesh;
      List<Path> recordings;
      try (MeshUnderTest cp = new MeshUnderTest(out, nodes, List.of(), profile); HeapProbe heap = new HeapProbe()) {
        mesh = phases(scenario, cp, fleet, rate, churnSeconds, heap, Map.of("cassandra", cp.cassandra.pid()),
            profile);
        recordings = cp.recordings();
      }
      meshSection.run(mesh, "");
      CpuProfile.write(meshSection, profiles(recordings));
      histograms(meshSection, "Meshplane", mesh);
      meshSection.line("![latency CDF](latency-cdf.png)").line("");
      meshSection.line("![latency over time](latency-over-time.png)").line("");
      meshSection.line("![heap over time](heap-over-time.png)").line("");
      meshSection.line("![CPU over time](cpu-over-time.png)");
      outcome = Outcome.of(out, mesh);
      if (withBaseline) {
        LoadReport baseSection = new LoadReport(out);
        baseSection.line("").line("## The baseline's run in detail").line("");
        Outcome baseOutcome;
        try (BaselineUnderTest cp = new BaselineUnderTest(out); HeapProbe heap = new HeapProbe()) {
          LoadRun b = phases(scenario, cp, fleet, rate, churnSeconds, heap, Map.of(), profile);
          Comparison.write(report, out, mesh, b);
          baseSection.run(b, "baseline");
          histograms(baseSection, "the baseline", b);
          baseSection.line("![latency over time](baseline-latency-over-time.png)").line("");
          baseSection.line("![heap over time](baseline-heap-over-time.png)").line("");
          baseSection.line("![CPU over time](baseline-cpu-over-time.png)");
          baseOutcome = Outcome.of(out, b);
        } catch (RuntimeException e) {
          // Meshplane's figures are in hand: the report says where the baseline's run failed.
          baseSection.line("The baseline's run failed: %s", e.getMessage());
          System.err.println("baseline run failed: " + e);
          baseOutcome = new Outcome(out, fleet.proxies(), 0, 0, false, Optional.empty());
        }
        report.line("## Meshplane's run in detail").line("");
        report.line("%s", meshSection.text());
        report.line("%s", baseSection.text());
        outcome = new Outcome(out, outcome.proxies(), outcome.converged(), outcome.incompleteChanges(),
            outcome.completed(), Optional.of(baseOutcome));
      } else {
        report.line("%s", meshSection.text());
      }
    }
    Path md = report.write();
    System.out.println(report.text());
    System.out.println("report: " + md);
    return outcome;
  }

  /**
   * One scenario's phases on a control plane with a fresh ground truth (same seeds every time):
   * sync, churn, the storms for {@code storm}, then the check against the ground truth.
   */
  private static LoadRun phases(String scenario, ControlPlaneUnderTest cp, Fleet.Settings fleet, double rate,
      int churnSeconds, HeapProbe heap, Map<String, Long> others, boolean profile) {
    LoadRun r = new LoadRun(cp, new Changes(cp.kube()), fleet, rate, churnSeconds, heap, others);
    r.histograms = profile;
    try (r) {
      int timeout = 120 + fleet.proxies() / 20;
      try {
        r.sync(timeout);
        r.churn(120);
        if (scenario.equals("storm")) {
          r.storms(timeout);
        }
      } catch (IllegalStateException e) {
        // A wait that timed out: the report shows how far the run got and which proxies are behind.
        r.failure = e.getMessage();
        System.err.println(cp.description() + ": " + e.getMessage());
      }
      r.finish();
    }
    return r;
  }

  private static void histograms(LoadReport section, String what, LoadRun r) {
    if (r.idleHistogram != null && r.syncedHistogram != null) {
      HeapHistogram.write(section, what, r.idleHistogram, r.syncedHistogram, r.proxies());
    }
  }

  /** The recordings the nodes wrote when they stopped (a node killed with SIGKILL writes none). */
  private static List<CpuProfile> profiles(List<Path> recordings) {
    List<CpuProfile> profiles = new ArrayList<>();
    for (Path jfr : recordings) {
      if (Files.isRegularFile(jfr)) {
        profiles.add(CpuProfile.read(jfr.getFileName().toString().replace(".jfr", ""), jfr));
      } else {
        System.err.println("no flight recording at " + jfr + " (the node did not stop cleanly)");
      }
    }
    return profiles;
  }

  private static List<int[]> points(Options o) {
    Set<List<Integer>> set = new LinkedHashSet<>();
    for (int p : o.intList("proxies-sweep")) {
      set.add(List.of(p, o.positiveInt("services")));
    }
    for (int s : o.intList("services-sweep")) {
      set.add(List.of(o.positiveInt("proxies"), s));
    }
    // Services only grow on one API server: by services, then proxies.
    return set.stream().map(l -> new int[] {l.get(0), l.get(1)})
        .sorted(Comparator.<int[]>comparingInt(a -> a[1]).thenComparingInt(a -> a[0])).toList();
  }

  private static Outcome scaleOutcome(Path out, List<ScalePoint> points, Optional<Outcome> baseline) {
    int proxies = points.stream().mapToInt(ScalePoint::proxies).sum();
    long converged = points.stream().mapToLong(ScalePoint::converged).sum();
    boolean failed = points.stream().anyMatch(p -> p.failure() != null);
    return new Outcome(out, proxies, converged, 0, !failed, baseline);
  }

  /** One point of a scale sweep: its size and what it measured (NaN where the point failed). */
  record ScalePoint(int proxies, int services, double syncSeconds, double p50Ms, double p99Ms, double heapKb,
      double cores, long converged, String failure) {

    String key() {
      return proxies + "p-" + services + "s";
    }
  }

  /**
   * The sweep on one control plane: each point a fresh fleet that connects, converges and takes
   * {@code rate} changes per second for {@code duration} s. Writes a table, charts named with
   * {@code prefix} and each point's section; returns the points.
   */
  private static List<ScalePoint> scale(ControlPlaneUnderTest cp, Fleet.Settings base, List<int[]> points,
      double rate, int duration, HeapProbe heap, Map<String, Long> others, LoadReport report, Path out,
      String prefix) {
    Changes changes = new Changes(cp.kube());
    List<ScalePoint> results = new ArrayList<>();
    StringBuilder details = new StringBuilder();
    for (int[] point : points) {
      Fleet.Settings f = new Fleet.Settings(point[0], point[1], base.perProxy(), base.streamsPerChannel(),
          base.metadata());
      String name = prefix + point[0] + "p-" + point[1] + "s";
      LoadReport section = new LoadReport(out);
      try (LoadRun r = new LoadRun(cp, changes, f, rate, duration, heap, others)) {
        r.sync(120 + point[0] / 20);
        r.churn(120);
        r.finish();
        section.line("## %s%,d proxies, %,d services", prefix.isEmpty() ? "" : "Baseline: ", point[0], point[1])
            .line("");
        section.run(r, name);
        section.line("![latency CDF](%s-latency-cdf.png) ![heap](%s-heap-over-time.png)", name, name).line("");
        double cores = ResourceSampler.mean(r.rows, r.churnFrom, r.churnTo, row -> {
          double sum = 0;
          for (double c : row.cores()) {
            sum += Double.isNaN(c) ? 0 : c;
          }
          return sum;
        });
        results.add(new ScalePoint(point[0], point[1], r.syncSeconds, r.latency.getValueAtPercentile(50) / 1e3,
            r.latency.getValueAtPercentile(99) / 1e3, r.heapPerProxy() / 1024.0, cores, r.convergedProxies,
            r.incompleteChanges == 0 ? null : r.incompleteChanges + " changes incomplete"));
      } catch (RuntimeException e) {
        results.add(new ScalePoint(point[0], point[1], Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0,
            e.getMessage()));
      }
      details.append(section.text());
    }
    report.line("| proxies | services | initial sync | convergence p50 / p99 | heap per proxy | CP cores (mean, "
        + "all nodes) | converged |");
    report.line("| --- | --- | --- | --- | --- | --- | --- |");
    for (ScalePoint p : results) {
      if (Double.isNaN(p.syncSeconds())) {
        report.line("| %,d | %,d | failed: %s | | | | |", p.proxies(), p.services(), p.failure());
      } else {
        report.line("| %,d | %,d | %.1f s | %.0f / %.0f ms | %.1f KB | %.2f | %,d of %,d%s |", p.proxies(),
            p.services(), p.syncSeconds(), p.p50Ms(), p.p99Ms(), p.heapKb(), p.cores(), p.converged(), p.proxies(),
            p.failure() == null ? "" : " (" + p.failure() + ")");
      }
    }
    report.line("");
    int services = base.services();
    int proxies = base.proxies();
    Charts.lines(out.resolve(prefix + "scale-p99.png"), "p99 convergence by fleet size, " + services + " services",
        "proxies", "ms", Map.of(prefix.isEmpty() ? "Meshplane" : "baseline",
            xy(results, p -> p.services() == services, ScalePoint::proxies, ScalePoint::p99Ms)));
    Charts.lines(out.resolve(prefix + "scale-heap.png"), "Heap per connected proxy by fleet size, " + services
        + " services", "proxies", "KB", Map.of(prefix.isEmpty() ? "Meshplane" : "baseline",
            xy(results, p -> p.services() == services, ScalePoint::proxies, ScalePoint::heapKb)));
    Charts.lines(out.resolve(prefix + "scale-p99-by-services.png"), "p99 convergence by services, " + proxies
        + " proxies", "services", "ms", Map.of(prefix.isEmpty() ? "Meshplane" : "baseline",
            xy(results, p -> p.proxies() == proxies, ScalePoint::services, ScalePoint::p99Ms)));
    report.line("![p99](%sscale-p99.png) ![heap per proxy](%sscale-heap.png) ![p99 by services](%sscale-p99-by-services.png)",
        prefix, prefix, prefix);
    report.line("");
    report.line("%s", details.toString());
    return results;
  }

  /** The points that {@code which} selects as (x, y), failed points left out, by x. */
  private static List<double[]> xy(List<ScalePoint> points, java.util.function.Predicate<ScalePoint> which,
      java.util.function.ToDoubleFunction<ScalePoint> x, java.util.function.ToDoubleFunction<ScalePoint> y) {
    return points.stream().filter(which).filter(p -> !Double.isNaN(y.applyAsDouble(p)))
        .map(p -> new double[] {x.applyAsDouble(p), y.applyAsDouble(p)})
        .sorted(Comparator.comparingDouble(a -> a[0])).toList();
  }

  /** The two sweeps side by side, ratio baseline / Meshplane (above 1 favours Meshplane). */
  private static void compareScale(LoadReport report, Path out, Fleet.Settings fleet, List<ScalePoint> mesh,
      List<ScalePoint> base) {
    report.line("## Meshplane and the java-control-plane baseline, point by point").line("");
    report.line("Ratio: baseline / Meshplane; above 1, Meshplane is lower (better).").line("");
    report.line("| proxies | services | p99 Meshplane / baseline (ms) | p99 ratio | heap per proxy Meshplane / baseline "
        + "(KB) | heap ratio | CP cores Meshplane / baseline |");
    report.line("| --- | --- | --- | --- | --- | --- | --- |");
    Map<String, ScalePoint> byKey = new LinkedHashMap<>();
    base.forEach(p -> byKey.put(p.key(), p));
    for (ScalePoint m : mesh) {
      ScalePoint b = byKey.get(m.key());
      if (b == null) {
        continue;
      }
      report.line("| %,d | %,d | %.0f / %.0f | %.2fx | %.1f / %.1f | %.2fx | %.2f / %.2f |", m.proxies(), m.services(),
          m.p99Ms(), b.p99Ms(), b.p99Ms() / m.p99Ms(), m.heapKb(), b.heapKb(), b.heapKb() / m.heapKb(), m.cores(),
          b.cores());
    }
    report.line("");
    int services = fleet.services();
    java.util.function.Predicate<ScalePoint> row = p -> p.services() == services;
    Map<String, List<double[]>> p99 = new LinkedHashMap<>();
    p99.put("Meshplane", xy(mesh, row, ScalePoint::proxies, ScalePoint::p99Ms));
    p99.put("baseline", xy(base, row, ScalePoint::proxies, ScalePoint::p99Ms));
    Charts.lines(out.resolve("scale-p99-both.png"), "p99 convergence by fleet size, " + services + " services",
        "proxies", "ms", p99);
    Map<String, List<double[]>> heapKb = new LinkedHashMap<>();
    heapKb.put("Meshplane", xy(mesh, row, ScalePoint::proxies, ScalePoint::heapKb));
    heapKb.put("baseline", xy(base, row, ScalePoint::proxies, ScalePoint::heapKb));
    Charts.lines(out.resolve("scale-heap-both.png"), "Heap per connected proxy by fleet size, " + services
        + " services", "proxies", "KB", heapKb);
    report.line("![p99, both](scale-p99-both.png) ![heap per proxy, both](scale-heap-both.png)").line("");
  }
}
