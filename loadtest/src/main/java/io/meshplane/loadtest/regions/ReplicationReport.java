package io.meshplane.loadtest.regions;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The markdown report of {@link ReplicationBench}. Stateless. */
final class ReplicationReport {

  private ReplicationReport() {}

  static String markdown(ReplicationOptions o, String commandLine, List<ReplicationBench.DesignResult> results,
      String log) {
    StringBuilder b = new StringBuilder();
    line(b, "# Cross-region replication benchmark");
    line(b, "");
    line(b, "Command: `./meshplane bench replication %s`", commandLine);
    line(b, "");
    line(b, "Two regions as two ActorSystems in ONE JVM (data centers `eu` and `us` of one Pekko cluster), each "
        + "on its own Cassandra 5.0.9 data center (one node each: 127.0.0.1 dc eu, 127.0.0.2 dc us, 512 MB heap; "
        + "keyspaces NetworkTopologyStrategy {eu:1, us:1}; journal LOCAL_QUORUM, snapshots LOCAL_ONE). "
        + "%d cores, %.1f GB max heap for the app JVM, Java %s. %d services, each one share (10 endpoints, "
        + "~200 bytes) written in eu; idle window %d s; churn %.1f changes/s for %d s on random services (seed 42), "
        + "written in eu. RES journal polling: `refresh-interval` = %d ms; direct replication on.",
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / 1e9,
        System.getProperty("java.version"), o.services(), o.idle().toSeconds(), o.rate(), o.duration().toSeconds(),
        o.refreshInterval().toMillis());
    line(b, "");
    line(b, "Cassandra load is read from each node's own table metrics (`system_views.local_read_latency` + "
        + "`local_scan_latency`, `local_write_latency`, `coordinator_read_latency` + `coordinator_scan_latency`, "
        + "`coordinator_write_latency`, summed over the journal and snapshot keyspaces): local = replica-side "
        + "work on that node, coordinator = requests the app sent to that node. CPU is the Cassandra JVM's "
        + "user+system time (100 %% = one core).");
    line(b, "");
    line(b, "## Propagation during churn (write in eu -> persisted and applied in us)");
    line(b, "");
    line(b, "| design | sent | failed | applied in us | p50 ms | p90 ms | p99 ms | max ms | forwards re-sent during churn |");
    line(b, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (var r : results) {
      Histogram h = r.propagation();
      line(b, "| %s | %d | %d | %d | %s | %s | %s | %s | %d |", r.design(), r.sent(), r.failed(), r.applied(),
          ms(h, 50), ms(h, 90), ms(h, 99), max(h), r.retries());
    }
    line(b, "");
    line(b, "Creation (all services written at once, %d in flight):", 64);
    line(b, "");
    line(b, "| design | services | failed writes | seconds until all applied in us | p50 ms | p99 ms | max ms "
        + "| forwards re-sent |");
    line(b, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (var r : results) {
      line(b, "| %s | %d | %d | %.1f | %s | %s | %s | %d |", r.design(), r.services(), r.creationFailed(),
          r.creationSeconds(), ms(r.creation(), 50), ms(r.creation(), 99), max(r.creation()), r.creationRetries());
    }
    line(b, "");
    line(b, "## Cassandra load per node (operations per second)");
    line(b, "");
    line(b, "| design | phase | node | local reads/s | local writes/s | coordinator reads/s | coordinator writes/s "
        + "| CPU %% |");
    line(b, "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (var r : results) {
      rates(b, r.design(), "idle", r.idle());
      rates(b, r.design(), "churn", r.churn());
    }
    line(b, "");
    line(b, "## Memory");
    line(b, "");
    line(b, "| design | app heap after GC: before the regions | idle with all services | after churn "
        + "| per service (idle - before) | Cassandra RSS eu / us |");
    line(b, "| --- | ---: | ---: | ---: | ---: | ---: |");
    for (var r : results) {
      line(b, "| %s | %.1f MB | %.1f MB | %.1f MB | %.2f KB | %.0f / %.0f MB |", r.design(), r.heapBaseline() / 1e6,
          r.heapIdle() / 1e6, r.heapAfterChurn() / 1e6, (r.heapIdle() - r.heapBaseline()) / 1e3 / r.services(),
          r.cassandraRss().getOrDefault(ReplicationBench.EU, -1L) / 1e6,
          r.cassandraRss().getOrDefault(ReplicationBench.US, -1L) / 1e6);
    }
    line(b, "");
    line(b, "Both regions' heaps are in this one JVM; the figures are their sum.");
    line(b, "");
    line(b, "![propagation CDF](propagation-cdf.png)");
    line(b, "");
    line(b, "## Log");
    line(b, "");
    b.append(log);
    return b.toString();
  }

  private static void rates(StringBuilder b, String design, String phase, Map<String, CassandraLoad.Rates> rates) {
    rates.forEach((dc, r) -> line(b, "| %s | %s | %s | %.1f | %.1f | %.1f | %.1f | %.0f |", design, phase, dc,
        r.localReads(), r.localWrites(), r.coordinatorReads(), r.coordinatorWrites(), r.cpuPercent()));
  }

  private static String ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", h.getValueAtPercentile(percentile) / 1e3);
  }

  private static String max(Histogram h) {
    return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", h.getMaxValue() / 1e3);
  }

  private static void line(StringBuilder b, String format, Object... args) {
    b.append(String.format(Locale.ROOT, format, args)).append('\n');
  }
}
