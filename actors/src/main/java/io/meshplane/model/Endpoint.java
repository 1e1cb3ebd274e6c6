package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One workload instance behind a service: its address and ports, the member cluster and network
 * it lives in, its locality, labels, service account and readiness. Immutable.
 */
public record Endpoint(
    String address,
    List<EndpointPort> ports,
    String clusterId,
    String network,
    Locality locality,
    Map<String, String> labels,
    String serviceAccount,
    boolean ready,
    String workloadName) {

  public Endpoint {
    requireNonNull(address, "address");
    requireNonNull(clusterId, "clusterId");
    requireNonNull(network, "network");
    requireNonNull(locality, "locality");
    requireNonNull(serviceAccount, "serviceAccount");
    requireNonNull(workloadName, "workloadName");
    if (address.isEmpty()) {
      throw new IllegalArgumentException("an endpoint needs an address");
    }
    ports = List.copyOf(ports);
    labels = Map.copyOf(labels);
  }

  /**
   * The port this endpoint serves for a service port: by name when the service port is named,
   * else its only port, else the service's target port.
   */
  public Optional<Integer> portFor(ServicePort servicePort) {
    for (EndpointPort p : ports) {
      if (p.name().equals(servicePort.name())) {
        return Optional.of(p.port());
      }
    }
    if (ports.size() == 1 && servicePort.name().isEmpty()) {
      return Optional.of(ports.get(0).port());
    }
    if (ports.isEmpty() && servicePort.targetPort() > 0) {
      return Optional.of(servicePort.targetPort());
    }
    return Optional.empty();
  }

  /** A stable identity within one service: address and cluster. */
  public String key() {
    return clusterId + "/" + address;
  }
}
