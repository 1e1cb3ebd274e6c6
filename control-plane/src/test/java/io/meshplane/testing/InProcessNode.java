package io.meshplane.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.config.NodeSettings;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.persistence.LocalCassandra;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Starts a control-plane node inside the test JVM, configured as {@code meshplane run} would be. */
public final class InProcessNode {

  private InProcessNode() {}

  public static ControlPlaneNode start(LocalCassandra cassandra, Path kubeconfig) {
    return start(cassandra, kubeconfig, 0, List.of());
  }

  /**
   * A node of a multi-node cluster: Pekko remoting on {@code remotingPort} (0: any), joining
   * {@code seedNodes} (none: it forms its own cluster). Several may run in one JVM.
   */
  public static ControlPlaneNode start(LocalCassandra cassandra, Path kubeconfig, int remotingPort,
      List<String> seedNodes) {
    return start(cassandra, kubeconfig, remotingPort, seedNodes, ConfigFactory.empty());
  }

  /**
   * As {@link #start(LocalCassandra, Path, int, List)}, with {@code overrides} (for example
   * {@code meshplane.cluster-id} or test-only Pekko settings) taking precedence over everything else.
   */
  public static ControlPlaneNode start(LocalCassandra cassandra, Path kubeconfig, int remotingPort,
      List<String> seedNodes, Config overrides) {
    return start(cassandra.contactPoint(), cassandra.datacenter(), kubeconfig, remotingPort, seedNodes, overrides);
  }

  /** A node of its own cluster on a class's {@link CassandraSpace} of the shared Cassandra. */
  public static ControlPlaneNode start(CassandraSpace cassandra, Path kubeconfig) {
    return start(cassandra, kubeconfig, 0, List.of(), ConfigFactory.empty());
  }

  /** As {@link #start(LocalCassandra, Path, int, List)}, on a class's {@link CassandraSpace}. */
  public static ControlPlaneNode start(CassandraSpace cassandra, Path kubeconfig, int remotingPort,
      List<String> seedNodes) {
    return start(cassandra, kubeconfig, remotingPort, seedNodes, ConfigFactory.empty());
  }

  /** As {@link #start(LocalCassandra, Path, int, List, Config)}, on a class's {@link CassandraSpace}. */
  public static ControlPlaneNode start(CassandraSpace cassandra, Path kubeconfig, int remotingPort,
      List<String> seedNodes, Config overrides) {
    return start(cassandra.contactPoint(), cassandra.datacenter(), kubeconfig, remotingPort, seedNodes,
        overrides.withFallback(cassandra.keyspaceConfig()));
  }

  private static ControlPlaneNode start(String contactPoint, String datacenter, Path kubeconfig, int remotingPort,
      List<String> seedNodes, Config overrides) {
    Config config = overrides.withFallback(ConfigFactory.parseMap(Map.of(
            "meshplane.xds.port", Ports.free(),
            "meshplane.admin.port", Ports.free(),
            "meshplane.bind-host", "127.0.0.1",
            "meshplane.kubeconfig", kubeconfig.toString(),
            "meshplane.cassandra.contact-points", List.of(contactPoint),
            "meshplane.cassandra.local-datacenter", datacenter,
            "meshplane.remoting.port", remotingPort,
            "meshplane.seed-nodes", seedNodes,
            "pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on")))
        .withFallback(ConfigFactory.parseResources("meshplane.conf"))
        .withFallback(ConfigFactory.load()).resolve();
    return ControlPlaneNode.start(NodeSettings.from(config), config);
  }
}
