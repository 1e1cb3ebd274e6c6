package io.meshplane.loadtest;

import io.meshplane.testing.MockCluster;
import java.util.Optional;

/**
 * The control plane a scenario runs against, as real processes on this machine, fed by one
 * simulated Kubernetes API server: proxies dial {@link #xdsPort()} on loopback, the churn writes
 * to {@link #kube()}, and the resource sampler watches each node's process. Meshplane's nodes are
 * {@link MeshUnderTest}; another control plane (a baseline) implements this with its own
 * process(es), fed by informers on the same API server, and may have no Prometheus metrics.
 */
interface ControlPlaneUnderTest extends AutoCloseable {

  /** What runs, for the report: for example "Meshplane, 3 nodes behind the TCP front". */
  String description();

  /** The simulated API server whose endpoints the control plane serves. */
  MockCluster kube();

  /** Where proxies connect (loopback). */
  int xdsPort();

  /** How many control-plane processes (nodes) there are. */
  int size();

  /** Name of node {@code i} in reports. */
  default String nodeName(int i) {
    return "node-" + i;
  }

  /** The process id of node {@code i}, empty while it is not running. */
  Optional<Long> pid(int i);

  /**
   * Node {@code i}'s Prometheus text exposition, empty when it has none or is not running. Known
   * names: {@code meshplane_xds_connected_proxies}, {@code meshplane_xds_pushes_total}, {@code
   * meshplane_xds_push_bytes_total}.
   */
  Optional<String> metrics(int i);

  /**
   * Waits until the control plane has taken in {@code services} services, where it says so and
   * needs it before proxies subscribe to them; by default it does not wait (the run's settle time
   * is enough).
   *
   * @throws IllegalStateException if it has not within {@code timeoutSeconds}
   */
  default void awaitServices(int services, int timeoutSeconds) {}

  /** Stops everything it started. */
  @Override
  void close();
}
