package io.meshplane.registry;

import io.meshplane.model.ClusterShare;

/**
 * The workloads of one member cluster, as a stream of per-service shares. Implemented in
 * {@code control-plane} with fabric8 informers; driven by the ClusterWatch entity of that cluster,
 * which starts it once and closes it when the watch moves or stops.
 *
 * <p>Implementations call the listener from their own threads; the listener must be thread-safe
 * (ClusterWatch's turns every call into a message to itself).
 */
public interface MemberRegistry extends AutoCloseable {

  /** Starts watching; returns at once. Connection problems are retried by the registry. */
  void start(Listener listener);

  /** Stops watching and releases every connection. */
  @Override
  void close();

  /** What a registry reports. */
  interface Listener {

    /**
     * The cluster's share of a service, complete (spec if the Service object exists, and every
     * endpoint). An empty share means the cluster no longer has the service. May repeat an
     * unchanged share; the receiver filters.
     */
    void shareChanged(String hostname, ClusterShare share);

    /** Every object of the first listing has been reported: services not reported are gone. */
    void synced();

    /** The API server became reachable or unreachable; {@code detail} says why. */
    void connectivityChanged(boolean connected, String detail);
  }

  /** Creates the registry of a member cluster by id. */
  @FunctionalInterface
  interface Factory {
    MemberRegistry create(String clusterId);
  }
}
