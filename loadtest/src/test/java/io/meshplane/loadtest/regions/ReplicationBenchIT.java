package io.meshplane.loadtest.regions;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code bench replication} end to end on a tiny scale (two real Cassandra data centers, two
 * regions, both designs): every change written in eu is applied in us, the stream design leaves
 * Cassandra alone while idle whereas RES replicas poll it, and the report is written. It asserts
 * correctness only, never speed: timings belong in the report.
 */
class ReplicationBenchIT {

  @Test
  void both_designs_apply_every_change_from_eu_in_us_and_only_res_reads_cassandra_while_idle() throws Exception {
    Path out = fresh(Path.of("target", "it-data", "replication-bench").toAbsolutePath());
    ReplicationOptions options = ReplicationOptions.parse(List.of("--services", "20", "--rate", "10", "--duration",
        "2", "--idle", "3", "--design", "both", "--refresh-interval", "1000"));

    List<ReplicationBench.DesignResult> results = new ReplicationBench(options, out).run("(ReplicationBenchIT)");

    assertThat(results).extracting(ReplicationBench.DesignResult::design).containsExactly("res", "stream");
    assertThat(results).allSatisfy(r -> {
      assertThat(r.complete()).as("%s: created and drained in time", r.design()).isTrue();
      assertThat(r.failed()).as("%s: failed writes", r.design()).isZero();
      assertThat(r.applied()).as("%s: churn changes applied in us", r.design()).isEqualTo(r.sent()).isEqualTo(20);
    });
    ReplicationBench.DesignResult res = results.get(0);
    ReplicationBench.DesignResult stream = results.get(1);
    assertThat(res.idle().values()).as("RES replicas poll the journal while idle")
        .allSatisfy(rates -> assertThat(rates.coordinatorReads()).isPositive());
    assertThat(stream.idle().values()).as("the stream design does nothing while idle")
        .allSatisfy(rates -> assertThat(rates.coordinatorReads() + rates.coordinatorWrites()).isZero());
    assertThat(out.resolve("report.md")).content().contains("| res |").contains("| stream |")
        .contains("NetworkTopologyStrategy {eu:1, us:1}");
    assertThat(out.resolve("propagation-cdf.png")).isRegularFile();
  }

  private static Path fresh(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(dir);
  }
}
