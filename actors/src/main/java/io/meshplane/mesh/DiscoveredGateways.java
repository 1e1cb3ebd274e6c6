package io.meshplane.mesh;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The east-west gateways found at run time (gateway Services labelled with their network), by
 * network name. Kept apart from {@link MeshConfig}, whose gateways are configured by hand: the two
 * sources change at different times and are merged in {@link MeshNetworks#of}. Immutable; whoever
 * watches the gateway Services builds a new instance: each node's push hub derives one from the
 * gateway Services among the services it receives ({@code push.GatewayServices}), and a source
 * that knows gateways otherwise may send one with {@code PushHub.GatewaysChanged}; the hub uses
 * both, {@link #plus merged}.
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

  /** Every gateway of this and of {@code other}, each network's lists concatenated without duplicates. */
  public DiscoveredGateways plus(DiscoveredGateways other) {
    if (other.byNetwork.isEmpty()) {
      return this;
    }
    if (byNetwork.isEmpty()) {
      return other;
    }
    Map<String, List<MeshConfig.Gateway>> next = new TreeMap<>(byNetwork);
    other.byNetwork.forEach((network, gateways) -> next.merge(network, gateways, (a, b) ->
        Stream.concat(a.stream(), b.stream()).distinct().toList()));
    return new DiscoveredGateways(next);
  }

  public List<MeshConfig.Gateway> gateways(String network) {
    return byNetwork.getOrDefault(network, List.of());
  }
}
