package io.meshplane.model;

import static java.util.Objects.requireNonNull;

/**
 * One port of a service: its name (possibly empty), the port clients dial, the port its
 * workloads listen on (the Kubernetes targetPort when numeric, else 0) and the protocol. Immutable.
 */
public record ServicePort(String name, int port, int targetPort, String protocol) {

  public ServicePort {
    requireNonNull(name, "name");
    requireNonNull(protocol, "protocol");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1-65535, was " + port);
    }
    if (targetPort < 0 || targetPort > 65535) {
      throw new IllegalArgumentException("targetPort must be 0-65535, was " + targetPort);
    }
  }
}
