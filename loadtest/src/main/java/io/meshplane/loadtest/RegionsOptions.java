package io.meshplane.loadtest;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options of {@code ./meshplane bench regions}. Immutable; {@link #parse} throws
 * {@link Options.Bad} naming the option and what was expected.
 *
 * @param nodes control-plane JVMs per region
 * @param services services at the first size (the fleets subscribe among these; churn writes these)
 * @param growTo services at the second size: the ones above {@code services} are idle
 * @param proxies simulated proxies per region
 * @param perProxy services each proxy subscribes to
 * @param rate churn writes per second
 * @param duration churn duration at each size
 * @param idle length of each idle window (Cassandra load with no change)
 * @param handBack whether the killed region is started again and its watch handed back
 */
record RegionsOptions(int nodes, int services, int growTo, int proxies, int perProxy, double rate,
    Duration duration, Duration idle, boolean handBack) {

  static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("nodes", "1");
    d.put("services", "200");
    d.put("grow-to", "1000");
    d.put("proxies", "100");
    d.put("per-proxy", "5");
    d.put("rate", "20");
    d.put("duration", "60");
    d.put("idle", "30");
    d.put("hand-back", "yes");
    return d;
  }

  static String usage() {
    StringBuilder u = new StringBuilder("usage: ./meshplane bench regions");
    defaults().forEach((k, v) -> u.append(" [--").append(k).append(' ').append(v).append(']'));
    return u.toString();
  }

  static RegionsOptions parse(List<String> args) {
    Options o = Options.parse(args, defaults());
    int services = o.positiveInt("services");
    int growTo = o.positiveInt("grow-to");
    if (growTo <= services) {
      throw new Options.Bad("--grow-to " + growTo + " must be greater than --services " + services
          + " (the second size adds idle services)");
    }
    String handBack = o.text("hand-back");
    if (!handBack.equals("yes") && !handBack.equals("no")) {
      throw new Options.Bad("--hand-back expects yes or no, got '" + handBack + "'");
    }
    return new RegionsOptions(o.positiveInt("nodes"), services, growTo, o.positiveInt("proxies"),
        o.positiveInt("per-proxy"), o.positiveDouble("rate"), Duration.ofSeconds(o.positiveInt("duration")),
        Duration.ofSeconds(o.positiveInt("idle")), handBack.equals("yes"));
  }
}
