package io.meshplane.demo;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.meshplane.registry.kube.KubeClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * The demo's Kubernetes cluster: fabric8's {@link KubernetesMockServer} in CRUD mode on
 * 127.0.0.1 (no kube-apiserver binary can be had here), starting empty on every run. It speaks
 * plain HTTP, accepts any token, and serves the discovery documents kubectl needs. Owned by the
 * demo's main thread.
 */
public final class SimulatedCluster implements AutoCloseable {

  /**
   * The mock logs every request at INFO through java.util.logging, straight to the terminal. Held
   * here because java.util.logging keeps loggers only weakly, and would forget the level.
   */
  private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;

  private SimulatedCluster(KubernetesMockServer server) {
    this.server = server;
  }

  /** Starts an empty cluster on a free port of 127.0.0.1. */
  public static SimulatedCluster start() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
        new MockWebServer(), responses, new DiscoveryDispatcher(responses), false);
    try {
      server.init(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve 127.0.0.1", e);
    }
    return new SimulatedCluster(server);
  }

  /** The API server URL, for example {@code http://127.0.0.1:41234}. */
  public String apiUrl() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** A new client of this cluster (namespace {@code default}); the caller closes it. */
  public KubernetesClient client() {
    return client(apiUrl());
  }

  /** A client of the demo cluster at {@code apiUrl}, with Meshplane's timeouts. */
  public static KubernetesClient client(String apiUrl) {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(apiUrl).withNamespace("default")
        .withOauthToken("demo").build();
    return KubeClients.create(config);
  }

  /** Writes a kubeconfig for this cluster (context {@code demo}, namespace default) to {@code file}. */
  public Path writeKubeconfig(Path file) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: demo
          cluster:
            server: %s
        users:
        - name: demo
          user:
            token: demo
        contexts:
        - name: demo
          context:
            cluster: demo
            user: demo
            namespace: default
        current-context: demo
        """.formatted(apiUrl());
    try {
      Files.writeString(file, yaml, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  @Override
  public void close() {
    server.destroy();
  }
}
