package io.meshplane.model;

import static java.util.Objects.requireNonNull;

/** One port a workload instance listens on, named as in its EndpointSlice. Immutable. */
public record EndpointPort(String name, int port) {

  public EndpointPort {
    requireNonNull(name, "name");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("endpoint port must be 1-65535, was " + port);
    }
  }
}
