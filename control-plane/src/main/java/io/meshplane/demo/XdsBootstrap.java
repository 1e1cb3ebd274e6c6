package io.meshplane.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The grpc-java xDS bootstrap file of the demo's client: one ADS server (Meshplane, plaintext),
 * and a node that Meshplane reads as a proxyless client in namespace {@code default} of member
 * cluster {@code clusterId} on {@code network}. Stateless.
 */
public final class XdsBootstrap {

  /** The node id: Istio's {@code <kind>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local} form. */
  public static final String NODE_ID = "proxyless~127.0.0.1~demo-client.default~default.svc.cluster.local";

  private XdsBootstrap() {}

  /** Writes the bootstrap for an ADS server on {@code xdsAddress} (host:port) to {@code file}. */
  public static Path write(Path file, String xdsAddress, String clusterId, String network) {
    Map<String, Object> bootstrap = Map.of(
        "xds_servers", List.of(Map.of(
            "server_uri", xdsAddress,
            "channel_creds", List.of(Map.of("type", "insecure")),
            "server_features", List.of("xds_v3"))),
        "node", Map.of(
            "id", NODE_ID,
            "cluster", clusterId,
            "locality", Map.of("region", DemoWorkloads.REGION, "zone", DemoWorkloads.ZONE),
            "metadata", Map.of(
                "NAMESPACE", DemoWorkloads.NAMESPACE,
                "CLUSTER_ID", clusterId,
                "NETWORK", network,
                "PROXY_KIND", "proxyless")));
    try {
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), bootstrap);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
