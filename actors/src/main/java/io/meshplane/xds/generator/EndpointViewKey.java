package io.meshplane.xds.generator;

import static java.util.Objects.requireNonNull;

import io.meshplane.mesh.Mesh;
import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import java.util.Optional;

/**
 * Exactly what {@link EndpointGenerator} reads of a proxy for one service under one {@link Mesh},
 * and nothing else, so that proxies with equal keys share one generated ClusterLoadAssignment:
 * thousands of proxies fall into a handful of keys.
 *
 * <ul>
 *   <li>{@code network}: the proxy's network, only when the mesh is split-horizon (else empty).
 *   <li>{@code proxyless}: only when split-horizon (it only removes out-of-network endpoints).
 *   <li>{@code locality}: the proxy's locality, only when locality failover is on and the proxy
 *       knows its region (a proxy without a region matches nothing: every priority would be 3,
 *       compacted to 0, the same as failover off); else {@link Locality#UNKNOWN}.
 *   <li>{@code onlyCluster}: the proxy's member cluster, only when the service is cluster-local.
 * </ul>
 *
 * The service version and the mesh are not in the key: a key is only looked up in the memo of one
 * {@code ServiceView}, which is one service version under one mesh. Immutable.
 */
public record EndpointViewKey(String network, boolean proxyless, Locality locality, Optional<String> onlyCluster) {

  /** What a proxy that states nothing sees in a flat mesh: every endpoint, all at priority 0. */
  public static final EndpointViewKey NEUTRAL =
      new EndpointViewKey("", false, Locality.UNKNOWN, Optional.empty());

  public EndpointViewKey {
    requireNonNull(network, "network");
    requireNonNull(locality, "locality");
    requireNonNull(onlyCluster, "onlyCluster");
  }

  /** The key of {@code proxy} for a service of host {@code hostname} under {@code mesh}. */
  public static EndpointViewKey of(ProxyView proxy, Mesh mesh, String hostname) {
    boolean split = mesh.networks().splitHorizon();
    boolean byLocality = mesh.config().localityFailover() && !proxy.locality().region().isEmpty();
    return new EndpointViewKey(
        split ? proxy.network() : "",
        split && proxy.kind() == ProxyKind.PROXYLESS,
        byLocality ? proxy.locality() : Locality.UNKNOWN,
        mesh.config().isClusterLocal(hostname) ? Optional.of(proxy.clusterId()) : Optional.empty());
  }
}
