package io.meshplane.testing;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.meshplane.xds.generator.TypeUrls;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A raw SotW ADS stream subscribed to one EDS resource, standing in for a sidecar: it acknowledges
 * every response and reads the endpoints ({@code ip:port}) out of it. Used from the test thread only.
 */
public final class EdsStream implements AutoCloseable {

  private final AdsClient<DiscoveryRequest, DiscoveryResponse> ads;
  private final String resource;
  private Set<String> last = Set.of();

  private EdsStream(AdsClient<DiscoveryRequest, DiscoveryResponse> ads, String resource) {
    this.ads = ads;
    this.resource = resource;
  }

  /** Opens the stream on {@code channel} as {@code node} and subscribes to {@code resource}. */
  public static EdsStream open(ManagedChannel channel, Node node, String resource) {
    AdsClient<DiscoveryRequest, DiscoveryResponse> ads = AdsClient.sotw(channel);
    ads.send(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
        .addResourceNames(resource).build());
    return new EdsStream(ads, resource);
  }

  /** A proxy's node: {@code id} and string metadata (NAMESPACE, CLUSTER_ID, NETWORK, PROXY_KIND...). */
  public static Node node(String id, Map<String, String> metadata) {
    Struct.Builder md = Struct.newBuilder();
    metadata.forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Node.newBuilder().setId(id).setMetadata(md).build();
  }

  /**
   * Reads (and acknowledges) responses until the endpoints are exactly {@code expected}; returns
   * how long that took in milliseconds, fails after {@code timeout}.
   */
  public long awaitEndpoints(Set<String> expected, Duration timeout) {
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    if (last.equals(expected)) {
      return 0;
    }
    while (System.nanoTime() < deadline) {
      DiscoveryResponse r = ads.next();
      ads.send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
          .setResponseNonce(r.getNonce()).addResourceNames(resource).build());
      last = endpoints(r);
      if (last.equals(expected)) {
        return (System.nanoTime() - t0) / 1_000_000;
      }
    }
    throw new AssertionError("EDS " + resource + ": never saw " + expected + " within " + timeout + "; last view "
        + last);
  }

  /** Whether the server has not ended the stream. */
  public boolean isOpen() {
    return ads.isOpen();
  }

  private static Set<String> endpoints(DiscoveryResponse r) {
    Set<String> out = new TreeSet<>();
    for (Any any : r.getResourcesList()) {
      ClusterLoadAssignment cla;
      try {
        cla = any.unpack(ClusterLoadAssignment.class);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("EDS response holds a " + any.getTypeUrl() + ", expected a ClusterLoadAssignment", e);
      }
      for (var locality : cla.getEndpointsList()) {
        for (var e : locality.getLbEndpointsList()) {
          var address = e.getEndpoint().getAddress().getSocketAddress();
          out.add(address.getAddress() + ":" + address.getPortValue());
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    ads.close();
  }
}
