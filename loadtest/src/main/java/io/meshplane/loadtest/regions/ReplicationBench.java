package io.meshplane.loadtest.regions;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.loadtest.Charts;
import io.meshplane.persistence.CassandraRegions;
import io.meshplane.persistence.CassandraSchema;
import io.meshplane.persistence.LocalCassandra;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.ReplicatedEntityProvider;
import org.apache.pekko.cluster.sharding.typed.ReplicatedSharding;
import org.apache.pekko.cluster.sharding.typed.ReplicatedShardingExtension;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.persistence.typed.ReplicaId;

/**
 * {@code ./meshplane bench replication}: the two ways of DESIGN.md ("Regions and failover") to
 * replicate service state from one region to another, measured on two regions that run as two
 * ActorSystems IN THIS JVM, joined as data centers {@code eu} and {@code us} of one Pekko
 * cluster, each on its own Cassandra data center (two real Cassandra 5 nodes, 127.0.0.1 dc eu and
 * 127.0.0.2 dc us, keyspaces NetworkTopologyStrategy {eu:1, us:1}).
 *
 * <p>Per design: services are created (one share each, written in eu), then left idle, then
 * churned at {@code --rate} share replacements per second on random services (seeded), always
 * written in eu. Measured: propagation (written in eu until persisted and applied in us),
 * Cassandra reads and writes per second of each node while idle and during churn (from the
 * nodes' own {@code system_views} table metrics), Cassandra CPU, and the app JVM's heap after a
 * full GC. Writes {@code report.md} and a CDF chart to the run directory.
 */
public final class ReplicationBench {

  static final String EU = "eu";
  static final String US = "us";
  private static final Map<String, Integer> FACTORS = Map.of(EU, 1, US, 1);
  private static final Set<String> KEYSPACES = CassandraLoad.MESHPLANE_KEYSPACES;
  private static final int IN_FLIGHT = 64;
  private static final Duration ASK = Duration.ofSeconds(30);

  /** Writes one share replacement in region eu; completes when eu has persisted it. */
  private interface Writer {
    CompletionStage<Done> replace(String serviceId, String clusterId, String payload, long writtenAtNanos);
  }

  /** What one design measured. */
  record DesignResult(String design, int services, double creationSeconds, long creationFailed,
      long creationRetries, Histogram creation,
      Map<String, CassandraLoad.Rates> idle, Map<String, CassandraLoad.Rates> churn, long sent, long failed,
      long applied, Histogram propagation, long retries, long heapBaseline, long heapIdle, long heapAfterChurn,
      Map<String, Long> cassandraRss, boolean complete) {}

  private final ReplicationOptions options;
  private final Path out;
  private final StringBuilder log = new StringBuilder();

  ReplicationBench(ReplicationOptions options, Path out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    ReplicationOptions options;
    try {
      options = ReplicationOptions.parse(Arrays.asList(args));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Path out = Path.of("loadtest", "target", "bench",
        "replication-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath();
    Files.createDirectories(out);
    List<DesignResult> results = new ReplicationBench(options, out).run(String.join(" ", args));
    System.out.println("report: " + out.resolve("report.md"));
    System.exit(results.stream().allMatch(DesignResult::complete) ? 0 : 1);
  }

  List<DesignResult> run(String commandLine) throws IOException {
    List<DesignResult> results = new ArrayList<>();
    try (LocalCassandra eu = LocalCassandra.start(LocalCassandra.Settings.defaults(out.resolve("cassandra-eu"))
            .withDatacenter(EU));
         LocalCassandra us = LocalCassandra.start(LocalCassandra.Settings.defaults(out.resolve("cassandra-us"))
            .withHost("127.0.0.2").withDatacenter(US).withSeeds(List.of(eu.seed())));
         CassandraLoad euLoad = new CassandraLoad(eu, KEYSPACES);
         CassandraLoad usLoad = new CassandraLoad(us, KEYSPACES)) {
      Map<String, CassandraLoad> loads = new LinkedHashMap<>();
      loads.put(EU, euLoad);
      loads.put(US, usLoad);
      for (String design : options.designs()) {
        DesignResult r = runDesign(design, eu, us, loads);
        results.add(r);
        writeReport(commandLine, results);
      }
    }
    return results;
  }

  private DesignResult runDesign(String design, LocalCassandra euNode, LocalCassandra usNode,
      Map<String, CassandraLoad> loads) {
    note("design %s: %d services", design, options.services());
    Propagation propagation = new Propagation(US);
    long heapBaseline = heapAfterGc();
    ActorSystem<Void> eu = ActorSystem.create(Behaviors.empty(), "meshplane", config(EU, euNode));
    ActorSystem<Void> us = null;
    try {
      CassandraSchema.ensure(eu, Duration.ofSeconds(90));
      await("us sees the schema", Duration.ofSeconds(30), () -> loads.get(US).hasTable("meshplane_journal", "messages")
          && loads.get(US).hasTable("meshplane_snapshot", "snapshots"));
      us = ActorSystem.create(Behaviors.empty(), "meshplane", config(US, usNode));
      var seedAddress = Cluster.get(eu).selfMember().address();
      Cluster.get(eu).manager().tell(Join.create(seedAddress));
      Cluster.get(us).manager().tell(Join.create(seedAddress));
      ActorSystem<Void> usFinal = us;
      await("both regions Up in one cluster", Duration.ofSeconds(60), () -> upMembers(eu) == 2 && upMembers(usFinal) == 2);
      Writer writer = design.equals("res") ? res(eu, us, propagation) : stream(eu, us, propagation);

      int n = options.services();
      long createStart = System.nanoTime();
      Semaphore inFlight = new Semaphore(IN_FLIGHT);
      AtomicLong failed = new AtomicLong();
      for (int s = 0; s < n; s++) {
        inFlight.acquireUninterruptibly();
        writer.replace(serviceId(s), "cluster-eu-1", payload(s, 0), System.nanoTime())
            .whenComplete((done, error) -> {
              if (error != null) {
                failed.incrementAndGet();
              }
              inFlight.release();
            });
      }
      // A write that failed in eu (timeout, Cassandra overloaded) never reaches us: wait for the others.
      boolean created = await("every service created and replicated to us", Duration.ofSeconds(Math.max(120, n / 40)),
          () -> inFlight.availablePermits() == IN_FLIGHT && propagation.appliedCount() >= n - failed.get());
      double creationSeconds = (System.nanoTime() - createStart) / 1e9;
      Histogram creation = propagation.interval();
      long creationRetries = propagation.retryCount();
      note("%s: created %d services in %.1f s (%d failed writes, %d applied in us, %d forwards re-sent)", design, n,
          creationSeconds, failed.get(), propagation.appliedCount(), creationRetries);

      // Idle: nothing is written; what Cassandra still serves is the cost of keeping replicas current.
      Map<String, CassandraLoad.Rates> idle = window(loads, options.idle());
      long heapIdle = heapAfterGc();
      note("%s: idle %s", design, idle);

      long appliedBefore = propagation.appliedCount();
      propagation.interval();
      long total = Math.round(options.rate() * options.duration().toSeconds());
      Random random = new Random(42);
      AtomicLong churnFailed = new AtomicLong();
      Map<String, CassandraLoad.Sample> start = sample(loads);
      long t0 = System.nanoTime();
      for (long i = 0; i < total; i++) {
        long due = t0 + (long) (i * 1e9 / options.rate());
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait); // pacing of the open-loop generator, not synchronisation
        }
        int s = random.nextInt(n);
        writer.replace(serviceId(s), "cluster-eu-1", payload(s, i + 1), System.nanoTime())
            .whenComplete((done, error) -> {
              if (error != null) {
                churnFailed.incrementAndGet();
              }
            });
      }
      Map<String, CassandraLoad.Rates> churn = rates(start, sample(loads));
      boolean drained = await("every churn change applied in us", Duration.ofSeconds(60),
          () -> propagation.appliedCount() - appliedBefore >= total - churnFailed.get());
      Histogram latency = propagation.interval();
      long applied = propagation.appliedCount() - appliedBefore;
      long heapAfterChurn = heapAfterGc();
      Map<String, Long> rss = new LinkedHashMap<>();
      loads.forEach((dc, load) -> rss.put(dc, load.residentBytes()));
      note("%s: churn %d sent, %d failed, %d applied in us; p50 %.1f ms p99 %.1f ms max %.1f ms", design, total,
          churnFailed.get(), applied, latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
          latency.getMaxValue() / 1e3);
      return new DesignResult(design, n, creationSeconds, failed.get(), creationRetries, creation, idle, churn, total,
          churnFailed.get(), applied, latency, propagation.retryCount() - creationRetries, heapBaseline, heapIdle, heapAfterChurn, rss, created && drained);
    } finally {
      if (us != null) {
        terminate(us);
      }
      terminate(eu);
    }
  }

  private Writer res(ActorSystem<Void> eu, ActorSystem<Void> us, Propagation propagation) {
    Set<ReplicaId> replicas = Set.of(new ReplicaId(EU), new ReplicaId(US));
    ReplicatedSharding<ResService.Command> euSharding = ReplicatedShardingExtension.get(eu).init(new ReplicaId(EU),
        ReplicatedEntityProvider.createPerDataCenter(ResService.Command.class, ResService.TYPE, replicas,
            id -> ResService.create(id, replicas, propagation)).withDirectReplication(true));
    ReplicatedShardingExtension.get(us).init(new ReplicaId(US),
        ReplicatedEntityProvider.createPerDataCenter(ResService.Command.class, ResService.TYPE, replicas,
            id -> ResService.create(id, replicas, propagation)).withDirectReplication(true));
    return (serviceId, clusterId, payload, nanos) -> {
      EntityRef<ResService.Command> ref = euSharding.getEntityRefsFor(serviceId).get(new ReplicaId(EU));
      return ref.ask(replyTo -> new ResService.Replace(clusterId, payload, nanos, replyTo), ASK);
    };
  }

  private Writer stream(ActorSystem<Void> eu, ActorSystem<Void> us, Propagation propagation) {
    for (var region : List.of(eu, us)) {
      String self = region == eu ? EU : US;
      String other = region == eu ? US : EU;
      ClusterSharding sharding = ClusterSharding.get(region);
      sharding.init(Entity.of(StreamService.KEY,
          ctx -> StreamService.create(self, other, ctx.getEntityId(), propagation)));
      // The proxy to the other region's entities (this node hosts none of them).
      sharding.init(Entity.of(StreamService.KEY,
          ctx -> StreamService.create(other, self, ctx.getEntityId(), propagation)).withDataCenter(other));
    }
    ClusterSharding sharding = ClusterSharding.get(eu);
    return (serviceId, clusterId, payload, nanos) -> sharding.entityRefFor(StreamService.KEY, serviceId)
        .ask(replyTo -> new StreamService.Replace(clusterId, payload, nanos, replyTo), ASK);
  }

  private Config config(String dc, LocalCassandra node) {
    return CassandraRegions.config(dc, FACTORS).withFallback(ConfigFactory.parseString("""
        pekko {
          loglevel = INFO
          loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
          logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
          log-dead-letters = off
          actor.provider = cluster
          remote.artery.canonical.hostname = 127.0.0.1
          remote.artery.canonical.port = 0
          cluster {
            multi-data-center.self-data-center = %s
            jmx.multi-mbeans-in-same-jvm = on
            # Replicas must keep running to keep replicating (RES pulls only while a replica runs).
            sharding.passivation.strategy = none
          }
          persistence.cassandra.query.refresh-interval = %dms
          actor.serializers.meshplane-regions-bench = "io.meshplane.loadtest.regions.RegionSerializer"
          actor.serialization-bindings {
            "io.meshplane.loadtest.regions.RegionMessage" = meshplane-regions-bench
          }
        }
        datastax-java-driver.basic.contact-points = ["%s"]
        """.formatted(dc, options.refreshInterval().toMillis(), node.contactPoint())))
        .withFallback(ConfigFactory.load());
  }

  static String serviceId(int s) {
    return "svc-" + s + ".ns-" + (s % 50) + ".svc.cluster.local";
  }

  /** Ten endpoints, about 200 bytes: what one member cluster contributes to a small service. */
  static String payload(int service, long version) {
    StringBuilder b = new StringBuilder("v").append(version);
    for (int k = 0; k < 10; k++) {
      b.append(';').append("10.").append(service / 256 % 256).append('.').append(service % 256).append('.')
          .append(k + 1).append(":8080");
    }
    return b.toString();
  }

  private static int upMembers(ActorSystem<?> system) {
    int up = 0;
    for (var m : Cluster.get(system).state().getMembers()) {
      if (m.status() == MemberStatus.up()) {
        up++;
      }
    }
    return up;
  }

  private static Map<String, CassandraLoad.Sample> sample(Map<String, CassandraLoad> loads) {
    Map<String, CassandraLoad.Sample> samples = new LinkedHashMap<>();
    loads.forEach((dc, load) -> samples.put(dc, load.sample()));
    return samples;
  }

  private static Map<String, CassandraLoad.Rates> rates(Map<String, CassandraLoad.Sample> start,
      Map<String, CassandraLoad.Sample> end) {
    Map<String, CassandraLoad.Rates> rates = new LinkedHashMap<>();
    end.forEach((dc, s) -> rates.put(dc, s.since(start.get(dc))));
    return rates;
  }

  /** Rates over a window of {@code length} in which the benchmark itself does nothing. */
  private static Map<String, CassandraLoad.Rates> window(Map<String, CassandraLoad> loads, Duration length) {
    Map<String, CassandraLoad.Sample> start = sample(loads);
    long end = System.nanoTime() + length.toNanos();
    while (System.nanoTime() < end) {
      LockSupport.parkNanos(end - System.nanoTime()); // the measurement window itself
    }
    return rates(start, sample(loads));
  }

  private static long heapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    memory.gc();
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private boolean await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    boolean ok = condition.getAsBoolean();
    if (!ok) {
      note("TIMED OUT after %s: %s", timeout, what);
    }
    return ok;
  }

  private static void terminate(ActorSystem<?> system) {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      System.err.println("actor system " + system.name() + " did not terminate: " + e);
    }
  }

  private void note(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    System.out.println("[replication] " + line);
    log.append("- ").append(line).append('\n');
  }

  private void writeReport(String commandLine, List<DesignResult> results) throws IOException {
    Map<String, Histogram> curves = new LinkedHashMap<>();
    results.forEach(r -> curves.put(r.design() + " (churn)", r.propagation()));
    Charts.cdf(out.resolve("propagation-cdf.png"), "write in eu -> applied in us", curves);
    Files.writeString(out.resolve("report.md"), ReplicationReport.markdown(options, commandLine, results, log.toString()));
  }
}
