package io.meshplane.xds.generator;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.mesh.MeshNetworks;
import io.meshplane.model.Endpoint;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * EDS: one ClusterLoadAssignment per service port, named like the port's cluster, as one proxy
 * sees it ({@link EndpointViewKey}). Stateless; equal inputs give equal bytes.
 *
 * <p>What a proxy sees:
 * <ul>
 *   <li>Cluster-local services: only the endpoints of the proxy's own member cluster (a proxy that
 *       does not state its cluster sees none: we cannot tell which endpoints may reach it).
 *   <li>Split horizon, when the mesh has networks ({@link MeshNetworks#splitHorizon()}): endpoints
 *       on the proxy's network are listed directly. Networks are compared as names, so an endpoint
 *       without a network is on the network of proxies without one, and on no other. Each other
 *       network's ready endpoints are replaced by that network's east-west gateways, in the
 *       locality of the endpoints they stand for, each gateway weighted by how many of them it
 *       stands for (split evenly over the network's gateways in address order; a gateway left
 *       with none is omitted). Endpoints on a network without any gateway are unreachable from
 *       other networks and are left out, as are unready remote endpoints (nothing behind a gateway
 *       would take their share). Proxyless clients get no out-of-network entries at all: they
 *       cannot tunnel through a gateway.
 *   <li>Locality priorities, when the key carries the proxy's locality (failover on): 0 for the
 *       proxy's region, zone and subzone, 1 for its region and zone, 2 for its region, 3 for the
 *       rest; then compacted (0, 2, 3 become 0, 1, 2), because Envoy and grpc-java require
 *       priorities that start at 0 without gaps. Otherwise every locality is at priority 0.
 * </ul>
 *
 * <p>Each locality is weighted by the sum of its endpoints' weights: grpc-java drops localities
 * without a weight. Localities and endpoints are sorted (gateways after the locality's own
 * endpoints), so equal states give equal bytes whatever order the registries reported them in. A
 * port without endpoints still gets an (empty) assignment: an absent one would leave clients
 * waiting instead of failing fast.
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
  private static final int OTHER_REGION = 3;

  private EndpointGenerator() {}

  /** One endpoint at the port it serves for the service port in hand. */
  private record Target(Endpoint endpoint, int port) {}

  /** The endpoints of one locality: those reached directly, and gateway address -> weight. */
  private static final class Group {
    final List<Target> direct = new ArrayList<>();
    final Map<MeshConfig.Gateway, Integer> gateways = new TreeMap<>(
        Comparator.comparing(MeshConfig.Gateway::address).thenComparingInt(MeshConfig.Gateway::port));

    int weight() {
      return direct.size() + gateways.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /** Every endpoint at priority 0, as a proxy that states nothing sees it in a flat mesh. */
  public static List<Resource> generate(ServiceState state) {
    return generate(state, MeshNetworks.FLAT, EndpointViewKey.NEUTRAL);
  }

  /** One assignment per port as the proxies of {@code key} see it; none when the service has no port. */
  public static List<Resource> generate(ServiceState state, MeshNetworks networks, EndpointViewKey key) {
    List<Endpoint> endpoints = state.endpoints();
    if (key.onlyCluster().isPresent()) {
      String own = key.onlyCluster().get();
      endpoints = endpoints.stream().filter(e -> e.clusterId().equals(own)).toList();
    }
    List<Resource> out = new ArrayList<>();
    for (ServicePort port : state.ports()) {
      String name = ResourceNames.clusterLoadAssignment(state.hostname(), port.port());
      out.add(Resource.of(name, assignment(name, port, endpoints, networks, key)));
    }
    return List.copyOf(out);
  }

  static ClusterLoadAssignment assignment(String name, ServicePort port, List<Endpoint> endpoints,
      MeshNetworks networks, EndpointViewKey key) {
    Map<Locality, Group> byLocality = new TreeMap<>(LOCALITY_ORDER);
    // Ready endpoints of other networks, by locality and network, to be replaced by gateways.
    Map<Locality, Map<String, Integer>> remote = new TreeMap<>(LOCALITY_ORDER);
    for (Endpoint e : endpoints) {
      e.portFor(port).ifPresent(p -> {
        if (!networks.splitHorizon() || e.network().equals(key.network())) {
          byLocality.computeIfAbsent(e.locality(), l -> new Group()).direct.add(new Target(e, p));
        } else if (!key.proxyless() && e.ready() && !networks.gateways(e.network()).isEmpty()) {
          remote.computeIfAbsent(e.locality(), l -> new TreeMap<>()).merge(e.network(), 1, Integer::sum);
        }
      });
    }
    remote.forEach((locality, counts) -> counts.forEach((network, count) ->
        addGateways(byLocality.computeIfAbsent(locality, l -> new Group()), networks.gateways(network), count)));

    List<Integer> ranks = new ArrayList<>(new TreeSet<>(byLocality.keySet().stream()
        .map(l -> rank(key.locality(), l)).toList()));
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(name);
    byLocality.forEach((locality, group) -> {
      group.direct.sort(TARGET_ORDER);
      LocalityLbEndpoints.Builder lle = LocalityLbEndpoints.newBuilder()
          .setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
              .setRegion(locality.region())
              .setZone(locality.zone())
              .setSubZone(locality.subzone()))
          .setLoadBalancingWeight(UInt32Value.of(group.weight()))
          .setPriority(ranks.indexOf(rank(key.locality(), locality)));
      group.direct.forEach(t -> lle.addLbEndpoints(lbEndpoint(t)));
      group.gateways.forEach((gateway, weight) -> lle.addLbEndpoints(gatewayEndpoint(gateway, weight)));
      cla.addEndpoints(lle);
    });
    return cla.build();
  }

  /** {@code count} endpoints split evenly over {@code gateways}; the first ones take the remainder. */
  private static void addGateways(Group group, List<MeshConfig.Gateway> gateways, int count) {
    for (int i = 0; i < gateways.size(); i++) {
      int weight = count / gateways.size() + (i < count % gateways.size() ? 1 : 0);
      if (weight > 0) {
        group.gateways.merge(gateways.get(i), weight, Integer::sum);
      }
    }
  }

  /**
   * How far an endpoint's locality is from the proxy's: 0 same subzone, 1 same zone, 2 same
   * region, 3 elsewhere (and always 3 for a proxy without a region).
   */
  static int rank(Locality proxy, Locality endpoint) {
    if (proxy.region().isEmpty() || !proxy.region().equals(endpoint.region())) {
      return OTHER_REGION;
    }
    if (!proxy.zone().equals(endpoint.zone())) {
      return 2;
    }
    return proxy.subzone().equals(endpoint.subzone()) ? 0 : 1;
  }

  private static LbEndpoint lbEndpoint(Target t) {
    return LbEndpoint.newBuilder()
        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
            .setAddress(socket(t.endpoint().address(), t.port())))
        .setHealthStatus(t.endpoint().ready() ? HealthStatus.HEALTHY : HealthStatus.UNHEALTHY)
        .setLoadBalancingWeight(WEIGHT_ONE)
        .build();
  }

  private static LbEndpoint gatewayEndpoint(MeshConfig.Gateway gateway, int weight) {
    return LbEndpoint.newBuilder()
        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
            .setAddress(socket(gateway.address(), gateway.port())))
        .setHealthStatus(HealthStatus.HEALTHY)
        .setLoadBalancingWeight(UInt32Value.of(weight))
        .build();
  }

  private static Address socket(String address, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
        .setAddress(address)
        .setPortValue(port)).build();
  }
}
