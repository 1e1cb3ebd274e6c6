package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a member cluster's Service says about itself when it is an east-west gateway (labelled
 * {@code topology.istio.io/network=<network>}): the network it lets other networks into, the
 * addresses it is reached at from outside (load-balancer ingress IPs and hostnames, else its
 * external IPs; none while the load balancer is still being provisioned) and the port other
 * networks send to. Carried in the service's {@link ServiceSpec}, so it travels and is persisted
 * with the service like any other part of the spec. Immutable.
 */
public record ServiceGateway(String network, List<String> addresses, int port) {

  public ServiceGateway {
    requireNonNull(network, "network");
    if (network.isEmpty()) {
      throw new IllegalArgumentException("a gateway needs a network");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("a gateway port must be in 1-65535, was " + port);
    }
    addresses = List.copyOf(addresses);
  }
}
