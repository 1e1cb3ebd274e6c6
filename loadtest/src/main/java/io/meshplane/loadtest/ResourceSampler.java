package io.meshplane.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * Samples a run once per interval on its own thread: per control-plane node the CPU it used (cores,
 * from the process's total CPU time), heap used (through {@link HeapProbe}), connected proxies and
 * pushes and push bytes per second (from its metrics, when it has them); the CPU of the other
 * processes of the run (Cassandra, this JVM, which also runs the simulated API server and the
 * fleet); what the fleet received per second; and the convergence latencies recorded in the
 * interval. Rows are read once sampling has stopped.
 */
final class ResourceSampler implements AutoCloseable {

  static final String CONNECTED = "meshplane_xds_connected_proxies";
  static final String PUSHES = "meshplane_xds_pushes_total";
  static final String PUSH_BYTES = "meshplane_xds_push_bytes_total";
  /** The name under which this JVM's own CPU is sampled. */
  static final String BENCH_JVM = "bench JVM (fleet, API server, front)";

  /**
   * One sample; per-node arrays are indexed by node, NaN where unknown. Rates are per second since
   * the previous sample; latencies (ms) are those recorded in the interval.
   */
  record Row(double t, double[] cores, double[] heapMb, double[] connected, double[] pushRate, double[] byteRate,
      Map<String, Double> otherCores, double fleetResponseRate, double fleetByteRate, long deliveries,
      double p50, double p99, double max) {}

  private final ControlPlaneUnderTest cp;
  private final Map<String, Long> others;
  private final Fleet fleet;
  private final Changes changes;
  private final HeapProbe heap;
  private final long t0 = System.nanoTime();
  private final List<Row> rows = new ArrayList<>();
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "resource-sampler");
    t.setDaemon(true);
    return t;
  });
  private long lastNanos = t0;
  private final Map<Long, Long> lastCpu = new LinkedHashMap<>();
  private double[] lastPushes;
  private double[] lastBytes;
  private long lastFleetResponses;
  private long lastFleetBytes;

  /**
   * @param others other processes to watch (name -> pid)
   * @param changes whose interval latencies to sample; null for none
   */
  ResourceSampler(ControlPlaneUnderTest cp, Map<String, Long> others, Fleet fleet, Changes changes, HeapProbe heap) {
    this.cp = cp;
    this.others = new LinkedHashMap<>(others);
    this.others.put(BENCH_JVM, ProcessHandle.current().pid());
    this.fleet = fleet;
    this.changes = changes;
    this.heap = heap;
    lastPushes = new double[cp.size()];
    lastBytes = new double[cp.size()];
  }

  /** Seconds since this sampler was made: the time axis of its rows. */
  double now() {
    return Waits.secondsSince(t0);
  }

  ResourceSampler start(Duration every) {
    sample();
    thread.scheduleWithFixedDelay(this::sample, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Stops sampling (after a last sample) and returns the rows. */
  synchronized List<Row> stop() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample();
    return List.copyOf(rows);
  }

  private synchronized void sample() {
    try {
      long now = System.nanoTime();
      double dt = Math.max(1e-3, (now - lastNanos) / 1e9);
      int n = cp.size();
      double[] cores = new double[n];
      double[] heapMb = new double[n];
      double[] connected = new double[n];
      double[] pushRate = new double[n];
      double[] byteRate = new double[n];
      for (int i = 0; i < n; i++) {
        Optional<Long> pid = cp.pid(i);
        cores[i] = pid.map(p -> cores(p, dt)).orElse(Double.NaN);
        heapMb[i] = pid.map(p -> heap.used(p)).filter(h -> h.isPresent()).map(h -> h.getAsLong() / 1048576.0)
            .orElse(Double.NaN);
        Optional<String> metrics = cp.metrics(i);
        connected[i] = metrics.map(m -> Prometheus.sum(m, CONNECTED)).orElse(Double.NaN);
        double pushes = metrics.map(m -> Prometheus.sum(m, PUSHES)).orElse(Double.NaN);
        double bytes = metrics.map(m -> Prometheus.sum(m, PUSH_BYTES)).orElse(Double.NaN);
        pushRate[i] = rate(pushes, lastPushes, i, dt);
        byteRate[i] = rate(bytes, lastBytes, i, dt);
      }
      Map<String, Double> other = new LinkedHashMap<>();
      others.forEach((name, pid) -> other.put(name, cores(pid, dt)));
      long responses = fleet.responses();
      long bytes = fleet.bytes(fleet.proxies);
      double fleetResponses = rows.isEmpty() ? 0 : (responses - lastFleetResponses) / dt;
      double fleetBytes = rows.isEmpty() ? 0 : (bytes - lastFleetBytes) / dt;
      lastFleetResponses = responses;
      lastFleetBytes = bytes;
      Histogram h = changes == null ? new Histogram(3) : changes.interval();
      boolean any = h.getTotalCount() > 0;
      rows.add(new Row((now - t0) / 1e9, cores, heapMb, connected, pushRate, byteRate, other, fleetResponses,
          fleetBytes, h.getTotalCount(), any ? h.getValueAtPercentile(50) / 1e3 : Double.NaN,
          any ? h.getValueAtPercentile(99) / 1e3 : Double.NaN, any ? h.getMaxValue() / 1e3 : Double.NaN));
      lastNanos = now;
    } catch (RuntimeException e) {
      System.err.println("resource sampler: " + e);
    }
  }

  private static double rate(double value, double[] last, int i, double dt) {
    if (Double.isNaN(value)) {
      return Double.NaN;
    }
    double r = last[i] == 0 || value < last[i] ? 0 : (value - last[i]) / dt;
    last[i] = value;
    return r;
  }

  private double cores(long pid, double dt) {
    Optional<Duration> cpu = ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration());
    if (cpu.isEmpty()) {
      return Double.NaN;
    }
    long nanos = cpu.get().toNanos();
    Long before = lastCpu.put(pid, nanos);
    return before == null ? Double.NaN : (nanos - before) / 1e9 / dt;
  }

  /** Mean of a row value over rows with {@code from <= t <= to}, ignoring NaN. */
  static double mean(List<Row> rows, double from, double to, ToDoubleFunction<Row> value) {
    return rows.stream().filter(r -> r.t() >= from && r.t() <= to).mapToDouble(value)
        .filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
  }

  /** Largest row value over rows with {@code from <= t <= to}, ignoring NaN. */
  static double max(List<Row> rows, double from, double to, ToDoubleFunction<Row> value) {
    return rows.stream().filter(r -> r.t() >= from && r.t() <= to).mapToDouble(value)
        .filter(v -> !Double.isNaN(v)).max().orElse(Double.NaN);
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
