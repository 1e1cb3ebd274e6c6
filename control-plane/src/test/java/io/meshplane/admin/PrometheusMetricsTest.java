package io.meshplane.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.service.LateWrites;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest {

  private static final ActorTestKit testKit = ActorTestKit.create("PrometheusMetricsTest");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void late_writes_ignored_by_the_node_are_counted_by_kind_at_each_scrape() {
    PrometheusMetrics metrics = new PrometheusMetrics();
    LateWrites late = LateWrites.get(testKit.system());
    metrics.countLateWrites(late);

    assertThat(scrape(metrics)).contains("meshplane_late_writes_ignored_total{kind=\"replica\"} 0.0")
        .contains("meshplane_late_writes_ignored_total{kind=\"share\"} 0.0");

    late.replicaIgnored();
    late.replicaIgnored();

    assertThat(scrape(metrics)).as("read when scraped, not when registered")
        .contains("meshplane_late_writes_ignored_total{kind=\"replica\"} 2.0")
        .contains("meshplane_late_writes_ignored_total{kind=\"share\"} 0.0");
  }

  private static String scrape(PrometheusMetrics metrics) {
    return new String(metrics.scrape(), StandardCharsets.UTF_8);
  }
}
