package io.meshplane.xds.generator;

import io.meshplane.mesh.Mesh;
import io.meshplane.model.ServiceState;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every xDS resource of one service at one version: listeners, route configurations, clusters
 * and load assignments, by type URL and name, plus the listeners under their short alias names.
 * Computed once per service version and shared by every proxy that sees the service (the
 * serialized protobuf is never rebuilt per proxy); checked for consistency before it is handed
 * out. Immutable and safe to share between threads.
 *
 * <p>Listeners, routes and clusters are the same for every proxy. Load assignments are not: the
 * ones held here are what {@link EndpointViewKey#NEUTRAL} sees, for the consistency check and for
 * proxies with that key; other proxies' EDS is generated per key and memoized by the push
 * package's {@code ServiceView}.
 *
 * <p>A service that no member cluster declares has no resources at all.
 */
public final class ServiceResources {

  private final String hostname;
  private final long serviceVersion;
  private final Map<String, Map<String, Resource>> byType;
  private final Map<String, Resource> listenerAliases;

  private ServiceResources(String hostname, long serviceVersion, Map<String, Map<String, Resource>> byType,
      Map<String, Resource> listenerAliases) {
    this.hostname = hostname;
    this.serviceVersion = serviceVersion;
    this.byType = byType;
    this.listenerAliases = listenerAliases;
  }

  /**
   * Generates every resource of the service.
   *
   * @throws IllegalStateException if a generated resource refers to one that was not generated
   */
  public static ServiceResources of(ServiceState state, Mesh mesh) {
    return assemble(state.hostname(), state.version(), ListenerGenerator.generate(state),
        RouteGenerator.generate(state), ClusterGenerator.generate(state, mesh.config().localityFailover()),
        EndpointGenerator.generate(state, mesh.networks(), EndpointViewKey.NEUTRAL),
        ListenerGenerator.aliases(state));
  }

  /** The resources under {@link Mesh#DEFAULT}. */
  public static ServiceResources of(ServiceState state) {
    return of(state, Mesh.DEFAULT);
  }

  static ServiceResources assemble(String hostname, long serviceVersion, List<Resource> listeners,
      List<Resource> routes, List<Resource> clusters, List<Resource> assignments, List<Resource> aliases) {
    Map<String, Map<String, Resource>> byType = Map.of(
        TypeUrls.LISTENER, byName(listeners),
        TypeUrls.ROUTE_CONFIGURATION, byName(routes),
        TypeUrls.CLUSTER, byName(clusters),
        TypeUrls.CLUSTER_LOAD_ASSIGNMENT, byName(assignments));
    ServiceResources resources = new ServiceResources(hostname, serviceVersion, byType, byName(aliases));
    // Parsing every resource back costs about 4 % of a node's CPU under churn (fleet benchmark,
    // --profile): run where assertions are on (every test), not in production.
    assert ReferenceCheck.checked(resources);
    return resources;
  }

  public String hostname() {
    return hostname;
  }

  /** The {@link ServiceState#version()} these resources were generated from. */
  public long serviceVersion() {
    return serviceVersion;
  }

  /**
   * The resources of one type under their canonical names, sorted by name: what a wildcard
   * subscriber gets. Empty for a type this package does not generate.
   */
  public Map<String, Resource> resources(String typeUrl) {
    return byType.getOrDefault(typeUrl, Map.of());
  }

  /** The listeners under their short names ({@link ResourceNames#listenerAliases}), sorted by name. */
  public Map<String, Resource> listenerAliases() {
    return listenerAliases;
  }

  /** A resource asked for by name: canonical names of every type, and listener aliases. */
  public Optional<Resource> find(String typeUrl, String name) {
    Resource found = resources(typeUrl).get(name);
    if (found == null && TypeUrls.LISTENER.equals(typeUrl)) {
      found = listenerAliases.get(name);
    }
    return Optional.ofNullable(found);
  }

  /** Whether there is nothing to serve: the service does not exist. */
  public boolean isEmpty() {
    return byType.values().stream().allMatch(Map::isEmpty);
  }

  @Override
  public String toString() {
    return "ServiceResources[" + hostname + " v" + serviceVersion
        + " lds=" + resources(TypeUrls.LISTENER).size() + "+" + listenerAliases.size()
        + " rds=" + resources(TypeUrls.ROUTE_CONFIGURATION).size()
        + " cds=" + resources(TypeUrls.CLUSTER).size()
        + " eds=" + resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).size() + "]";
  }

  private static Map<String, Resource> byName(List<Resource> resources) {
    Map<String, Resource> out = new TreeMap<>();
    for (Resource r : resources) {
      if (out.put(r.name(), r) != null) {
        throw new IllegalStateException("two " + TypeUrls.shortName(r.typeUrl()) + " resources named " + r.name());
      }
    }
    return Collections.unmodifiableMap(out);
  }
}
