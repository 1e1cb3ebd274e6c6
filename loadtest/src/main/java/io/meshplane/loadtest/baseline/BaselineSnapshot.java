package io.meshplane.loadtest.baseline;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  private BaselineSnapshot(SnapshotResources<Cluster> clusters, SnapshotResources<ClusterLoadAssignment> endpoints,
      SnapshotResources<Listener> listeners, SnapshotResources<RouteConfiguration> routes) {
    this.clusters = clusters;
    this.endpoints = endpoints;
    this.listeners = listeners;
    this.routes = routes;
    this.secrets = resources(List.of());
  }

  /** Each list holds one type's resources, in a deterministic order, with their content versions. */
  static BaselineSnapshot of(List<VersionedResource<Cluster>> clusters,
      List<VersionedResource<ClusterLoadAssignment>> endpoints, List<VersionedResource<Listener>> listeners,
      List<VersionedResource<RouteConfiguration>> routes) {
    return new BaselineSnapshot(resources(clusters), resources(endpoints), resources(listeners), resources(routes));
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
