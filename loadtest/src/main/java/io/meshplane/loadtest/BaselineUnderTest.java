package io.meshplane.loadtest;

import io.meshplane.loadtest.baseline.BaselineProcess;
import io.meshplane.testing.Closer;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The java-control-plane baseline as a control plane under test: one {@link BaselineProcess}
 * child JVM, with the same {@code -Xmx} as each of Meshplane's nodes, fed by its own simulated
 * API server; proxies connect straight to its xDS port (one process: no front).
 *
 * <p>Its {@code /metrics} names differ from Meshplane's; {@link #metrics} adds, under Meshplane's
 * names, the samples that mean the same thing (open ADS streams, responses sent, their bytes). It
 * has no first-answer histogram, so a storm's "every stream answered" is reported as not known.
 * Not thread-safe for {@link #close}; the getters are.
 */
final class BaselineUnderTest implements ControlPlaneUnderTest {

  /** Baseline metric -> the Meshplane metric {@link ResourceSampler} reads, same meaning. */
  static final Map<String, String> SAME_MEANING = Map.of(
      "baseline_xds_open_streams", ResourceSampler.CONNECTED,
      "baseline_xds_responses_total", ResourceSampler.PUSHES,
      "baseline_xds_response_bytes_total", ResourceSampler.PUSH_BYTES);
  private static final String SERVICES = "baseline_services";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final Closer closer = new Closer();
  private final MockCluster kube;
  private final BaselineProcess process;

  BaselineUnderTest(Path dir) {
    try {
      kube = closer.keep(MockCluster.start(0));
      kube.namespace(Fleet.NAMESPACE);
      Path kubeconfig = kube.writeKubeconfig(dir.resolve("baseline-kubeconfig"));
      process = closer.keep(BaselineProcess.start(dir.resolve("baseline.log"), kubeconfig, Ports.free(), Ports.free(),
          List.of(MeshUnderTest.NODE_HEAP), READY_TIMEOUT));
    } catch (RuntimeException e) {
      closer.close();
      throw e;
    }
  }

  @Override
  public String description() {
    return "java-control-plane baseline, one JVM (" + MeshUnderTest.NODE_HEAP + "), no front, no persistence";
  }

  @Override
  public MockCluster kube() {
    return kube;
  }

  @Override
  public int xdsPort() {
    return process.xdsPort();
  }

  @Override
  public int size() {
    return 1;
  }

  @Override
  public String nodeName(int i) {
    return "baseline";
  }

  @Override
  public Optional<Long> pid(int i) {
    return process.isAlive() ? Optional.of(process.pid()) : Optional.empty();
  }

  @Override
  public Optional<String> metrics(int i) {
    if (!process.isAlive()) {
      return Optional.empty();
    }
    String own;
    try {
      own = process.admin("/metrics");
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    StringBuilder out = new StringBuilder(own);
    for (String line : own.split("\n")) {
      int space = line.indexOf(' ');
      String meshplaneName = space > 0 ? SAME_MEANING.get(line.substring(0, space)) : null;
      if (meshplaneName != null) {
        out.append(meshplaneName).append(line.substring(space)).append('\n');
      }
    }
    return Optional.of(out.toString());
  }

  /**
   * Waits until the baseline has resources for {@code services} services: in ADS mode its library
   * does not answer a state-of-the-world CDS request naming a cluster its snapshot lacks.
   */
  @Override
  public void awaitServices(int services, int timeoutSeconds) {
    Waits.await("the baseline has resources for " + services + " services", timeoutSeconds,
        () -> metrics(0).map(m -> Prometheus.sum(m, SERVICES) >= services).orElse(false));
  }

  @Override
  public void close() {
    closer.close();
  }
}
