package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.Fixtures.HOST;
import static io.meshplane.xds.generator.Fixtures.grpcPort;
import static io.meshplane.xds.generator.Fixtures.spec;
import static io.meshplane.xds.generator.Fixtures.state;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource.ConfigSourceSpecifierCase;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServicePort;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterGeneratorTest {

  @Test
  void cluster_is_eds_over_ads_with_round_robin() throws Exception {
    List<Resource> clusters = ClusterGenerator.generate(state(1, spec(grpcPort(50051))));

    assertThat(clusters).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo("outbound|50051||" + HOST);
      assertThat(r.typeUrl()).isEqualTo(TypeUrls.CLUSTER);
    });
    Cluster cluster = clusters.get(0).body().unpack(Cluster.class);
    assertThat(cluster.getName()).isEqualTo("outbound|50051||" + HOST);
    assertThat(cluster.getType()).isEqualTo(DiscoveryType.EDS);
    assertThat(cluster.getLbPolicy()).isEqualTo(LbPolicy.ROUND_ROBIN);
    assertThat(cluster.getConnectTimeout().getSeconds()).isEqualTo(5);
    assertThat(cluster.getEdsClusterConfig().getServiceName()).isEqualTo("outbound|50051||" + HOST);
    assertThat(cluster.getEdsClusterConfig().getEdsConfig().getConfigSourceSpecifierCase())
        .isEqualTo(ConfigSourceSpecifierCase.ADS);
    assertThat(cluster.getEdsClusterConfig().getEdsConfig().getResourceApiVersion()).isEqualTo(ApiVersion.V3);
  }

  @Test
  void grpc_ports_speak_http2_upstream_and_plain_ports_do_not() throws Exception {
    List<Resource> clusters = ClusterGenerator.generate(state(1, spec(
        new ServicePort("web", 80, 0, "TCP"),
        new ServicePort("grpc-api", 81, 0, "TCP"),
        new ServicePort("", 82, 0, "kubernetes.io/h2c"),
        new ServicePort("api", 83, 0, "GRPC"))));

    assertThat(clusters).hasSize(4);
    assertThat(clusters.get(0).body().unpack(Cluster.class).getTypedExtensionProtocolOptionsMap()).isEmpty();
    for (Resource r : clusters.subList(1, 4)) {
      HttpProtocolOptions options = r.body().unpack(Cluster.class)
          .getTypedExtensionProtocolOptionsOrThrow(ClusterGenerator.HTTP_PROTOCOL_OPTIONS)
          .unpack(HttpProtocolOptions.class);
      assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).as(r.name()).isTrue();
    }
  }

  @Test
  void a_service_no_cluster_declares_has_no_clusters() {
    assertThat(ClusterGenerator.generate(state(1, new ClusterShare("east", Optional.empty(),
        List.of(Fixtures.endpoint("10.0.0.1", Fixtures.EAST_A, true)))))).isEmpty();
  }

  @Test
  void locality_failover_gives_every_cluster_outlier_detection_that_ejects_on_failures() throws Exception {
    Cluster cluster = Cluster.parseFrom(ClusterGenerator.generate(state(1, spec(grpcPort(50051))), true)
        .get(0).body().getValue());

    assertThat(cluster.hasOutlierDetection()).isTrue();
    var od = cluster.getOutlierDetection();
    // Envoy: consecutive errors; grpc-java: failure percentage (it ignores the consecutive ones).
    assertThat(od.getConsecutive5Xx().getValue()).isPositive();
    assertThat(od.getEnforcingConsecutiveGatewayFailure().getValue()).isEqualTo(100);
    assertThat(od.getEnforcingFailurePercentage().getValue()).isEqualTo(100);
    assertThat(od.getFailurePercentageMinimumHosts().getValue()).isEqualTo(1);
    // The ranges grpc-java validates (a value out of range is a NACK of the whole CDS response).
    assertThat(od.getMaxEjectionPercent().getValue()).isBetween(1, 100);
    assertThat(od.getEnforcingSuccessRate().getValue()).isBetween(0, 100);
    assertThat(od.getFailurePercentageThreshold().getValue()).isBetween(1, 100);
    for (var d : List.of(od.getInterval(), od.getBaseEjectionTime(), od.getMaxEjectionTime())) {
      assertThat(d.getSeconds()).isPositive();
      assertThat(d.getNanos()).isZero();
    }
  }

  @Test
  void failover_outlier_detection_can_eject_a_whole_locality_on_failures_only() throws Exception {
    var od = Cluster.parseFrom(ClusterGenerator.generate(state(1, spec(grpcPort(50051))), true)
        .get(0).body().getValue()).getOutlierDetection();

    // Pinned: ClusterGenerator's Javadoc gives the reason for each value; change both together.
    assertThat(od).isEqualTo(OutlierDetection.newBuilder()
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
        .build());
  }

  @Test
  void without_locality_failover_clusters_have_no_outlier_detection() throws Exception {
    Cluster cluster = Cluster.parseFrom(ClusterGenerator.generate(state(1, spec(grpcPort(50051))), false)
        .get(0).body().getValue());

    assertThat(cluster.hasOutlierDetection()).isFalse();
  }
}
