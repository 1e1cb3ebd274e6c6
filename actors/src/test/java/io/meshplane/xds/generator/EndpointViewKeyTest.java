package io.meshplane.xds.generator;

import static io.meshplane.xds.generator.EndpointViewTest.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.Mesh;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.Locality;
import io.meshplane.model.ProxyKind;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The EDS cache key holds exactly what the computation reads: two proxies share generated EDS
 * when, and only when, nothing the generator reads of them differs.
 */
class EndpointViewKeyTest {

  private static final String HOST = "greeter.demo.svc.cluster.local";
  private static final Locality ZONE_A = new Locality("us-east1", "us-east1-a", "");
  private static final Locality ZONE_B = new Locality("us-east1", "us-east1-b", "");
  private static final MeshConfig.Gateway GW = new MeshConfig.Gateway("192.0.2.1", 15443);
  /** A flat mesh with locality failover on (the default has it off). */
  private static final Mesh FLAT = Mesh.of(new io.meshplane.mesh.MeshConfig("mesh1", "cluster.local", java.util.Map.of(), java.util.List.of("*"),
      java.util.List.of(), true), io.meshplane.mesh.DiscoveredGateways.NONE);
  private static final Mesh FLAT_NO_FAILOVER = Mesh.of(config(false, Map.of(), List.of()), DiscoveredGateways.NONE);
  private static final Mesh SPLIT = Mesh.of(config(true, Map.of("net-a", List.of(GW)), List.of()),
      DiscoveredGateways.NONE);
  private static final Mesh CLUSTER_LOCAL = Mesh.of(config(true, Map.of(), List.of(HOST)), DiscoveredGateways.NONE);

  private static ProxyView proxy(String namespace, String cluster, String network, Locality locality,
      ProxyKind kind) {
    return new ProxyView(namespace, cluster, network, locality, kind);
  }

  private static final ProxyView BASE = proxy("demo", "c1", "net-a", ZONE_A, ProxyKind.SIDECAR);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("another namespace never matters", SPLIT, proxy("other", "c1", "net-a", ZONE_A,
            ProxyKind.SIDECAR), true),
        Arguments.of("another cluster in a flat mesh", FLAT, proxy("demo", "c2", "net-a", ZONE_A,
            ProxyKind.SIDECAR), true),
        Arguments.of("another cluster for a cluster-local service", CLUSTER_LOCAL, proxy("demo", "c2", "net-a",
            ZONE_A, ProxyKind.SIDECAR), false),
        Arguments.of("another network in a flat mesh", FLAT, proxy("demo", "c1", "net-b", ZONE_A,
            ProxyKind.SIDECAR), true),
        Arguments.of("another network in a split mesh", SPLIT, proxy("demo", "c1", "net-b", ZONE_A,
            ProxyKind.SIDECAR), false),
        Arguments.of("proxyless in a flat mesh", FLAT, proxy("demo", "c1", "net-a", ZONE_A,
            ProxyKind.PROXYLESS), true),
        Arguments.of("proxyless in a split mesh", SPLIT, proxy("demo", "c1", "net-a", ZONE_A,
            ProxyKind.PROXYLESS), false),
        Arguments.of("a gateway proxy is a sidecar to EDS", SPLIT, proxy("demo", "c1", "net-a", ZONE_A,
            ProxyKind.GATEWAY), true),
        Arguments.of("another zone with failover", FLAT, proxy("demo", "c1", "net-a", ZONE_B,
            ProxyKind.SIDECAR), false),
        Arguments.of("another zone without failover", FLAT_NO_FAILOVER, proxy("demo", "c1", "net-a", ZONE_B,
            ProxyKind.SIDECAR), true));
  }

  @ParameterizedTest(name = "{0}: same key {2}")
  @MethodSource("table")
  void proxies_share_a_key_only_when_the_computation_reads_nothing_that_differs(String description, Mesh mesh,
      ProxyView other, boolean sameKey) {
    EndpointViewKey base = EndpointViewKey.of(BASE, mesh, HOST);
    EndpointViewKey key = EndpointViewKey.of(other, mesh, HOST);

    assertThat(key.equals(base)).isEqualTo(sameKey);
  }
}
