package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * What one member cluster contributes to a service: its spec (absent when only endpoints are
 * known so far) and its endpoints. Immutable.
 */
public record ClusterShare(String clusterId, Optional<ServiceSpec> spec, List<Endpoint> endpoints) {

  public ClusterShare {
    requireNonNull(clusterId, "clusterId");
    requireNonNull(spec, "spec");
    endpoints = List.copyOf(endpoints);
  }

  public boolean isEmpty() {
    return spec.isEmpty() && endpoints.isEmpty();
  }
}
