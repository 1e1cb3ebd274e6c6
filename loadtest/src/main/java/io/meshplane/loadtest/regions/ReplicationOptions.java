package io.meshplane.loadtest.regions;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code ./meshplane bench replication}. Immutable; {@link #parse} rejects bad
 * input with a message that names the option and what was expected.
 */
record ReplicationOptions(int services, double rate, Duration duration, List<String> designs, Duration idle,
    Duration refreshInterval) {

  static final String USAGE = "usage: ./meshplane bench replication [--services N] [--rate CHANGES_PER_S] "
      + "[--duration SECONDS] [--design res|stream|both] [--idle SECONDS] [--refresh-interval MILLIS]";

  private static final Map<String, String> DEFAULTS = Map.of("services", "1000", "rate", "50", "duration", "60",
      "design", "both", "idle", "30", "refresh-interval", "3000");

  ReplicationOptions {
    designs = List.copyOf(designs);
  }

  static ReplicationOptions parse(List<String> args) {
    Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--") || !DEFAULTS.containsKey(a.substring(2))) {
        throw new IllegalArgumentException("unknown option '" + a + "'; " + USAGE);
      }
      if (i + 1 >= args.size()) {
        throw new IllegalArgumentException("option " + a + " needs a value; " + USAGE);
      }
      values.put(a.substring(2), args.get(++i));
    }
    String design = values.get("design");
    List<String> designs = switch (design) {
      case "res" -> List.of("res");
      case "stream" -> List.of("stream");
      case "both" -> List.of("res", "stream");
      default -> throw new IllegalArgumentException("--design expects res, stream or both, got '" + design + "'");
    };
    return new ReplicationOptions(whole(values, "services"), positive(values, "rate"),
        Duration.ofSeconds(whole(values, "duration")), designs, Duration.ofSeconds(whole(values, "idle")),
        Duration.ofMillis(whole(values, "refresh-interval")));
  }

  private static int whole(Map<String, String> values, String name) {
    try {
      int v = Integer.parseInt(values.get(name).trim());
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--" + name + " expects a whole number >= 1, got '" + values.get(name) + "'");
  }

  private static double positive(Map<String, String> values, String name) {
    try {
      double v = Double.parseDouble(values.get(name).trim());
      if (v > 0 && Double.isFinite(v)) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("--" + name + " expects a number > 0, got '" + values.get(name) + "'");
  }
}
