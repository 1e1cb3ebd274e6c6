package io.meshplane.loadtest.baseline;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.ServiceResources;
import io.meshplane.xds.generator.TypeUrls;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The xDS resources of every service, generated once per change of that service and kept until
 * the next: what snapshots are assembled from. The resources are Meshplane's own generators'
 * output ({@link ServiceResources}: the same names, shapes and bytes), parsed back into the
 * messages java-control-plane's cache holds, with Meshplane's content digest as their version.
 *
 * <p>Confined to the {@link SnapshotPublisher}'s thread.
 */
final class ServiceCatalog {

  /** One service's resources; {@code bareListeners} ({@code name:port}) only for its own namespace. */
  private record Entry(String namespace, List<VersionedResource<Cluster>> clusters,
      List<VersionedResource<ClusterLoadAssignment>> endpoints, List<VersionedResource<RouteConfiguration>> routes,
      List<VersionedResource<Listener>> listeners, List<VersionedResource<Listener>> bareListeners,
      Set<String> routeRefs, List<String> versions) {}

  private final String clusterId;
  /** By service namespace/name, sorted so that snapshots list resources in a stable order. */
  private final Map<String, Entry> entries = new TreeMap<>();

  ServiceCatalog(String clusterId) {
    this.clusterId = clusterId;
  }

  int size() {
    return entries.size();
  }

  /**
   * Regenerates one service from its current share (no spec: the service is gone).
   *
   * @return whether any of its resources changed
   */
  boolean update(String namespace, String name, ClusterShare share) {
    Entry before = entries.get(namespace + "/" + name);
    ServiceState state = new ServiceState(ServiceSpec.hostname(name, namespace), 1, Map.of(clusterId, share));
    ServiceResources generated = ServiceResources.of(state);
    if (generated.isEmpty()) {
      entries.remove(namespace + "/" + name);
      return before != null;
    }
    List<VersionedResource<Listener>> listeners = new ArrayList<>(
        parse(generated.resources(TypeUrls.LISTENER).values(), Listener.parser()));
    List<VersionedResource<Listener>> bare = new ArrayList<>();
    for (Resource alias : generated.listenerAliases().values()) {
      boolean bareName = alias.name().indexOf('.') < 0;
      (bareName ? bare : listeners).add(versioned(alias, Listener.parser()));
    }
    List<String> versions = new ArrayList<>();
    for (String type : TypeUrls.SUPPORTED) {
      generated.resources(type).values().forEach(r -> versions.add(r.name() + "=" + r.version()));
    }
    generated.listenerAliases().values().forEach(r -> versions.add(r.name() + "=" + r.version()));
    versions.sort(null);
    if (before != null && before.versions().equals(versions)) {
      return false;
    }
    entries.put(namespace + "/" + name, new Entry(namespace,
        parse(generated.resources(TypeUrls.CLUSTER).values(), Cluster.parser()),
        parse(generated.resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).values(), ClusterLoadAssignment.parser()),
        parse(generated.resources(TypeUrls.ROUTE_CONFIGURATION).values(), RouteConfiguration.parser()),
        List.copyOf(listeners), List.copyOf(bare), routeRefs(listeners, bare), List.copyOf(versions)));
    return true;
  }

  /**
   * A snapshot for the proxies of one namespace: every service, and the bare {@code name:port}
   * listeners of that namespace's services (what Meshplane resolves a bare name to).
   */
  BaselineSnapshot snapshotFor(String proxyNamespace) {
    List<VersionedResource<Cluster>> clusters = new ArrayList<>();
    List<VersionedResource<ClusterLoadAssignment>> endpoints = new ArrayList<>();
    List<VersionedResource<Listener>> listeners = new ArrayList<>();
    List<VersionedResource<RouteConfiguration>> routes = new ArrayList<>();
    Set<String> routeRefs = new HashSet<>();
    for (Entry e : entries.values()) {
      routeRefs.addAll(e.routeRefs());
      clusters.addAll(e.clusters());
      endpoints.addAll(e.endpoints());
      routes.addAll(e.routes());
      listeners.addAll(e.listeners());
      if (e.namespace().equals(proxyNamespace)) {
        listeners.addAll(e.bareListeners());
      }
    }
    return BaselineSnapshot.of(clusters, endpoints, listeners, routes, routeRefs);
  }

  private static Set<String> routeRefs(List<VersionedResource<Listener>> listeners,
      List<VersionedResource<Listener>> bare) {
    List<VersionedResource<Listener>> all = new ArrayList<>(listeners);
    all.addAll(bare);
    return Set.copyOf(BaselineSnapshot.routeRefs(all));
  }

  private static <T extends Message> List<VersionedResource<T>> parse(Collection<Resource> resources,
      Parser<T> parser) {
    List<VersionedResource<T>> out = new ArrayList<>(resources.size());
    resources.forEach(r -> out.add(versioned(r, parser)));
    return List.copyOf(out);
  }

  private static <T extends Message> VersionedResource<T> versioned(Resource r, Parser<T> parser) {
    try {
      return VersionedResource.create(parser.parseFrom(r.body().getValue()), r.version());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a generated " + r.typeUrl() + " named " + r.name() + " does not parse", e);
    }
  }
}
