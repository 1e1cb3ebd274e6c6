package io.meshplane.loadtest.baseline;

import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshplane.model.ServiceSpec;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Groups proxies by namespace (metadata {@code NAMESPACE}, as Meshplane reads it; {@code default}
 * when absent): the one thing Meshplane's resources depend on per proxy is which service a bare
 * {@code name:port} listener means, and that is per namespace. Every proxy of a namespace shares
 * one snapshot; in a mesh with one namespace this is one node group for all proxies.
 *
 * <p>Called on gRPC threads for every request; reports each namespace the first time it is seen.
 */
final class NamespaceGroups implements NodeGroup<String> {

  static final String DEFAULT_NAMESPACE = "default";

  private final Consumer<String> seen;
  private final Supplier<Node> streamNode;

  /**
   * @param seen told every namespace hashed
   * @param streamNode the node of the stream being served, for requests that carry none
   */
  NamespaceGroups(Consumer<String> seen, Supplier<Node> streamNode) {
    this.seen = seen;
    this.streamNode = streamNode;
  }

  @Override
  public String hash(Node sent) {
    Node node = sent == null || sent.equals(Node.getDefaultInstance()) ? streamNode.get() : sent;
    String namespace = DEFAULT_NAMESPACE;
    if (node != null) {
      var value = node.getMetadata().getFieldsMap().get("NAMESPACE");
      if (value != null && value.hasStringValue() && isNamespace(value.getStringValue())) {
        namespace = value.getStringValue();
      }
    }
    seen.accept(namespace);
    return namespace;
  }

  /** A DNS label, so that it can stand in a hostname ({@link ServiceSpec#hostname}). */
  private static boolean isNamespace(String s) {
    return !s.isEmpty() && s.length() <= 63 && s.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  }
}
