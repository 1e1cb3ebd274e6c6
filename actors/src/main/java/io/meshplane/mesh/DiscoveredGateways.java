package io.meshplane.mesh;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The east-west gateways found at run time (gateway Services labelled with their network), by
 * network name. Kept apart from {@link MeshConfig}, whose gateways are configured by hand: the two
 * sources change at different times and are merged in {@link MeshNetworks#of}. Immutable; whoever
 * watches the gateway Services builds a new instance and sends it to every node's push hub with
 * {@code PushHub.MeshChanged}.
 *
 * @param byNetwork gateways by network name; a network without an entry has none discovered
 */
public record DiscoveredGateways(Map<String, List<MeshConfig.Gateway>> byNetwork) {

  /** Nothing discovered. */
  public static final DiscoveredGateways NONE = new DiscoveredGateways(Map.of());

  public DiscoveredGateways {
    Map<String, List<MeshConfig.Gateway>> copy = new TreeMap<>();
    byNetwork.forEach((network, gateways) -> {
      requireNonNull(network, "network");
      if (!gateways.isEmpty()) {
        copy.put(network, List.copyOf(gateways));
      }
    });
    byNetwork = Map.copyOf(copy);
  }

  /** A copy in which {@code network} has exactly {@code gateways} (none: the entry is removed). */
  public DiscoveredGateways with(String network, List<MeshConfig.Gateway> gateways) {
    Map<String, List<MeshConfig.Gateway>> next = new TreeMap<>(byNetwork);
    next.put(network, gateways);
    return new DiscoveredGateways(next);
  }

  public List<MeshConfig.Gateway> gateways(String network) {
    return byNetwork.getOrDefault(network, List.of());
  }
}
