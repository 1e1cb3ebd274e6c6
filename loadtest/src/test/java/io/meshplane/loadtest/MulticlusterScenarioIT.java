package io.meshplane.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The {@code multicluster} scenario end to end at a tiny size: one control-plane JVM, Cassandra, a
 * config cluster with two remote secrets, two member clusters on two networks, sidecars on both.
 * It asserts correctness only, never speed: every proxy ends on its network's split-horizon ground
 * truth and every change reached each of its subscribers.
 */
class MulticlusterScenarioIT {

  @Test
  void two_networks_converge_every_sidecar_to_its_split_horizon_ground_truth_and_write_the_report() throws Exception {
    LoadBench.Outcome outcome = MulticlusterBench.run(List.of("--nodes", "1", "--clusters", "2", "--services", "20",
        "--proxies", "20", "--per-proxy", "3", "--rate", "10", "--duration", "5", "--streams-per-channel", "1"),
        Path.of("target", "bench-it"));

    assertThat(outcome.completed()).as("every phase completed").isTrue();
    assertThat(outcome.proxies()).isEqualTo(20);
    assertThat(outcome.converged()).as("proxies holding the ground truth").isEqualTo(20);
    assertThat(outcome.incompleteChanges()).as("changes that missed a subscriber").isZero();
    assertThat(Files.readString(outcome.dir().resolve("report.md")))
        .contains("| proxies converged to the ground truth at the end | 20 of 20 |")
        .contains("| heap per service |", "| heap per proxy |", "| pushes per change |")
        .contains("| convergence p50 / p90 / p99 / max |");
    assertThat(outcome.dir().resolve("multicluster-latency-cdf.png")).isNotEmptyFile();
    assertThat(outcome.dir().resolve("multicluster-heap.png")).isNotEmptyFile();
  }
}
