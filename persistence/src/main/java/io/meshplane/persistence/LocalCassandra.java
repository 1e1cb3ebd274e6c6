package io.meshplane.persistence;

import static java.util.Objects.requireNonNull;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Cassandra 5 server running as a child JVM, for development and integration tests: the
 * launcher writes a minimal configuration under a data directory of the caller's choosing, starts
 * {@code CassandraDaemon} (through {@link CassandraWatchdogMain}) on the jars that the
 * cassandra-server module resolved, and returns once the CQL port accepts a session.
 *
 * <p>The child dies with its parent: this object holds the child's stdin open and the watchdog
 * halts Cassandra when that pipe closes, even after {@code kill -9} of the parent. {@link #stop()}
 * shuts it down cleanly (SIGTERM, then SIGKILL after 30 s); a JVM shutdown hook does the same.
 *
 * <p>Thread-safe: {@link #stop()} may race with the shutdown hook.
 */
public final class LocalCassandra implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LocalCassandra.class);
  private static final int TAIL_LINES = 40;
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);
  /**
   * Request timeout of {@link #session()}: a schema change that two data centers must agree on
   * took more than the driver's default 2 s on a loaded 2-core machine.
   */
  private static final Duration SESSION_REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /**
   * How to run the server. Port 0 picks a free port; a data center other than
   * {@code datacenter1} switches from SimpleSnitch to GossipingPropertyFileSnitch. {@code seeds}
   * lists the gossip seeds as {@code host:storagePort}; empty means this node is its own (and
   * only) seed. A node of a second data center names a node of the first here to join its ring.
   * {@code broadcastHost} is the address the other nodes reach this one's storage port at (its
   * {@code broadcast_address}); empty: {@code host}. Another loopback address lets a test put a
   * forwarder it can cut between the nodes, on {@code broadcastHost:storagePort}. Immutable.
   */
  public record Settings(Path dataDir, String host, int nativePort, int storagePort, String datacenter,
      String heap, Duration startTimeout, List<String> seeds, Optional<String> broadcastHost) {

    public Settings {
      requireNonNull(dataDir, "dataDir");
      requireNonNull(host, "host");
      requireNonNull(datacenter, "datacenter");
      requireNonNull(heap, "heap");
      requireNonNull(startTimeout, "startTimeout");
      requireNonNull(seeds, "seeds");
      requireNonNull(broadcastHost, "broadcastHost");
      if (broadcastHost.isPresent() && !CassandraFiles.HOST.matcher(broadcastHost.get()).matches()) {
        throw new IllegalArgumentException("broadcastHost must be a host name or IP address without a port (for"
            + " example 127.0.0.3), was '" + broadcastHost.get() + "'");
      }
      if (nativePort < 0 || nativePort > 65535 || storagePort < 0 || storagePort > 65535) {
        throw new IllegalArgumentException("ports must be 0-65535 (0 = pick a free one), were native "
            + nativePort + " and storage " + storagePort);
      }
      if (startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
      }
      if (!CassandraFiles.DATACENTER_NAME.matcher(datacenter).matches()) {
        throw new IllegalArgumentException("datacenter must be letters, digits, '_' or '-' (for example eu), was '"
            + datacenter + "'");
      }
      for (String seed : seeds) {
        CassandraFiles.checkSeed(seed);
      }
      seeds = List.copyOf(seeds);
      dataDir = dataDir.toAbsolutePath().normalize();
    }

    /** Without seeds: the node is its own seed (the single-node form). */
    public Settings(Path dataDir, String host, int nativePort, int storagePort, String datacenter, String heap,
        Duration startTimeout) {
      this(dataDir, host, nativePort, storagePort, datacenter, heap, startTimeout, List.of(), Optional.empty());
    }

    /** 127.0.0.1, free ports, {@code datacenter1}, a 512 MB heap, 90 s to start, its own seed. */
    public static Settings defaults(Path dataDir) {
      return new Settings(dataDir, "127.0.0.1", 0, 0, CassandraFiles.SIMPLE_SNITCH_DATACENTER, "512m",
          Duration.ofSeconds(90), List.of(), Optional.empty());
    }

    public Settings withHost(String value) {
      return new Settings(dataDir, value, nativePort, storagePort, datacenter, heap,
          startTimeout, seeds, broadcastHost);
    }

    public Settings withPorts(int nativeValue, int storageValue) {
      return new Settings(dataDir, host, nativeValue, storageValue, datacenter, heap,
          startTimeout, seeds, broadcastHost);
    }

    public Settings withDatacenter(String value) {
      return new Settings(dataDir, host, nativePort, storagePort, value, heap, startTimeout, seeds, broadcastHost);
    }

    public Settings withHeap(String value) {
      return new Settings(dataDir, host, nativePort, storagePort, datacenter, value,
          startTimeout, seeds, broadcastHost);
    }

    public Settings withStartTimeout(Duration value) {
      return new Settings(dataDir, host, nativePort, storagePort, datacenter, heap, value, seeds, broadcastHost);
    }

    /**
     * Gossip seeds, {@code host:storagePort} each (see {@link LocalCassandra#seed()}); this node
     * is added to them when it is not listed, so that a restart alone still finds a seed.
     */
    public Settings withSeeds(List<String> value) {
      return new Settings(dataDir, host, nativePort, storagePort, datacenter, heap, startTimeout, value, broadcastHost);
    }

    /**
     * The address the other nodes reach this one at ({@code broadcast_address}); Cassandra still
     * listens on {@code host} only, so something else must forward {@code value:storagePort} to it.
     */
    public Settings withBroadcastHost(String value) {
      return new Settings(dataDir, host, nativePort, storagePort, datacenter, heap, startTimeout, seeds,
          Optional.of(value));
    }

    /** Where the other nodes reach this one's storage port: {@link #broadcastHost}, else {@link #host}. */
    public String advertisedHost() {
      return broadcastHost.orElse(host);
    }
  }

  private final Settings settings;
  private final int nativePort;
  private final int storagePort;
  private final Process process;
  private final OutputStream parentPipe;
  private final Path logFile;
  private final Thread shutdownHook;

  private LocalCassandra(Settings settings, int nativePort, int storagePort, Process process, Path logFile) {
    this.settings = settings;
    this.nativePort = nativePort;
    this.storagePort = storagePort;
    this.process = process;
    // Held open, never written: the child watchdog halts Cassandra when this pipe closes.
    this.parentPipe = process.getOutputStream();
    this.logFile = logFile;
    this.shutdownHook = new Thread(this::stop, "local-cassandra-shutdown-" + process.pid());
  }

  /**
   * Starts the server and returns once it accepts a CQL session.
   *
   * @throws CassandraStartException if the JVM exits early or the deadline passes; the message
   *     carries the tail of {@code cassandra.log}
   */
  public static LocalCassandra start(Settings settings) {
    long startNanos = System.nanoTime();
    Path dataDir = settings.dataDir();
    try {
      Files.createDirectories(dataDir);
      int nativePort = settings.nativePort() != 0 ? settings.nativePort() : CassandraCommand.freePort(settings.host());
      int storagePort = settings.storagePort() != 0 ? settings.storagePort() : CassandraCommand.freePort(settings.host());
      Path yaml = CassandraFiles.writeConfig(dataDir, settings.host(), nativePort, storagePort,
          settings.datacenter(), settings.seeds(), settings.broadcastHost());
      Path logFile = dataDir.resolve("cassandra.log");
      Files.writeString(logFile, "=== LocalCassandra start at " + Instant.now() + " ===\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      List<String> command = CassandraCommand.of(settings, dataDir, yaml);
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(dataDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      log.info("starting Cassandra on {}:{} (storage port {}, dc {}, seeds {}, data in {})", settings.host(),
          nativePort, storagePort, settings.datacenter(),
          settings.seeds().isEmpty() ? "itself" : settings.seeds(), dataDir);
      LocalCassandra cassandra = new LocalCassandra(settings, nativePort, storagePort, builder.start(), logFile);
      Runtime.getRuntime().addShutdownHook(cassandra.shutdownHook);
      cassandra.awaitCql(startNanos);
      return cassandra;
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare Cassandra under " + dataDir, e);
    }
  }

  public String host() {
    return settings.host();
  }

  public int nativePort() {
    return nativePort;
  }

  /** The inter-node port; pass it again (with the native port) to restart on the same data. */
  public int storagePort() {
    return storagePort;
  }

  public String datacenter() {
    return settings.datacenter();
  }

  /** {@code host:port} of the CQL port, as the driver's {@code basic.contact-points} wants it. */
  public String contactPoint() {
    return settings.host() + ":" + nativePort;
  }

  /**
   * {@code host:storagePort}, with the broadcast host if one is set: what another node lists in
   * {@link Settings#withSeeds} to join this one.
   */
  public String seed() {
    return settings.advertisedHost() + ":" + storagePort;
  }

  /**
   * A new driver session to this node, in its data center, for tests and tools to inspect it
   * directly; the caller closes it. Requests time out after 30 s, not the driver's 2 s: this is a
   * check of what the server holds, not of how fast a loaded machine answers.
   */
  public CqlSession session() {
    return CqlSession.builder()
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, SESSION_REQUEST_TIMEOUT)
            .build())
        .addContactPoint(new InetSocketAddress(settings.host(), nativePort))
        .withLocalDatacenter(settings.datacenter())
        .build();
  }

  /** The settings with the ports actually bound: start again from these to restart on the same data. */
  public Settings boundSettings() {
    return settings.withPorts(nativePort, storagePort);
  }

  /** Process id of the Cassandra JVM. */
  public long pid() {
    return process.pid();
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isRunning() {
    return process.isAlive();
  }

  /** Stops the server: SIGTERM, up to 30 s for a clean shutdown, then SIGKILL. Idempotent. */
  public synchronized void stop() {
    try {
      if (process.isAlive()) {
        log.info("stopping Cassandra {} (pid {})", contactPoint(), process.pid());
        // Not Process.destroy(): that also closes the child's stdin at once, and the watchdog
        // would then halt Cassandra in the middle of its clean shutdown.
        process.toHandle().destroy();
        if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("Cassandra {} (pid {}) ignored SIGTERM for {}; killing it", contactPoint(), process.pid(),
              STOP_GRACE);
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        log.info("Cassandra {} stopped with exit code {}", contactPoint(),
            process.isAlive() ? "(still running)" : process.exitValue());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    } finally {
      closeParentPipe();
      removeShutdownHook();
    }
  }

  /**
   * Kills the server with SIGKILL, as a crash would, and waits until it is gone: no drain, no
   * flush (the commit log is replayed on the next start). Idempotent.
   */
  public synchronized void kill() {
    try {
      if (process.isAlive()) {
        log.info("killing Cassandra {} (pid {}) with SIGKILL", contactPoint(), process.pid());
        process.toHandle().destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("Cassandra pid " + process.pid() + " survived SIGKILL for 30 s");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeParentPipe();
      removeShutdownHook();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private void awaitCql(long startNanos) {
    long deadline = startNanos + settings.startTimeout().toNanos();
    try {
      while (true) {
        // Waiting on the process doubles as the poll interval and notices an early exit at once.
        if (process.waitFor(250, TimeUnit.MILLISECONDS)) {
          stop();
          throw failure("Cassandra exited with code " + process.exitValue() + " before accepting CQL");
        }
        if (CqlProbe.answers(settings.host(), nativePort, settings.datacenter())) {
          log.info("Cassandra {} (dc {}, pid {}) accepted CQL {} ms after start", contactPoint(),
              settings.datacenter(), process.pid(), (System.nanoTime() - startNanos) / 1_000_000);
          return;
        }
        if (System.nanoTime() - deadline > 0) {
          stop();
          throw failure("Cassandra did not accept CQL on " + contactPoint() + " within "
              + settings.startTimeout());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new CassandraStartException("interrupted while waiting for Cassandra on " + contactPoint(), e);
    }
  }

  private CassandraStartException failure(String what) {
    return new CassandraStartException(what + "; last lines of " + logFile + ":\n"
        + CassandraFiles.tail(logFile, TAIL_LINES));
  }

  private void closeParentPipe() {
    try {
      parentPipe.close();
    } catch (IOException e) {
      log.debug("closing Cassandra's stdin failed: {}", e.toString());
    }
  }

  private void removeShutdownHook() {
    if (Thread.currentThread() == shutdownHook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs stop() again, which is then a no-op.
    }
  }
}
