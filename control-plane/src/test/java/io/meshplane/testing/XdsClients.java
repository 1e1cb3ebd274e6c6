package io.meshplane.testing;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java's real xDS client, configured through its bootstrap file. The bootstrap is per JVM
 * (a system property), so each IT class runs in its own JVM (failsafe reuseForks=false).
 */
public final class XdsClients {

  private XdsClients() {}

  /** Writes a bootstrap for a proxyless client of namespace {@code namespace} and installs it. */
  public static void bootstrap(Path file, int xdsPort, String nodeId, String namespace) {
    java.util.Map<String, String> metadata = new java.util.LinkedHashMap<>();
    metadata.put("NAMESPACE", namespace);
    metadata.put("CLUSTER_ID", "cluster-1");
    metadata.put("PROXY_KIND", "proxyless");
    bootstrap(file, xdsPort, nodeId, metadata);
  }

  /**
   * Writes a bootstrap for a client with this node metadata (NAMESPACE, CLUSTER_ID, NETWORK,
   * PROXY_KIND...) and installs it.
   */
  public static void bootstrap(Path file, int xdsPort, String nodeId, java.util.Map<String, String> metadata) {
    StringBuilder md = new StringBuilder();
    metadata.forEach((k, v) -> md.append(md.length() == 0 ? "" : ", ").append('"').append(k).append("\": \"")
        .append(v).append('"'));
    String json = """
        {
          "xds_servers": [{
            "server_uri": "127.0.0.1:%d",
            "channel_creds": [{"type": "insecure"}],
            "server_features": ["xds_v3"]
          }],
          "node": {
            "id": "%s",
            "cluster": "test",
            "locality": {"region": "local", "zone": "local-a"},
            "metadata": {%s}
          }
        }
        """.formatted(xdsPort, nodeId, md);
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.setProperty("io.grpc.xds.bootstrap", file.toString());
  }

  /** A channel to {@code xds:///<target>}. */
  public static ManagedChannel channel(String target) {
    return Grpc.newChannelBuilder("xds:///" + target, InsecureChannelCredentials.create()).build();
  }

  public static void shutdown(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
