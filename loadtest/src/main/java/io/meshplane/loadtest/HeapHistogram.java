package io.meshplane.loadtest;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the heap per connected proxy goes: the difference, class by class, between the class
 * histograms of the control-plane JVMs (summed over them) with every service and no proxy, and
 * with the whole fleet synced, divided by the proxies. Both histograms are taken after a full GC,
 * so only live objects count. Immutable.
 */
final class HeapHistogram {

  /** A row of {@code GC.class_histogram}: {@code "   1:   12345   1234567  [B (java.base@17)"}. */
  private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /** Bytes and instances of a class. */
  record Usage(long instances, long bytes) {
    Usage plus(Usage o) {
      return new Usage(instances + o.instances, bytes + o.bytes);
    }
  }

  final Map<String, Usage> byClass;

  private HeapHistogram(Map<String, Usage> byClass) {
    this.byClass = Map.copyOf(byClass);
  }

  /** Sums the histograms of several JVMs, as {@code GC.class_histogram} prints them. */
  static HeapHistogram parse(List<String> histograms) {
    Map<String, Usage> sum = new HashMap<>();
    for (String text : histograms) {
      for (String line : text.split("\n")) {
        Matcher m = ROW.matcher(line);
        if (m.find()) {
          sum.merge(m.group(3), new Usage(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))), Usage::plus);
        }
      }
    }
    return new HeapHistogram(sum);
  }

  /** Growth from {@code before} to this, per proxy, largest first: class -> (instances, bytes) per proxy. */
  List<Map.Entry<String, double[]>> growthPerProxy(HeapHistogram before, int proxies) {
    Map<String, double[]> growth = new HashMap<>();
    byClass.forEach((cls, after) -> {
      Usage b = before.byClass.getOrDefault(cls, new Usage(0, 0));
      growth.put(cls, new double[] {(after.instances - b.instances) / (double) proxies,
          (after.bytes - b.bytes) / (double) proxies});
    });
    return growth.entrySet().stream()
        .sorted((x, y) -> Double.compare(y.getValue()[1], x.getValue()[1]))
        .toList();
  }

  /** A markdown table of the classes that grew most per proxy. */
  static void write(LoadReport report, String what, HeapHistogram idle, HeapHistogram synced, int proxies) {
    List<Map.Entry<String, double[]>> rows = synced.growthPerProxy(idle, proxies);
    double total = rows.stream().mapToDouble(e -> e.getValue()[1]).sum();
    report.line("Where %s's heap per connected proxy went (class histograms after a full GC, fleet synced minus "
        + "no proxy, summed over its JVMs, divided by %,d proxies; total %.1f KB):", what, proxies, total / 1024);
    report.line("");
    report.line("| bytes per proxy | instances per proxy | class |").line("| --- | --- | --- |");
    rows.stream().limit(20).forEach(e -> report.line("| %s | %.1f | `%s` |",
        String.format(Locale.ROOT, "%,.0f", e.getValue()[1]), e.getValue()[0], e.getKey()));
    report.line("");
  }
}
