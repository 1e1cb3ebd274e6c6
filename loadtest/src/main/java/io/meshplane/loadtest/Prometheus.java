package io.meshplane.loadtest;

import java.util.Optional;
import java.util.OptionalDouble;

/** Reading samples out of a Prometheus text exposition, as scraped from a node's {@code /metrics}. */
final class Prometheus {

  private Prometheus() {}

  /** Sum of every sample of {@code name} (all label values); 0 if there is none. */
  static double sum(String exposition, String name) {
    double sum = 0;
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** Whether the exposition has a sample of {@code name}. */
  static boolean has(String exposition, String name) {
    for (String line : exposition.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@link #sum(String, String)} over every running node; empty if no node has a sample of it (no
   * metrics, or a control plane that does not export it, such as the baseline's first answers).
   */
  static OptionalDouble sum(ControlPlaneUnderTest cp, String name) {
    boolean any = false;
    double sum = 0;
    for (int i = 0; i < cp.size(); i++) {
      Optional<String> m = cp.metrics(i);
      if (m.isPresent() && has(m.get(), name)) {
        any = true;
        sum += sum(m.get(), name);
      }
    }
    return any ? OptionalDouble.of(sum) : OptionalDouble.empty();
  }
}
