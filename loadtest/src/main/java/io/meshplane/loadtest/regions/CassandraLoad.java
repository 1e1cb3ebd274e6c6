package io.meshplane.loadtest.regions;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.meshplane.persistence.LocalCassandra;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads and writes served by one Cassandra node, from the node's own table metrics: the
 * {@code system_views} virtual tables {@code local_read_latency}, {@code local_scan_latency},
 * {@code local_write_latency} (replica-side work: a cross-region write counts on both nodes)
 * and {@code coordinator_read_latency} / {@code coordinator_write_latency} (requests clients sent
 * to this node), summed over the journal and snapshot keyspaces; and the node's CPU time from
 * {@code /proc}. One driver session pinned to the node; used by the benchmark thread only.
 */
public final class CassandraLoad implements AutoCloseable {

  /** Cumulative counts of one node at one instant. */
  public record Sample(long nanos, long localReads, long localWrites, long coordinatorReads, long coordinatorWrites,
      long cpuTicks) {

    /** Per-second rates between {@code earlier} and this sample. */
    public Rates since(Sample earlier) {
      double seconds = (nanos - earlier.nanos) / 1e9;
      return new Rates(seconds, (localReads - earlier.localReads) / seconds,
          (localWrites - earlier.localWrites) / seconds, (coordinatorReads - earlier.coordinatorReads) / seconds,
          (coordinatorWrites - earlier.coordinatorWrites) / seconds,
          100.0 * (cpuTicks - earlier.cpuTicks) / CLOCK_TICKS / seconds);
    }
  }

  /** Per-second rates over a window; {@code cpuPercent} of one core. */
  public record Rates(double seconds, double localReads, double localWrites, double coordinatorReads,
      double coordinatorWrites, double cpuPercent) {}

  /** Meshplane's journal and snapshot keyspaces: the load counted by default. */
  public static final Set<String> MESHPLANE_KEYSPACES = Set.of("meshplane_journal", "meshplane_snapshot");

  /** Linux USER_HZ; {@code getconf CLK_TCK} is 100 on every kernel configuration we meet. */
  private static final double CLOCK_TICKS = 100;

  private final LocalCassandra node;
  private final Set<String> keyspaces;
  private final CqlSession session;

  public CassandraLoad(LocalCassandra node, Set<String> keyspaces) {
    this.node = node;
    this.keyspaces = Set.copyOf(keyspaces);
    this.session = CqlSession.builder()
        .addContactPoint(new InetSocketAddress(node.host(), node.nativePort()))
        .withLocalDatacenter(node.datacenter())
        .build();
  }

  public String datacenter() {
    return node.datacenter();
  }

  public Sample sample() {
    return new Sample(System.nanoTime(), count("local_read_latency") + count("local_scan_latency"),
        count("local_write_latency"), count("coordinator_read_latency") + count("coordinator_scan_latency"),
        count("coordinator_write_latency"), cpuTicks());
  }

  /** Whether this node's schema has the table yet (schema changes reach each node on their own). */
  boolean hasTable(String keyspace, String table) {
    return session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?",
        keyspace, table).one() != null;
  }

  /** Resident memory of the Cassandra JVM in bytes, or -1 when /proc cannot be read. */
  public long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(node.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // reported as unknown
    }
    return -1;
  }

  private long count(String table) {
    long sum = 0;
    for (Row row : session.execute("SELECT keyspace_name, count FROM system_views." + table)) {
      if (keyspaces.contains(row.getString("keyspace_name"))) {
        sum += row.getLong("count");
      }
    }
    return sum;
  }

  private long cpuTicks() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(node.pid()), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    session.close();
  }
}
