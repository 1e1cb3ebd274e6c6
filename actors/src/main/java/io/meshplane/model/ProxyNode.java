package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.regex.Pattern;

/**
 * An xDS client as the control plane knows it, parsed from the {@code node} of its first
 * DiscoveryRequest: id, member cluster, namespace, network, locality and kind. Immutable.
 *
 * <p>Metadata keys read: {@code NAMESPACE}, {@code CLUSTER_ID}, {@code NETWORK} and
 * {@code PROXY_KIND} (sidecar, proxyless, gateway), all strings. An Istio-style id
 * ({@code kind~ip~name.namespace~namespace.svc.cluster.local}) supplies kind and namespace when the
 * metadata does not.
 */
public record ProxyNode(
    String id, String clusterId, String namespace, String network, Locality locality, ProxyKind kind) {

  public static final int MAX_ID_LENGTH = 256;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,126}[A-Za-z0-9])?");

  public ProxyNode {
    requireNonNull(id, "id");
    requireNonNull(clusterId, "clusterId");
    requireNonNull(namespace, "namespace");
    requireNonNull(network, "network");
    requireNonNull(locality, "locality");
    requireNonNull(kind, "kind");
  }

  /**
   * Parses and validates a node.
   *
   * @throws InvalidInputException naming the field and the expected form
   */
  public static ProxyNode parse(Node node) {
    String id = node.getId();
    if (id.isEmpty()) {
      throw new InvalidInputException("node.id is empty; expected a proxy id such as "
          + "'sidecar~10.0.0.1~app-1.default~default.svc.cluster.local' or any non-blank name");
    }
    if (id.length() > MAX_ID_LENGTH) {
      throw new InvalidInputException("node.id is " + id.length() + " characters; expected at most " + MAX_ID_LENGTH);
    }
    if (!id.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new InvalidInputException("node.id '" + printable(id) + "' has whitespace or non-ASCII characters; "
          + "expected printable ASCII without spaces");
    }
    Struct md = node.getMetadata();
    String namespace = stringField(md, "NAMESPACE");
    String clusterId = stringField(md, "CLUSTER_ID");
    String network = stringField(md, "NETWORK");
    String kindText = stringField(md, "PROXY_KIND");

    ProxyKind kind = null;
    String[] parts = id.split("~", -1);
    boolean istioStyle = parts.length == 4;
    if (istioStyle) {
      kind = ProxyKind.parse(parts[0]).orElseThrow(() -> new InvalidInputException("node.id '" + id
          + "' looks like kind~ip~name.namespace~domain but kind '" + parts[0]
          + "' is not one of sidecar, proxyless, gateway"));
      if (namespace.isEmpty()) {
        int dot = parts[2].lastIndexOf('.');
        namespace = dot >= 0 ? parts[2].substring(dot + 1) : "";
      }
    }
    if (!kindText.isEmpty()) {
      kind = ProxyKind.parse(kindText).orElseThrow(() -> new InvalidInputException(
          "node.metadata.PROXY_KIND is '" + kindText + "'; expected sidecar, proxyless or gateway"));
    }
    if (kind == null) {
      kind = node.getUserAgentName().toLowerCase().contains("grpc") ? ProxyKind.PROXYLESS : ProxyKind.SIDECAR;
    }
    if (namespace.isEmpty()) {
      namespace = "default";
    }
    if (!DNS_LABEL.matcher(namespace).matches()) {
      throw new InvalidInputException("node namespace '" + printable(namespace)
          + "' is not a Kubernetes namespace name; expected a DNS label (lower-case letters, digits, '-')");
    }
    if (!clusterId.isEmpty() && !NAME.matcher(clusterId).matches()) {
      throw new InvalidInputException("node.metadata.CLUSTER_ID '" + printable(clusterId)
          + "' is not a cluster id; expected letters, digits, '-', '_' or '.'");
    }
    if (!network.isEmpty() && !NAME.matcher(network).matches()) {
      throw new InvalidInputException("node.metadata.NETWORK '" + printable(network)
          + "' is not a network name; expected letters, digits, '-', '_' or '.'");
    }
    Locality locality = new Locality(node.getLocality().getRegion(), node.getLocality().getZone(),
        node.getLocality().getSubZone());
    return new ProxyNode(id, clusterId, namespace, network, locality, kind);
  }

  private static String stringField(Struct md, String key) {
    Value v = md.getFieldsMap().get(key);
    if (v == null || v.getKindCase() == Value.KindCase.NULL_VALUE) {
      return "";
    }
    if (v.getKindCase() != Value.KindCase.STRING_VALUE) {
      throw new InvalidInputException("node.metadata." + key + " is a " + v.getKindCase()
          + "; expected a string");
    }
    return v.getStringValue().trim();
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    StringBuilder b = new StringBuilder();
    cut.codePoints().forEach(c -> {
      if (c >= 0x20 && c < 0x7f) {
        b.appendCodePoint(c);
      } else {
        b.append(String.format("\\u%04x", c));
      }
    });
    return b.toString();
  }
}
