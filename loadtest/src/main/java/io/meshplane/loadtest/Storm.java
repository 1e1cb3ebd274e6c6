package io.meshplane.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A reconnect storm: a set of proxies drops its streams and reconnects at once, either resuming
 * with what each holds (SotW versions, delta initial_resource_versions) while some services
 * change meanwhile, or cold, holding nothing (restarted proxies).
 *
 * <p>"Served" is every type of every stream answered; a resumed proxy that already holds the
 * current version is, correctly, sent nothing, so that is read from the control plane's
 * first-answer metric when it has one. "Converged" is seen by the proxies: each holds the ground
 * truth (cold: and received its answers).
 */
final class Storm {

  static final String FIRST_ANSWERS = "meshplane_xds_first_answer_seconds_count";
  static final int TYPES = 2;

  /**
   * What one storm measured.
   *
   * @param served seconds until every type of every stream was answered; empty when the control
   *     plane does not say
   * @param converged seconds until every proxy held the ground truth
   * @param bytes bytes the storm's proxies received
   * @param fullPush bytes the same proxies received in their initial sync
   */
  record Result(int proxies, OptionalDouble served, double converged, long bytes, long fullPush,
      List<double[]> progress) {}

  private Storm() {}

  /**
   * Disconnects {@code who}, changes every {@code changeEvery}-th service, waits until the other
   * proxies have the changes, then reconnects {@code who} at once holding what they held.
   */
  static Result resumed(ControlPlaneUnderTest cp, Fleet fleet, Changes changes, List<SimProxy> who,
      Map<SimProxy, Long> fullPush, int changeEvery, int timeoutSeconds) {
    who.forEach(SimProxy::disconnect);
    for (int s = 0; s < fleet.settings.services(); s += changeEvery) {
      changes.write(s);
    }
    List<SimProxy> others = fleet.proxies.stream().filter(p -> !who.contains(p)).toList();
    Waits.await("the rest of the fleet has the changes", timeoutSeconds,
        () -> fleet.convergedCount(others) == others.size());
    return reconnect(cp, fleet, who, fullPush, timeoutSeconds, "resumed storm");
  }

  /** Disconnects {@code who}, makes them forget what they hold, and reconnects them at once. */
  static Result cold(ControlPlaneUnderTest cp, Fleet fleet, List<SimProxy> who, Map<SimProxy, Long> fullPush,
      int timeoutSeconds) {
    who.forEach(SimProxy::disconnect);
    who.forEach(SimProxy::forget);
    return reconnect(cp, fleet, who, fullPush, timeoutSeconds, "cold storm");
  }

  private static Result reconnect(ControlPlaneUnderTest cp, Fleet fleet, List<SimProxy> who,
      Map<SimProxy, Long> fullPush, int timeoutSeconds, String what) {
    long full = who.stream().mapToLong(p -> fullPush.getOrDefault(p, 0L)).sum();
    long bytesBefore = fleet.bytes(who);
    OptionalDouble answersBefore = Prometheus.sum(cp, FIRST_ANSWERS);
    long target = (long) TYPES * who.size();
    List<double[]> progress = new ArrayList<>();
    long t0 = System.nanoTime();
    double[] servedAt = {Double.NaN};
    who.forEach(SimProxy::start);
    double converged = Waits.await(what + ": every proxy served and converged", timeoutSeconds, () -> {
      if (Double.isNaN(servedAt[0]) && answersBefore.isPresent()
          && Prometheus.sum(cp, FIRST_ANSWERS).orElse(0) - answersBefore.getAsDouble() >= target) {
        servedAt[0] = Waits.secondsSince(t0);
      }
      return (answersBefore.isEmpty() || !Double.isNaN(servedAt[0]))
          && fleet.convergedCount(who) == who.size();
    }, progress, () -> fleet.convergedCount(who), t0, 100);
    return new Result(who.size(), Double.isNaN(servedAt[0]) ? OptionalDouble.empty() : OptionalDouble.of(servedAt[0]),
        converged, fleet.bytes(who) - bytesBefore, full, progress);
  }
}
