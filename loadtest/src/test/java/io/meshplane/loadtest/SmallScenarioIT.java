package io.meshplane.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code small} load scenario end to end (3 control-plane JVMs, Cassandra, the simulated API
 * server, a simulated fleet under churn): the harness works. It asserts correctness only, never
 * speed: timings belong in the report.
 */
class SmallScenarioIT {

  @Test
  void small_scenario_converges_every_proxy_to_ground_truth_and_writes_its_report() throws Exception {
    Path base = Path.of("target", "bench-it");

    LoadBench.Outcome outcome = LoadBench.run("small", List.of(), base);

    assertThat(outcome.proxies()).isEqualTo(60);
    assertThat(outcome.converged()).as("proxies holding the ground truth").isEqualTo(outcome.proxies());
    assertThat(outcome.incompleteChanges()).as("changes that missed a subscriber").isZero();
    assertThat(Files.readString(outcome.dir().resolve("report.md")))
        .contains("every proxy converged to the ground truth at the end | 60 of 60")
        .contains("convergence, API-server write");
    for (String chart : List.of("latency-cdf.png", "latency-over-time.png", "heap-over-time.png")) {
      assertThat(outcome.dir().resolve(chart)).isNotEmptyFile();
    }
  }
}
