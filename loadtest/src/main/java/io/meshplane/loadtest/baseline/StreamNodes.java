package io.meshplane.loadtest.baseline;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each stream's node, because java-control-plane does not: it hashes the node of every
 * request to find the node group, and proxies send {@code node} only on a stream's first request
 * (grpc-js, Envoy with {@code set_node_on_first_message_only}, our SimProxy), so their ACKs would
 * land in the group of an empty node. The request callback runs on the thread that then creates
 * the watch, in the same call, so a thread-local hands the stream's node to {@link NamespaceGroups}.
 *
 * <p>Thread-safe: the map is concurrent, the thread-local is set and read within one request.
 */
final class StreamNodes implements DiscoveryServerCallbacks {

  private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
  private final ThreadLocal<Node> current = new ThreadLocal<>();

  /** The node of the stream whose request this thread is handling; null if none is known. */
  Node current() {
    return current.get();
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    remember(streamId, request.hasNode() ? request.getNode() : null);
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    remember(streamId, request.hasNode() ? request.getNode() : null);
  }

  private void remember(long streamId, Node sent) {
    Node node = sent;
    if (node != null) {
      nodes.put(streamId, node);
    } else {
      node = nodes.get(streamId);
    }
    current.set(node);
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    nodes.remove(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    nodes.remove(streamId);
  }
}
