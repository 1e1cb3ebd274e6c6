package io.meshplane.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a control-plane node's CPU went, from the Java Flight Recorder file of a run with {@code
 * --profile}: execution samples counted by what they were doing, by the frames they were in, and
 * how many threads the JVM started (a sign of executor misuse). Samples see Java threads only: GC
 * and JIT compiler threads are not in them (the CPU chart's process totals include them).
 */
final class CpuProfile {

  /**
   * What a sample was doing, by the first frame from the top of its stack that matches one of
   * these prefixes (in this order of specificity): Meshplane's own code by package, then the
   * libraries it drives.
   */
  private static final Map<String, String> AREAS = areas();

  final String name;
  final long samples;
  final long threadsStarted;
  final double seconds;
  final Map<String, Long> byArea;
  final Map<String, Long> selfFrames;
  final Map<String, Long> meshplaneFrames;

  private CpuProfile(String name, long samples, long threadsStarted, double seconds, Map<String, Long> byArea,
      Map<String, Long> selfFrames, Map<String, Long> meshplaneFrames) {
    this.name = name;
    this.samples = samples;
    this.threadsStarted = threadsStarted;
    this.seconds = seconds;
    this.byArea = byArea;
    this.selfFrames = selfFrames;
    this.meshplaneFrames = meshplaneFrames;
  }

  private static Map<String, String> areas() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("io.meshplane.xds.generator.", "xDS generation (Meshplane)");
    a.put("io.meshplane.xds.", "xDS streams (Meshplane)");
    a.put("io.meshplane.push.", "push hub (Meshplane)");
    a.put("io.meshplane.service.", "Service entities (Meshplane)");
    a.put("io.meshplane.cluster.", "cluster watch (Meshplane)");
    a.put("io.meshplane.proxy.", "Proxy entities (Meshplane)");
    a.put("io.meshplane.persistence.", "serialization (Meshplane)");
    a.put("io.meshplane.", "other Meshplane");
    a.put("io.fabric8.", "Kubernetes client");
    a.put("com.datastax.", "Cassandra driver");
    a.put("io.netty.", "Cassandra driver");
    a.put("org.apache.pekko.persistence.", "Pekko persistence");
    a.put("org.apache.pekko.grpc.", "gRPC and HTTP/2");
    a.put("org.apache.pekko.http.", "gRPC and HTTP/2");
    a.put("org.apache.pekko.remote.", "Pekko remoting");
    a.put("org.apache.pekko.cluster.ddata.", "Pekko cluster (gossip, ddata, sharding)");
    a.put("org.apache.pekko.cluster.", "Pekko cluster (gossip, ddata, sharding)");
    a.put("org.apache.pekko.stream.", "Pekko streams");
    a.put("org.apache.pekko.", "Pekko actors and dispatch");
    a.put("com.google.protobuf.", "protobuf");
    return a;
  }

  static CpuProfile read(String name, Path jfr) {
    Map<String, Long> byArea = new TreeMap<>();
    Map<String, Long> self = new TreeMap<>();
    Map<String, Long> ours = new TreeMap<>();
    long samples = 0;
    long threads = 0;
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    try (RecordingFile file = new RecordingFile(jfr)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        String type = e.getEventType().getName();
        if (type.equals("jdk.ThreadStart")) {
          threads++;
        } else if (type.equals("jdk.ExecutionSample") && e.getStackTrace() != null) {
          samples++;
          long t = e.getStartTime().toEpochMilli();
          first = Math.min(first, t);
          last = Math.max(last, t);
          List<RecordedFrame> frames = e.getStackTrace().getFrames();
          if (frames.isEmpty()) {
            continue;
          }
          self.merge(frame(frames.get(0)), 1L, Long::sum);
          byArea.merge(area(frames), 1L, Long::sum);
          Set<String> seen = new HashSet<>();
          for (RecordedFrame f : frames) {
            String m = frame(f);
            if (m.startsWith("io.meshplane.") && seen.add(m)) {
              ours.merge(m, 1L, Long::sum);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + jfr, e);
    }
    double seconds = samples == 0 ? 0 : (last - first) / 1000.0;
    return new CpuProfile(name, samples, threads, seconds, byArea, self, ours);
  }

  private static String frame(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static String area(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      String type = f.getMethod().getType().getName();
      for (Map.Entry<String, String> a : AREAS.entrySet()) {
        if (type.startsWith(a.getKey())) {
          return a.getValue();
        }
      }
    }
    return "JDK and other";
  }

  /** A markdown section: share of samples by area, then the top frames. */
  static void write(LoadReport report, List<CpuProfile> profiles) {
    if (profiles.isEmpty()) {
      return;
    }
    report.line("## Where the CPU went (JFR execution samples)").line("");
    report.line("Each node ran with `-XX:StartFlightRecording` (settings=default: a Java stack every 20 ms "
        + "per running thread). A sample is counted under the first frame from the top of its stack that "
        + "belongs to a known area, so `xDS generation` includes the protobuf building it calls.");
    report.line("");
    Set<String> areas = new java.util.TreeSet<>();
    profiles.forEach(p -> areas.addAll(p.byArea.keySet()));
    StringBuilder head = new StringBuilder("| area |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (CpuProfile p : profiles) {
      head.append(' ').append(p.name).append(" |");
      rule.append(" --- |");
    }
    report.line("%s", head).line("%s", rule);
    List<String> ordered = areas.stream()
        .sorted((a, b) -> Long.compare(total(profiles, b), total(profiles, a))).toList();
    for (String area : ordered) {
      StringBuilder row = new StringBuilder("| " + area + " |");
      for (CpuProfile p : profiles) {
        row.append(String.format(java.util.Locale.ROOT, " %.1f %% |", pct(p.byArea.getOrDefault(area, 0L), p.samples)));
      }
      report.line("%s", row);
    }
    StringBuilder samples = new StringBuilder("| samples (threads started) |");
    for (CpuProfile p : profiles) {
      samples.append(String.format(java.util.Locale.ROOT, " %,d (%,d) |", p.samples, p.threadsStarted));
    }
    report.line("%s", samples).line("");
    CpuProfile all = merged(profiles);
    report.line("Hottest frames, all nodes (self: the sample's top frame):").line("");
    report.line("| self | frame |").line("| --- | --- |");
    top(all.selfFrames, 15).forEach((f, n) -> report.line("| %.1f %% | `%s` |", pct(n, all.samples), f));
    report.line("");
    report.line("Meshplane methods on the stack (inclusive), all nodes:").line("");
    report.line("| inclusive | method |").line("| --- | --- |");
    top(all.meshplaneFrames, 20).forEach((f, n) -> report.line("| %.1f %% | `%s` |", pct(n, all.samples), f));
    report.line("");
  }

  private static long total(List<CpuProfile> profiles, String area) {
    return profiles.stream().mapToLong(p -> p.byArea.getOrDefault(area, 0L)).sum();
  }

  private static CpuProfile merged(List<CpuProfile> profiles) {
    Function<Function<CpuProfile, Map<String, Long>>, Map<String, Long>> sum = f -> profiles.stream()
        .flatMap(p -> f.apply(p).entrySet().stream())
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum, TreeMap::new));
    return new CpuProfile("all", profiles.stream().mapToLong(p -> p.samples).sum(),
        profiles.stream().mapToLong(p -> p.threadsStarted).sum(), 0, sum.apply(p -> p.byArea),
        sum.apply(p -> p.selfFrames), sum.apply(p -> p.meshplaneFrames));
  }

  private static Map<String, Long> top(Map<String, Long> counts, int n) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(n)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
  }

  private static double pct(long n, long of) {
    return of == 0 ? 0 : 100.0 * n / of;
  }
}
