package io.meshplane.xds.generator;

import java.util.Set;

/**
 * The Envoy v3 type URLs Meshplane serves, and which of them a client subscribes to as a whole
 * (wildcard) when it names no resource. Constants only.
 */
public final class TypeUrls {

  private static final String PREFIX = "type.googleapis.com/";

  public static final String LISTENER = PREFIX + "envoy.config.listener.v3.Listener";
  public static final String ROUTE_CONFIGURATION = PREFIX + "envoy.config.route.v3.RouteConfiguration";
  public static final String CLUSTER = PREFIX + "envoy.config.cluster.v3.Cluster";
  public static final String CLUSTER_LOAD_ASSIGNMENT = PREFIX + "envoy.config.endpoint.v3.ClusterLoadAssignment";

  /** Every type URL this package generates resources for. */
  public static final Set<String> SUPPORTED =
      Set.of(LISTENER, ROUTE_CONFIGURATION, CLUSTER, CLUSTER_LOAD_ASSIGNMENT);

  private TypeUrls() {}

  /**
   * Whether an empty first subscription to this type means "everything" (the xDS wildcard):
   * true for LDS and CDS, where Envoy starts without knowing any names; RDS and EDS are always
   * asked for by name, so an empty list there means "nothing".
   */
  public static boolean isWildcardByDefault(String typeUrl) {
    return LISTENER.equals(typeUrl) || CLUSTER.equals(typeUrl);
  }

  /** LDS, RDS, CDS or EDS for a supported type URL, else the type URL itself; for log lines. */
  public static String shortName(String typeUrl) {
    if (LISTENER.equals(typeUrl)) {
      return "LDS";
    }
    if (ROUTE_CONFIGURATION.equals(typeUrl)) {
      return "RDS";
    }
    if (CLUSTER.equals(typeUrl)) {
      return "CDS";
    }
    if (CLUSTER_LOAD_ASSIGNMENT.equals(typeUrl)) {
      return "EDS";
    }
    return typeUrl;
  }
}
