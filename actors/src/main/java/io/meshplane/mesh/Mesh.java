package io.meshplane.mesh;

import static java.util.Objects.requireNonNull;

/**
 * Everything mesh-wide that a proxy's view of a service depends on: the mesh config and the
 * gateways discovered at run time, with the networks merged from both. The push hub of each node
 * holds the current one and builds every service view with it; a change of either input makes a
 * new instance, and equal instances give equal resources. Immutable.
 */
public record Mesh(MeshConfig config, DiscoveredGateways discovered, MeshNetworks networks) {

  /** An unconfigured mesh: {@link MeshConfig#DEFAULT}, nothing discovered, one flat network. */
  public static final Mesh DEFAULT = of(MeshConfig.DEFAULT, DiscoveredGateways.NONE);

  public Mesh {
    requireNonNull(config, "config");
    requireNonNull(discovered, "discovered");
    requireNonNull(networks, "networks");
    if (!networks.equals(MeshNetworks.of(config, discovered))) {
      throw new IllegalArgumentException("networks must be merged from the config and the discovered gateways;"
          + " use Mesh.of");
    }
  }

  public static Mesh of(MeshConfig config, DiscoveredGateways discovered) {
    return new Mesh(config, discovered, MeshNetworks.of(config, discovered));
  }
}
