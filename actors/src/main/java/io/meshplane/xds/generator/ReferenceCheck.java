package io.meshplane.xds.generator;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import java.util.Map;

/**
 * Checks that a service's resources only refer to each other: every listener's route
 * configuration, every route's cluster and every EDS cluster's load assignment is there. A
 * dangling reference would leave a client waiting forever for a resource nobody sends, so it is
 * a programming error, reported with both names. Stateless.
 *
 * <p>Bodies are parsed from their bytes, never with {@code Any#unpack}: that would keep the
 * parsed message inside the shared {@code Any} for as long as the resource is cached.
 */
final class ReferenceCheck {

  private ReferenceCheck() {}

  /** {@link #check} for an {@code assert} statement: true, or it throws. */
  static boolean checked(ServiceResources resources) {
    check(resources);
    return true;
  }

  static void check(ServiceResources resources) {
    Map<String, Resource> routes = resources.resources(TypeUrls.ROUTE_CONFIGURATION);
    Map<String, Resource> clusters = resources.resources(TypeUrls.CLUSTER);
    Map<String, Resource> assignments = resources.resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
    try {
      for (Map<String, Resource> listeners
          : List.of(resources.resources(TypeUrls.LISTENER), resources.listenerAliases())) {
        for (Resource r : listeners.values()) {
          Listener listener = Listener.parseFrom(r.body().getValue());
          HttpConnectionManager hcm = HttpConnectionManager.parseFrom(
              listener.getApiListener().getApiListener().getValue());
          require(routes, hcm.getRds().getRouteConfigName(), "listener", r.name(), "route configuration");
        }
      }
      for (Resource r : routes.values()) {
        for (VirtualHost host : RouteConfiguration.parseFrom(r.body().getValue()).getVirtualHostsList()) {
          for (Route route : host.getRoutesList()) {
            require(clusters, route.getRoute().getCluster(), "route configuration", r.name(), "cluster");
          }
        }
      }
      for (Resource r : clusters.values()) {
        Cluster cluster = Cluster.parseFrom(r.body().getValue());
        String serviceName = cluster.getEdsClusterConfig().getServiceName();
        require(assignments, serviceName.isEmpty() ? cluster.getName() : serviceName,
            "cluster", r.name(), "load assignment");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a generated resource of " + resources.hostname() + " does not parse", e);
    }
  }

  private static void require(Map<String, Resource> targets, String name, String fromKind, String from,
      String toKind) {
    if (!targets.containsKey(name)) {
      throw new IllegalStateException(fromKind + " " + from + " refers to " + toKind + " '" + name
          + "', which was not generated");
    }
  }
}
