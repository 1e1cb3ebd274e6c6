package io.meshplane.xds.generator;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;

/**
 * The part of a requesting proxy that generated resources may depend on: namespace (visibility),
 * member cluster (cluster-local services), network (split-horizon EDS), locality (EDS priorities)
 * and kind (proxyless clients get no out-of-network endpoints). Kept apart from {@link ProxyNode}
 * on purpose: a cache of generated resources must be keyed on everything its generator reads.
 * Only EDS reads it; {@link EndpointViewKey#of} narrows it to what one service's EDS reads.
 * Immutable.
 */
public record ProxyView(String namespace, String clusterId, String network, Locality locality, ProxyKind kind) {

  public ProxyView {
    requireNonNull(namespace, "namespace");
    requireNonNull(clusterId, "clusterId");
    requireNonNull(network, "network");
    requireNonNull(locality, "locality");
    requireNonNull(kind, "kind");
  }

  public static ProxyView of(ProxyNode node) {
    return new ProxyView(node.namespace(), node.clusterId(), node.network(), node.locality(), node.kind());
  }
}
