package io.meshplane.loadtest.baseline;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baseline as the child JVM a benchmark starts. */
class BaselineProcessTest {

  @TempDir
  Path dir;

  @Test
  void starts_as_a_child_jvm_that_reports_ready_and_its_metrics() {
    try (MockCluster kube = MockCluster.start(0)) {
      kube.namespace("default");
      kube.service("default", "svc-0", 50051, 8080);
      Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
      int xds = Ports.free();
      try (BaselineProcess baseline = BaselineProcess.start(dir.resolve("baseline.log"), kubeconfig, xds,
          Ports.free(), List.of("-Xmx256m"), Duration.ofSeconds(60))) {
        assertThat(baseline.pid()).isNotEqualTo(ProcessHandle.current().pid());
        assertThat(ProcessHandle.of(baseline.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        assertThat(baseline.admin("/metrics")).contains("baseline_xds_open_streams 0", "baseline_services 1");
        assertThat(baseline.tail()).contains(BaselineControlPlane.READY_LINE + xds);
        baseline.close();
        assertThat(baseline.isAlive()).isFalse();
      }
    }
  }

  @Test
  void bad_arguments_exit_with_status_2_and_say_what_was_expected() {
    Path log = dir.resolve("bad.log");
    BaselineProcess bad = BaselineProcess.launch(log, List.of("--xds-port", "x"), List.of(), 0, 0);
    assertThat(bad.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
    assertThat(bad.tail()).contains("--xds-port is 'x'; expected a port number 1-65535", BaselineArgs.USAGE);
  }
}
