package io.meshplane.xds.generator;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.EdsClusterConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * CDS: one Cluster per service port, named {@code outbound|<port>||<hostname>}, of type EDS
 * over ADS with round-robin balancing. grpc-java takes it as is; for Envoy sidecars, a gRPC or
 * HTTP/2 port also gets explicit HTTP/2 upstream options (grpc-java ignores them), because
 * Envoy would otherwise speak HTTP/1.1 to a gRPC server.
 *
 * <p>With locality failover on, every cluster gets outlier detection: EDS puts remote localities
 * at lower priorities, and traffic only moves to them when local endpoints count as unhealthy,
 * which without active health checks means ejected. The values, and why:
 * <ul>
 *   <li>Failure percentage (threshold 50 %, enforced 100 %): grpc-java implements only the
 *       success-rate and failure-percentage algorithms (it ignores the consecutive ones), and
 *       failure percentage judges each host on its own errors.
 *   <li>Minimum hosts 1, request volume 10 per interval: the defaults (5 hosts, 50 requests)
 *       would never eject in a small locality, and a one-host locality must be able to fail over.
 *   <li>Success rate off (enforcing 0; grpc-java then drops the algorithm): it ejects hosts that
 *       are merely worse than their peers, which moves traffic between healthy localities.
 *   <li>Max ejection 100 %: grpc-java counts it per priority (outlier detection sits under each
 *       priority), so anything less keeps the last hosts of a failing locality in rotation and the
 *       priority never fails over (Envoy's panic threshold keeps a fully ejected cluster serving).
 *   <li>Consecutive 5xx 5 and gateway failures 3 (enforced 100 %): for Envoy sidecars, which
 *       eject on these; consecutive gateway failures are not enforced by default.
 *   <li>Interval 5 s, base ejection 30 s, max ejection 300 s: a failing locality loses its
 *       traffic within one or two intervals, and an ejected host is retried after 30 s, backing
 *       off to 5 minutes when it keeps failing (Envoy's defaults for the last two).
 * </ul>
 * Every value is within the ranges grpc-java validates (percentages at most 100, non-negative
 * durations); one out of range would NACK the whole CDS response.
 *
 * <p>No value makes the block safe for grpc-java 1.85.1 under endpoint churn: any outlier detection
 * puts its OutlierDetectionLoadBalancer in the channel, whose picker reads the endpoint's tracker
 * from the subchannel at pick time. When EDS drops an endpoint, the child policy shuts its
 * subchannel down, which clears that tracker at once, while the channel keeps the transport usable
 * for 5 more seconds (so that RPCs already picked can start); a pick that still returns that
 * subchannel gets a null tracker, and the stream's {@code streamClosed} throws a
 * NullPointerException on the Netty thread inside
 * {@code AbstractClientStream.TransportState.closeListener}, after the stream is marked closed and
 * before its listener hears of it. The RPC then never completes, deadline or not (ChaosIT: a
 * blocking call parked in {@code ThreadlessExecutor.waitAndDrain}). Hence failover stays off by
 * default ({@code MeshConfig.DEFAULT}). Stateless; the output depends on the service state and
 * that switch only.
 */
public final class ClusterGenerator {

  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  private static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();
  /** Protocols (Kubernetes appProtocol or Istio names) that mean HTTP/2 without TLS upstream. */
  private static final Set<String> HTTP2_PROTOCOLS = Set.of("grpc", "http2", "h2c", "kubernetes.io/h2c");

  static final OutlierDetection FAILOVER_OUTLIER_DETECTION = OutlierDetection.newBuilder()
      .setConsecutive5Xx(UInt32Value.of(5))
      .setConsecutiveGatewayFailure(UInt32Value.of(3))
      .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
      .setEnforcingSuccessRate(UInt32Value.of(0))
      .setFailurePercentageThreshold(UInt32Value.of(50))
      .setEnforcingFailurePercentage(UInt32Value.of(100))
      .setFailurePercentageMinimumHosts(UInt32Value.of(1))
      .setFailurePercentageRequestVolume(UInt32Value.of(10))
      .setInterval(Duration.newBuilder().setSeconds(5))
      .setBaseEjectionTime(Duration.newBuilder().setSeconds(30))
      .setMaxEjectionTime(Duration.newBuilder().setSeconds(300))
      .setMaxEjectionPercent(UInt32Value.of(100))
      .build();

  private ClusterGenerator() {}

  /** One cluster per port, without outlier detection; none when the service does not exist. */
  public static List<Resource> generate(ServiceState state) {
    return generate(state, false);
  }

  /**
   * One cluster per port, with outlier detection when {@code localityFailover}; none when the
   * service does not exist.
   */
  public static List<Resource> generate(ServiceState state, boolean localityFailover) {
    if (!state.exists()) {
      return List.of();
    }
    List<Resource> out = new ArrayList<>();
    for (ServicePort port : state.ports()) {
      String name = ResourceNames.cluster(state.hostname(), port.port());
      Cluster.Builder cluster = Cluster.newBuilder()
          .setName(name)
          .setType(DiscoveryType.EDS)
          .setEdsClusterConfig(EdsClusterConfig.newBuilder()
              .setEdsConfig(Protos.ADS)
              .setServiceName(ResourceNames.clusterLoadAssignment(state.hostname(), port.port())))
          .setLbPolicy(LbPolicy.ROUND_ROBIN)
          .setConnectTimeout(CONNECT_TIMEOUT);
      if (localityFailover) {
        cluster.setOutlierDetection(FAILOVER_OUTLIER_DETECTION);
      }
      if (isHttp2(port)) {
        cluster.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Protos.pack(
            HttpProtocolOptions.newBuilder()
                .setExplicitHttpConfig(ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                .build()));
      }
      out.add(Resource.of(name, cluster.build()));
    }
    return List.copyOf(out);
  }

  /** By protocol, or by Istio's port naming ({@code grpc}, {@code grpc-*}, {@code http2}, {@code http2-*}). */
  static boolean isHttp2(ServicePort port) {
    String protocol = port.protocol().toLowerCase(Locale.ROOT);
    String name = port.name().toLowerCase(Locale.ROOT);
    return HTTP2_PROTOCOLS.contains(protocol)
        || name.equals("grpc") || name.startsWith("grpc-")
        || name.equals("http2") || name.startsWith("http2-");
  }
}
