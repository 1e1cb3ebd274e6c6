package io.meshplane.xds.generator;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;

/**
 * The part of a requesting proxy that generated resources may depend on: namespace, network,
 * locality and kind. Kept apart from {@link ProxyNode} on purpose: a cache of generated
 * resources must be keyed on everything its generator reads, and this record is that list.
 * Today no generator reads it (every resource of a service version is shared by all proxies);
 * split-horizon EDS will read the network and locality-aware EDS the locality. Immutable.
 */
public record ProxyView(String namespace, String network, Locality locality, ProxyKind kind) {

  public ProxyView {
    requireNonNull(namespace, "namespace");
    requireNonNull(network, "network");
    requireNonNull(locality, "locality");
    requireNonNull(kind, "kind");
  }

  public static ProxyView of(ProxyNode node) {
    return new ProxyView(node.namespace(), node.network(), node.locality(), node.kind());
  }
}
