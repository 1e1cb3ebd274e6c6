package io.meshplane.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code small} load scenario end to end with {@code --baseline}: first against Meshplane (3
 * control-plane JVMs, Cassandra, the simulated API server, a simulated fleet under churn), then
 * the same against the java-control-plane baseline: the harness works on both and compares them.
 * It asserts correctness only, never speed: timings belong in the report.
 */
class SmallScenarioIT {

  @Test
  void small_scenario_converges_every_proxy_to_ground_truth_on_meshplane_and_baseline_and_writes_its_report()
      throws Exception {
    Path base = Path.of("target", "bench-it");

    // 10 s of churn instead of the scenario's 20: about 50 changes per side still cross every
    // path the assertions check, and the suite stays within its time budget.
    LoadBench.Outcome outcome = LoadBench.run("small", List.of("--baseline", "--duration", "10"), base);

    assertThat(outcome.proxies()).isEqualTo(60);
    assertThat(outcome.converged()).as("Meshplane: proxies holding the ground truth").isEqualTo(60);
    assertThat(outcome.incompleteChanges()).as("Meshplane: changes that missed a subscriber").isZero();
    assertThat(outcome.baseline()).as("the baseline's run").isPresent();
    LoadBench.Outcome baseline = outcome.baseline().orElseThrow();
    assertThat(baseline.proxies()).isEqualTo(60);
    assertThat(baseline.converged()).as("baseline: proxies holding the ground truth").isEqualTo(60);
    assertThat(baseline.incompleteChanges()).as("baseline: changes that missed a subscriber").isZero();
    assertThat(outcome.ok()).isTrue();
    assertThat(Files.readString(outcome.dir().resolve("report.md")))
        .contains("| proxies converged to the ground truth at the end | 60 of 60 | 60 of 60 |")
        .contains("| convergence p99 (ms) |")
        .contains("every proxy converged to the ground truth at the end | 60 of 60")
        .contains("convergence, API-server write")
        .contains("delta CDS and LDS over ADS as wildcard");
    for (String chart : List.of("latency-cdf.png", "latency-over-time.png", "heap-over-time.png",
        Comparison.CDF_CHART, "baseline-latency-cdf.png")) {
      assertThat(outcome.dir().resolve(chart)).isNotEmptyFile();
    }
  }
}
