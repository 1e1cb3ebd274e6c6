package io.meshplane.xds.generator;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshplane.model.Endpoint;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * EDS: one ClusterLoadAssignment per service port, named like the port's cluster, with every
 * member cluster's endpoints grouped by locality. Stateless; the output depends on the service
 * state only (no split horizon or locality priorities yet: every endpoint, priority 0).
 *
 * <p>Each locality is weighted by its endpoint count: grpc-java drops localities without a
 * weight. Localities and endpoints are sorted, so equal states give equal bytes whatever order
 * the registries reported them in. A port without endpoints still gets an (empty) assignment:
 * an absent one would leave clients waiting instead of failing fast.
 */
public final class EndpointGenerator {

  private static final Comparator<Locality> LOCALITY_ORDER = Comparator.comparing(Locality::region)
      .thenComparing(Locality::zone)
      .thenComparing(Locality::subzone);
  private static final Comparator<Target> TARGET_ORDER = Comparator.comparing((Target t) -> t.endpoint().address())
      .thenComparingInt(Target::port)
      .thenComparing(t -> t.endpoint().clusterId())
      .thenComparing(t -> t.endpoint().workloadName());
  private static final UInt32Value WEIGHT_ONE = UInt32Value.of(1);

  private EndpointGenerator() {}

  /** One endpoint at the port it serves for the service port in hand. */
  private record Target(Endpoint endpoint, int port) {}

  /** One assignment per port; none when the service declares no port (it does not exist). */
  public static List<Resource> generate(ServiceState state) {
    List<Endpoint> endpoints = state.endpoints();
    List<Resource> out = new ArrayList<>();
    for (ServicePort port : state.ports()) {
      String name = ResourceNames.clusterLoadAssignment(state.hostname(), port.port());
      out.add(Resource.of(name, assignment(name, port, endpoints)));
    }
    return List.copyOf(out);
  }

  static ClusterLoadAssignment assignment(String name, ServicePort port, List<Endpoint> endpoints) {
    Map<Locality, List<Target>> byLocality = new TreeMap<>(LOCALITY_ORDER);
    for (Endpoint e : endpoints) {
      e.portFor(port).ifPresent(p ->
          byLocality.computeIfAbsent(e.locality(), l -> new ArrayList<>()).add(new Target(e, p)));
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
    byLocality.forEach((locality, targets) -> {
      targets.sort(TARGET_ORDER);
      LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder()
          .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
              .setRegion(locality.region())
              .setZone(locality.zone())
              .setSubZone(locality.subzone()))
          .setLoadBalancingWeight(UInt32Value.of(targets.size()))
          .setPriority(0);
      targets.forEach(t -> group.addLbEndpoints(lbEndpoint(t)));
      cla.addEndpoints(group);
    });
    return cla.build();
  }

  private static LbEndpoint lbEndpoint(Target t) {
    return LbEndpoint.newBuilder()
        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
            .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                .setAddress(t.endpoint().address())
                .setPortValue(t.port()))))
        .setHealthStatus(t.endpoint().ready() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
        .setLoadBalancingWeight(WEIGHT_ONE)
        .build();
  }
}
