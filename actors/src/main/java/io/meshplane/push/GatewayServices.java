package io.meshplane.push;

import static java.util.Objects.requireNonNull;

import io.meshplane.mesh.DiscoveredGateways;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The east-west gateways a push hub derives from the gateway Services among the services it
 * receives.
 *
 * <p>Why here: member clusters are watched sharded (one node watches each cluster), but every
 * node's push hub receives every service change on the service-changes topic and loads the whole
 * catalog at start. A gateway Service travels as part of its cluster's share of the service (its
 * {@link ServiceGateway} is in the spec), so it is persisted, replicated, replayed after a restart
 * and kept while its cluster is unreachable exactly like endpoints, and each hub derives the same
 * {@link DiscoveredGateways} from the same services without any extra protocol between nodes. A
 * removed cluster's shares are removed from its services, and its gateways with them.
 *
 * <p>Decisions: a gateway naming a network the mesh config does not know is still used (the
 * label is the same one endpoints carry, so its network's endpoints are reachable through it),
 * with one WARN per gateway Service naming the known networks (again if the mesh config's
 * networks change and still lack it). Only IP addresses are used: a load-balancer hostname would
 * have to be resolved (Envoy and grpc-java accept only IPs in EDS), so it is skipped with one WARN
 * per gateway Service and address. A gateway without an address yet contributes nothing.
 *
 * <p>Confined to the push hub's actor.
 */
final class GatewayServices {

  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})(\\.\\d{1,3}){3}");

  /** Each gateway Service's gateway by hostname, then member cluster id. */
  private final Map<String, Map<String, ServiceGateway>> byHost = new TreeMap<>();
  private final Consumer<String> warnings;
  private final Set<String> warned = new HashSet<>();
  private Set<String> knownNetworks = Set.of();
  private DiscoveredGateways gateways = DiscoveredGateways.NONE;

  GatewayServices(Consumer<String> warnings) {
    this.warnings = requireNonNull(warnings, "warnings");
  }

  /** What the gateway Services seen so far make: every network's gateways, in a stable order. */
  DiscoveredGateways gateways() {
    return gateways;
  }

  /**
   * Takes a service's newest state. Returns whether {@link #gateways()} changed; warns about what
   * is new and wrong in it under {@code config}.
   */
  boolean update(ServiceState state, MeshConfig config) {
    Map<String, ServiceGateway> now = new TreeMap<>();
    for (ClusterShare share : state.clusters().values()) {
      share.spec().flatMap(s -> s.gateway()).ifPresent(g -> now.put(share.clusterId(), g));
    }
    Map<String, ServiceGateway> before = now.isEmpty() ? byHost.remove(state.hostname())
        : byHost.put(state.hostname(), now);
    if (now.equals(before == null ? Map.of() : before)) {
      return false;
    }
    checkNetworks(config);
    DiscoveredGateways next = derive();
    boolean changed = !next.equals(gateways);
    gateways = next;
    return changed;
  }

  /** Re-checks every gateway's network against a new mesh config. */
  void configChanged(MeshConfig config) {
    checkNetworks(config);
  }

  private void checkNetworks(MeshConfig config) {
    Set<String> known = new TreeSet<>(config.networks().keySet());
    if (!known.equals(knownNetworks)) {
      knownNetworks = Set.copyOf(known);
      warned.removeIf(k -> k.startsWith("network|"));
    }
    byHost.forEach((host, byCluster) -> byCluster.forEach((cluster, g) -> {
      if (!config.knowsNetwork(g.network()) && warned.add("network|" + host + "|" + cluster + "|" + g.network())) {
        warnings.accept("gateway Service " + host + " of member cluster " + cluster + " names network '"
            + g.network() + "', which the mesh config does not know (known networks: "
            + (known.isEmpty() ? "none" : String.join(", ", known)) + "); it is used as a gateway of network '"
            + g.network() + "' all the same: fix its " + "topology.istio.io/network label or add the network to"
            + " the mesh config");
      }
    }));
  }

  private DiscoveredGateways derive() {
    Map<String, Set<MeshConfig.Gateway>> byNetwork = new TreeMap<>();
    byHost.forEach((host, byCluster) -> byCluster.forEach((cluster, g) -> {
      for (String address : g.addresses()) {
        if (isIp(address)) {
          byNetwork.computeIfAbsent(g.network(), n -> new LinkedHashSet<>())
              .add(new MeshConfig.Gateway(address, g.port()));
        } else if (warned.add("hostname|" + host + "|" + cluster + "|" + address)) {
          warnings.accept("gateway Service " + host + " of member cluster " + cluster + " is reached at hostname '"
              + address + "', which is skipped: EDS needs IP addresses; expected a load-balancer ingress IP"
              + " or spec.externalIPs");
        }
      }
    }));
    Map<String, List<MeshConfig.Gateway>> out = new TreeMap<>();
    byNetwork.forEach((network, set) -> {
      List<MeshConfig.Gateway> sorted = new ArrayList<>(set);
      sorted.sort(Comparator.comparing(MeshConfig.Gateway::address).thenComparingInt(MeshConfig.Gateway::port));
      out.put(network, sorted);
    });
    return new DiscoveredGateways(out);
  }

  private static boolean isIp(String address) {
    return IPV4.matcher(address).matches() || (address.indexOf(':') >= 0 && address.matches("[0-9A-Fa-f:.]+"));
  }
}
