package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * A service as one member cluster declares it: name, namespace, ports, the namespaces it is
 * exported to ({@code networking.istio.io/exportTo}: {@code *} everywhere, {@code .} its own
 * namespace, {@code ~} nowhere, or namespace names; empty means the mesh default) and, when the
 * Service is an east-west gateway, what it says about that ({@link ServiceGateway}). Immutable.
 */
public record ServiceSpec(String name, String namespace, List<ServicePort> ports, List<String> exportTo,
    Optional<ServiceGateway> gateway) {

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
    requireNonNull(gateway, "gateway");
  }

  /** A service that is not a gateway. */
  public ServiceSpec(String name, String namespace, List<ServicePort> ports, List<String> exportTo) {
    this(name, namespace, ports, exportTo, Optional.empty());
  }

  public String hostname() {
    return hostname(name, namespace);
  }

  public static String hostname(String name, String namespace) {
    return name + "." + namespace + "." + DOMAIN_SUFFIX;
  }
}
