package io.meshplane.registry.kube;

/**
 * Where a registry counts its resyncs: every comparison of its caches with the API server, and
 * every repair (a confirmed difference, after which the caches were rebuilt from a new listing).
 * Called from the registry's resync thread; implementations must be thread-safe.
 */
public interface ResyncMetrics {

  /** Counts nothing. */
  ResyncMetrics NONE = new ResyncMetrics() {
    @Override
    public void compared(String clusterId) {}

    @Override
    public void repaired(String clusterId, String resource, int objects) {}
  };

  /** One comparison of every cache of {@code clusterId} with the API server. */
  void compared(String clusterId);

  /** {@code objects} objects of {@code resource} differed for good: the caches were rebuilt. */
  void repaired(String clusterId, String resource, int objects);
}
