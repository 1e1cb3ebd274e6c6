package io.meshplane.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.meshplane.registry.kube.RemoteSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

/**
 * A simulated member cluster for tests: fabric8's Kubernetes mock server in CRUD mode on
 * loopback, with helpers to write Services and EndpointSlices and a kubeconfig pointing at it.
 */
public final class MockCluster implements AutoCloseable {

  private final KubernetesMockServer server;
  private final KubernetesClient client;

  /**
   * How long one of this helper's writes may take. fabric8's default is 10 s, but the mock API
   * server freezes for 30 s, once per watch, when a client closes a watch while an event is on its
   * way (see {@link #destroy}); a control-plane watch that moves between nodes does that. A write
   * made meanwhile is held, not lost, and goes through once the mock thaws: the tests' writes wait
   * that out rather than fail on the mock's bug.
   */
  static final int WRITE_TIMEOUT_MS = 180_000;

  private MockCluster(KubernetesMockServer server) {
    this.server = server;
    this.client = server.createClient(b -> b.editOrNewConfig().withRequestTimeout(WRITE_TIMEOUT_MS).endConfig());
  }

  /** Starts on {@code port} (0: any free port). */
  public static MockCluster start(int port) {
    KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
        new MockWebServer(), new HashMap<>(), new KubernetesMixedDispatcher(new HashMap<>()), false);
    server.init(InetAddress.getLoopbackAddress(), port);
    return new MockCluster(server);
  }

  public int port() {
    return server.getPort();
  }

  public KubernetesClient client() {
    return client;
  }

  /** Writes a kubeconfig for this API server. */
  public Path writeKubeconfig(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, kubeconfig());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** A kubeconfig for this API server, as YAML. */
  public String kubeconfig() {
    return kubeconfigAt(port());
  }

  /**
   * A kubeconfig for an API server reached at {@code port} on loopback: this one's, or a forwarder
   * in front of it.
   */
  public static String kubeconfigAt(int port) {
    String url = "http://127.0.0.1:" + port;
    return """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster:
            server: %s
        users:
        - name: test
          user:
            token: test-token
        contexts:
        - name: test
          context:
            cluster: test
            user: test
            namespace: default
        current-context: test
        """.formatted(url);
  }

  /**
   * Writes, in this (config) cluster's {@code namespace}, the remote secret that joins {@code member}
   * to the mesh as {@code clusterId} of {@code network}, homed in {@code region}.
   */
  public void remoteSecret(String namespace, String clusterId, String network, String region, MockCluster member) {
    remoteSecret(namespace, clusterId, network, region, member.kubeconfig());
  }

  /** As {@link #remoteSecret(String, String, String, String, MockCluster)}, with the member's kubeconfig. */
  public void remoteSecret(String namespace, String clusterId, String network, String region, String kubeconfig) {
    client.secrets().inNamespace(namespace).resource(new SecretBuilder()
            .withNewMetadata().withName("remote-" + clusterId).withNamespace(namespace)
            .addToLabels(RemoteSecrets.LABEL, "true").addToAnnotations(RemoteSecrets.CLUSTER_ID, clusterId)
            .addToAnnotations(RemoteSecrets.NETWORK, network).addToAnnotations(RemoteSecrets.REGION, region)
            .endMetadata().addToStringData(RemoteSecrets.KUBECONFIG, kubeconfig).build())
        .create();
  }

  public void namespace(String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .createOr(r -> r.update());
  }

  /** Creates or replaces a Service with one port named grpc. */
  public void service(String namespace, String name, int port, int targetPort) {
    client.services().inNamespace(namespace).resource(new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewSpec().addNewPort().withName("grpc").withPort(port)
        .withNewTargetPort(targetPort).withProtocol("TCP").endPort().endSpec().build())
        .createOr(r -> r.update());
  }

  /**
   * Creates or replaces an east-west gateway Service of {@code network} (labelled
   * topology.istio.io/network) with a port named tls, reached at {@code loadBalancerIps} (in its
   * status) or else at {@code externalIps}.
   */
  public void gatewayService(String namespace, String name, String network, int port, List<String> loadBalancerIps,
      List<String> externalIps) {
    io.fabric8.kubernetes.api.model.Service svc = new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace)
        .addToLabels("topology.istio.io/network", network).endMetadata()
        .withNewSpec().withType("LoadBalancer").withExternalIPs(externalIps)
        .addNewPort().withName("status-port").withPort(15021).withProtocol("TCP").endPort()
        .addNewPort().withName("tls").withPort(port).withProtocol("TCP").endPort().endSpec()
        .withNewStatus().withNewLoadBalancer().withIngress(loadBalancerIps.stream()
            .map(ip -> new io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder().withIp(ip).build()).toList())
        .endLoadBalancer().endStatus()
        .build();
    client.services().inNamespace(namespace).resource(svc).createOr(r -> r.update());
    if (!loadBalancerIps.isEmpty()) {
      client.services().inNamespace(namespace).resource(svc).updateStatus();
    }
  }

  public void deleteService(String namespace, String name) {
    client.services().inNamespace(namespace).withName(name).delete();
  }

  /** Deletes the EndpointSlice {@code <service>-slice} that {@link #endpoints} writes. */
  public void deleteEndpoints(String namespace, String service) {
    client.discovery().v1().endpointSlices().inNamespace(namespace).withName(service + "-slice").delete();
  }

  /** Creates or replaces the EndpointSlice {@code <service>-slice} with these ready addresses. */
  public void endpoints(String namespace, String service, int port, List<String> addresses) {
    EndpointSliceBuilder b = new EndpointSliceBuilder()
        .withNewMetadata().withName(service + "-slice").withNamespace(namespace)
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("grpc").withPort(port).withProtocol("TCP").endPort();
    for (String a : addresses) {
      b.addToEndpoints(new EndpointBuilder().withAddresses(a).withNewConditions().withReady(true).endConditions()
          .build());
    }
    EndpointSlice slice = b.build();
    client.discovery().v1().endpointSlices().inNamespace(namespace).resource(slice).createOr(r -> r.update());
  }

  @Override
  public void close() {
    client.close();
    destroy(server);
  }

  /**
   * Shuts a fabric8 mock API server down. The mock waits at most 10 s for its Vert.x server to close
   * and throws "Unable to close MockWebServer" past that; it does so when a watch closes while an
   * event is on its way, which freezes its event loop for 30 s (WatchEventsListener.onClosed, see
   * docs/benchmarks.md). That is the mock's bug, and nothing a test asserts: it is logged, and the
   * server is left to finish closing on its own.
   */
  public static void destroy(KubernetesMockServer server) {
    try {
      server.destroy();
    } catch (IllegalStateException e) {
      if (!String.valueOf(e.getMessage()).contains("Unable to close MockWebServer")) {
        throw e;
      }
      System.err.println("MockCluster: the fabric8 mock API server on port " + server.getPort()
          + " did not close within its 10 s (its Vert.x event loop stalls on a closing watch); left to close on its own");
    }
  }
}
