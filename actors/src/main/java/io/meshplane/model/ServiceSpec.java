package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A service as one member cluster declares it: name, namespace, ports and the namespaces it is
 * exported to ({@code networking.istio.io/exportTo}: {@code *} everywhere, {@code .} its own
 * namespace, {@code ~} nowhere, or namespace names; empty means the mesh default). Immutable.
 */
public record ServiceSpec(String name, String namespace, List<ServicePort> ports, List<String> exportTo) {

  /** The DNS suffix of services; one per mesh for now. */
  public static final String DOMAIN_SUFFIX = "svc.cluster.local";

  public ServiceSpec {
    requireNonNull(name, "name");
    requireNonNull(namespace, "namespace");
    if (name.isEmpty() || namespace.isEmpty()) {
      throw new IllegalArgumentException("a service needs a name and a namespace");
    }
    ports = List.copyOf(ports);
    exportTo = List.copyOf(exportTo);
  }

  public String hostname() {
    return hostname(name, namespace);
  }

  public static String hostname(String name, String namespace) {
    return name + "." + namespace + "." + DOMAIN_SUFFIX;
  }
}
