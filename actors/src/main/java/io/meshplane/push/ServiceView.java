package io.meshplane.push;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.ServiceState;
import io.meshplane.xds.generator.ServiceResources;

/**
 * One version of a service with its xDS resources, computed once per node and shared by every
 * proxy stream of that node. Immutable.
 */
public record ServiceView(ServiceState state, ServiceResources resources) {

  public ServiceView {
    requireNonNull(state, "state");
    requireNonNull(resources, "resources");
  }

  public static ServiceView of(ServiceState state) {
    return new ServiceView(state, ServiceResources.of(state));
  }

  public String hostname() {
    return state.hostname();
  }

  public long version() {
    return state.version();
  }
}
