package io.meshplane.loadtest.baseline;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A java-control-plane v3 snapshot whose versions come from content ({@link ContentVersions}):
 * each resource keeps Meshplane's content digest as its delta version, and state-of-the-world
 * versions are computed per requested name list. The stock {@code Snapshot.create(...)} factories
 * take one version per type, or hash {@code Message.hashCode()} for delta (which is not stable
 * across processes); this subclass is the library's extension point for both. Immutable.
 */
final class BaselineSnapshot extends Snapshot {

  private final SnapshotResources<Cluster> clusters;
  private final SnapshotResources<ClusterLoadAssignment> endpoints;
  private final SnapshotResources<Listener> listeners;
  private final SnapshotResources<RouteConfiguration> routes;
  private final SnapshotResources<Secret> secrets;
  private final Set<String> listenerRouteRefs;

  private BaselineSnapshot(SnapshotResources<Cluster> clusters, SnapshotResources<ClusterLoadAssignment> endpoints,
      SnapshotResources<Listener> listeners, SnapshotResources<RouteConfiguration> routes,
      Set<String> listenerRouteRefs) {
    this.clusters = clusters;
    this.endpoints = endpoints;
    this.listeners = listeners;
    this.routes = routes;
    this.secrets = resources(List.of());
    this.listenerRouteRefs = listenerRouteRefs;
  }

  /**
   * Each list holds one type's resources, in a deterministic order, with their content versions.
   *
   * @param listenerRouteRefs the route configurations the listeners' API listeners name (read
   *     from the listeners by {@link #routeRefs}, once per service change)
   */
  static BaselineSnapshot of(List<VersionedResource<Cluster>> clusters,
      List<VersionedResource<ClusterLoadAssignment>> endpoints, List<VersionedResource<Listener>> listeners,
      List<VersionedResource<RouteConfiguration>> routes, Set<String> listenerRouteRefs) {
    return new BaselineSnapshot(resources(clusters), resources(endpoints), resources(listeners), resources(routes),
        Set.copyOf(listenerRouteRefs));
  }

  /** The RDS names the API listeners among these listeners refer to. */
  static Set<String> routeRefs(List<VersionedResource<Listener>> listeners) {
    Set<String> out = new HashSet<>();
    for (VersionedResource<Listener> l : listeners) {
      if (l.resource().hasApiListener()) {
        try {
          HttpConnectionManager hcm = l.resource().getApiListener().getApiListener()
              .unpack(HttpConnectionManager.class);
          if (hcm.hasRds()) {
            out.add(hcm.getRds().getRouteConfigName());
          }
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("listener " + l.resource().getName() + " holds no HttpConnectionManager", e);
        }
      }
    }
    return out;
  }

  /**
   * The library's check (every EDS cluster has its assignment, every listener's RDS name its
   * route configuration, and nothing unreferenced), reading API listeners too: the stock
   * {@code ensureConsistent} only looks into filter chains, so it would reject a snapshot of
   * proxyless listeners.
   */
  @Override
  public void ensureConsistent() throws SnapshotConsistencyException {
    ensureAllResourceNamesExist(Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL,
        Resources.getResourceReferences(clusters.versionedResources().values()), endpoints.versionedResources());
    ensureAllResourceNamesExist(Resources.V3.LISTENER_TYPE_URL, Resources.V3.ROUTE_TYPE_URL, listenerRouteRefs,
        routes.versionedResources());
  }

  /**
   * As the parent's; redeclared with a raw type only because javac does not accept the parent's
   * {@code VersionedResource<?>} as overriding the base class's {@code VersionedResource<? extends Message>}.
   */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public Map versionedResources(ResourceType resourceType) {
    return super.versionedResources(resourceType);
  }

  private static <T extends Message> SnapshotResources<T> resources(List<VersionedResource<T>> resources) {
    Map<String, Long> digests = new LinkedHashMap<>();
    List<VersionedResource<T>> all = new ArrayList<>(resources.size());
    for (VersionedResource<T> r : resources) {
      digests.put(Resources.getResourceName(r.resource()), ContentVersions.digest(r.version()));
      all.add(r);
    }
    return SnapshotResources.create(all, new ContentVersions(digests));
  }

  @Override
  public SnapshotResources<Cluster> clusters() {
    return clusters;
  }

  @Override
  public SnapshotResources<ClusterLoadAssignment> endpoints() {
    return endpoints;
  }

  @Override
  public SnapshotResources<Listener> listeners() {
    return listeners;
  }

  @Override
  public SnapshotResources<RouteConfiguration> routes() {
    return routes;
  }

  @Override
  public SnapshotResources<Secret> secrets() {
    return secrets;
  }
}
