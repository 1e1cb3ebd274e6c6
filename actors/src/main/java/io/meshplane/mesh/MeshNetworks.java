package io.meshplane.mesh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every network's east-west gateways, configured and discovered merged, in a stable order
 * (address, then port) so that equal inputs give equal EDS bytes on every node.
 *
 * <p>{@code splitHorizon} is whether the mesh is partitioned at all: it is once the mesh config
 * names a network or any gateway was discovered. A mesh that knows no network (the default) is one
 * flat network: the network of an endpoint or a proxy is then only a label, and every proxy sees
 * every endpoint directly, as before networks existed. Immutable.
 */
public record MeshNetworks(Map<String, List<MeshConfig.Gateway>> gatewaysByNetwork, boolean splitHorizon) {

  /** A mesh without networks: flat. */
  public static final MeshNetworks FLAT = new MeshNetworks(Map.of(), false);

  private static final Comparator<MeshConfig.Gateway> ORDER = Comparator.comparing(MeshConfig.Gateway::address)
      .thenComparingInt(MeshConfig.Gateway::port);

  public MeshNetworks {
    Map<String, List<MeshConfig.Gateway>> copy = new TreeMap<>();
    gatewaysByNetwork.forEach((network, gateways) -> {
      if (!gateways.isEmpty()) {
        copy.put(network, List.copyOf(gateways));
      }
    });
    gatewaysByNetwork = Map.copyOf(copy);
  }

  /** Merges the configured gateways of each network with the discovered ones, without duplicates. */
  public static MeshNetworks of(MeshConfig config, DiscoveredGateways discovered) {
    Set<String> names = new TreeSet<>(config.networks().keySet());
    names.addAll(discovered.byNetwork().keySet());
    Map<String, List<MeshConfig.Gateway>> merged = new TreeMap<>();
    for (String network : names) {
      Set<MeshConfig.Gateway> gateways = new TreeSet<>(ORDER);
      MeshConfig.Network configured = config.networks().get(network);
      if (configured != null) {
        gateways.addAll(configured.gateways());
      }
      gateways.addAll(discovered.gateways(network));
      merged.put(network, new ArrayList<>(gateways));
    }
    return new MeshNetworks(merged, !names.isEmpty());
  }

  /** The gateways through which other networks reach {@code network}, in a stable order; maybe none. */
  public List<MeshConfig.Gateway> gateways(String network) {
    return gatewaysByNetwork.getOrDefault(network, List.of());
  }
}
