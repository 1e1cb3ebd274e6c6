package io.meshplane.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The files a {@link LocalCassandra} lays out under its data directory: a minimal
 * {@code cassandra.yaml}, the rack/datacenter properties, a logback configuration, the watchdog
 * class, and reading back the tail of the server log. Stateless; called by the thread that
 * starts the server.
 */
final class CassandraFiles {

  /** SimpleSnitch always names its single data center this. */
  static final String SIMPLE_SNITCH_DATACENTER = "datacenter1";

  /** What Cassandra and the {@code dc:factor} replication settings accept as a data-center name here. */
  static final Pattern DATACENTER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

  /** A host name or IP address, without a port. */
  static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*");

  private static final Pattern SEED = Pattern.compile("[^:\\s,]+:\\d{1,5}");

  private CassandraFiles() {}

  /** A seed is {@code host:storagePort}; anything else is refused with the expected form. */
  static void checkSeed(String seed) {
    if (seed == null || !SEED.matcher(seed).matches()
        || Integer.parseInt(seed.substring(seed.lastIndexOf(':') + 1)) > 65535) {
      throw new IllegalArgumentException("a seed must be host:storagePort (for example 127.0.0.1:7000), was '"
          + seed + "'");
    }
  }

  static Path confDir(Path dataDir) {
    return dataDir.resolve("conf");
  }

  /**
   * Writes {@code conf/cassandra.yaml} (and the rackdc file when a named data center is asked).
   * With no seeds the node is its own seed; otherwise it is added to them (it then needs no other
   * node to restart). With {@code broadcastHost} the node tells the others to reach it there (and
   * is its own seed under that address, as Cassandra compares seeds with the broadcast address).
   */
  static Path writeConfig(Path dataDir, String host, int nativePort, int storagePort, String datacenter,
      List<String> seeds, Optional<String> broadcastHost) throws IOException {
    Path conf = Files.createDirectories(confDir(dataDir));
    boolean simple = SIMPLE_SNITCH_DATACENTER.equals(datacenter);
    Set<String> allSeeds = new LinkedHashSet<>(seeds);
    allSeeds.add(broadcastHost.orElse(host) + ":" + storagePort);
    List<String> lines = new ArrayList<>(List.of(
        "# Written by Meshplane's LocalCassandra on every start; edits are overwritten.",
        "cluster_name: meshplane-local",
        "num_tokens: 16",
        "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
        "endpoint_snitch: " + (simple ? "SimpleSnitch" : "GossipingPropertyFileSnitch"),
        // One node per data center here: there is nothing to rank, so skip the dynamic snitch's scoring.
        "dynamic_snitch: false",
        "seed_provider:",
        "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
        "    parameters:",
        "      - seeds: " + quote(String.join(",", allSeeds)),
        "listen_address: " + quote(host),
        "rpc_address: " + quote(host)));
    broadcastHost.ifPresent(b -> lines.add("broadcast_address: " + quote(b)));
    lines.addAll(List.of(
        "storage_port: " + storagePort,
        "native_transport_port: " + nativePort,
        "start_native_transport: true",
        "commitlog_sync: periodic",
        "commitlog_sync_period: 10000ms",
        "data_file_directories:",
        "  - " + quote(dataDir.resolve("data")),
        "commitlog_directory: " + quote(dataDir.resolve("commitlog")),
        "saved_caches_directory: " + quote(dataDir.resolve("saved_caches")),
        "hints_directory: " + quote(dataDir.resolve("hints")),
        "cdc_raw_directory: " + quote(dataDir.resolve("cdc_raw")),
        // Dropping or truncating a table in development should not leave snapshots behind.
        "auto_snapshot: false",
        ""));
    String yaml = String.join("\n", lines);
    Path file = conf.resolve("cassandra.yaml");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    if (!simple) {
      Files.writeString(conf.resolve("cassandra-rackdc.properties"),
          "dc=" + datacenter + "\nrack=rack1\n", StandardCharsets.UTF_8);
    }
    return file;
  }

  static Path rackDcFile(Path dataDir) {
    return confDir(dataDir).resolve("cassandra-rackdc.properties");
  }

  /** Cassandra logs at INFO to stdout, which the parent sends to {@code cassandra.log}. */
  static Path writeLogback(Path dataDir) throws IOException {
    String xml = String.join("\n",
        "<configuration>",
        "  <appender name=\"STDOUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
        "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern></encoder>",
        "  </appender>",
        "  <root level=\"INFO\"><appender-ref ref=\"STDOUT\"/></root>",
        "</configuration>",
        "");
    Path file = Files.createDirectories(confDir(dataDir)).resolve("logback.xml");
    Files.writeString(file, xml, StandardCharsets.UTF_8);
    return file;
  }

  /**
   * Copies the watchdog's class file into its own directory, which goes on the server's
   * classpath. Copying (rather than adding our code location) keeps the control plane's jar,
   * possibly a fat jar with other versions of Netty and Guava, off Cassandra's classpath.
   */
  static Path writeWatchdogClasses(Path dataDir) throws IOException {
    String resource = CassandraWatchdogMain.class.getName().replace('.', '/') + ".class";
    Path root = confDir(dataDir).resolve("watchdog");
    Path target = root.resolve(resource);
    Files.createDirectories(target.getParent());
    try (InputStream in = CassandraWatchdogMain.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("class file " + resource + " not found on the classpath");
      }
      Files.write(target, in.readAllBytes());
    }
    return root;
  }

  /** The last {@code lines} lines of the log, or a note saying why there are none. */
  static String tail(Path log, int lines) {
    if (!Files.isRegularFile(log)) {
      return "(no log at " + log + ")";
    }
    try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
      long length = file.length();
      int size = (int) Math.min(length, 64 * 1024);
      byte[] bytes = new byte[size];
      file.seek(length - size);
      file.readFully(bytes);
      List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\r?\n"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(could not read " + log + ": " + e + ")";
    }
  }

  private static String quote(Object value) {
    return "\"" + value.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
