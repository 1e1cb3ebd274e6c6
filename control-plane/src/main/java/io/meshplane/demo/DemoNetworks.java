package io.meshplane.demo;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.meshplane.registry.kube.RemoteSecrets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's two sites: the config cluster {@code demo} on network {@value Demo#NETWORK} in zone
 * {@code local-a} (where the control plane reads its remote secrets), and the member cluster
 * {@code demo-west} on network {@value #WEST_NETWORK} in zone {@code local-b}, joined through a
 * remote secret. Each network has one east-west gateway, given in the mesh config file the demo
 * writes (nothing listens there: the gateways show what a proxy of the other network is sent).
 * Stateless.
 */
public final class DemoNetworks {

  public static final String WEST_CLUSTER = "demo-west";
  public static final String WEST_NETWORK = "west-net";
  public static final String WEST_ZONE = "local-b";
  /** The namespace of remote secrets in the config cluster (the control plane's default). */
  public static final String SECRETS_NAMESPACE = "meshplane-system";
  public static final int GATEWAY_PORT = 15443;
  public static final String EAST_GATEWAY = "127.0.0.100";
  public static final String WEST_GATEWAY = "127.0.0.200";

  /**
   * One site: its member cluster, network and zone, the Kubernetes node and EndpointSlice of its
   * greeter pods, and its network's gateway.
   */
  public record Site(String name, String clusterId, String network, String zone, String node, String slice,
      String gatewayAddress) {

    /** The gateway as host:port, as EDS lists it. */
    public String gateway() {
      return gatewayAddress + ":" + GATEWAY_PORT;
    }
  }

  public static final Site EAST = new Site("east", Demo.CLUSTER_ID, Demo.NETWORK, DemoWorkloads.ZONE,
      DemoWorkloads.NODE, DemoWorkloads.SLICE, EAST_GATEWAY);
  public static final Site WEST = new Site("west", WEST_CLUSTER, WEST_NETWORK, WEST_ZONE, "demo-node-west",
      "greeter-west", WEST_GATEWAY);
  public static final List<Site> SITES = List.of(EAST, WEST);

  private DemoNetworks() {}

  /** The mesh config: each network with its gateway; locality failover on (the default). */
  public static String meshConfig() {
    // Locality failover is off by default; the demo turns it on to show the priorities by zone.
    StringBuilder yaml = new StringBuilder("meshId: demo-mesh\nlocalityFailover: true\nnetworks:\n");
    for (Site s : SITES) {
      yaml.append("  ").append(s.network()).append(":\n    gateways:\n    - address: ").append(s.gatewayAddress())
          .append("\n      port: ").append(GATEWAY_PORT).append('\n');
    }
    return yaml.toString();
  }

  /** Writes {@link #meshConfig()} to {@code file}. */
  public static Path writeMeshConfig(Path file) {
    return write(file, meshConfig());
  }

  /** A node config (HOCON) that reads the mesh config from {@code meshConfig}. */
  public static Path writeNodeConfig(Path file, Path meshConfig) {
    return write(file, "meshplane.mesh-config.file = \"" + meshConfig.toAbsolutePath().toString()
        .replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n");
  }

  /**
   * The remote secret that makes {@code site}'s cluster a member: labelled and annotated as
   * {@link RemoteSecrets} reads it (the form {@code meshplane create-remote-secret} prints), with
   * the kubeconfig in {@code data} as an API server stores it.
   */
  public static Secret remoteSecret(Site site, String kubeconfig) {
    return remoteSecret(site, DemoWorkloads.REGION, kubeconfig);
  }

  /** {@link #remoteSecret(Site, String)} with {@code region} as the cluster's home region. */
  public static Secret remoteSecret(Site site, String region, String kubeconfig) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(RemoteSecrets.CLUSTER_ID, site.clusterId());
    annotations.put(RemoteSecrets.NETWORK, site.network());
    annotations.put(RemoteSecrets.REGION, region);
    return new SecretBuilder()
        .withNewMetadata().withName("meshplane-remote-" + site.clusterId()).withNamespace(SECRETS_NAMESPACE)
        .addToLabels(RemoteSecrets.LABEL, "true").withAnnotations(annotations).endMetadata()
        .withType("Opaque")
        .addToData(RemoteSecrets.KUBECONFIG,
            Base64.getEncoder().encodeToString(kubeconfig.getBytes(StandardCharsets.UTF_8)))
        .build();
  }

  /** Creates (or updates) {@code site}'s remote secret, and its namespace, in the config cluster. */
  public static void join(KubernetesClient configCluster, Site site, Path kubeconfig) {
    join(configCluster, site, DemoWorkloads.REGION, kubeconfig);
  }

  /** {@link #join(KubernetesClient, Site, Path)} with {@code region} as the cluster's home region. */
  public static void join(KubernetesClient configCluster, Site site, String region, Path kubeconfig) {
    String text;
    try {
      text = Files.readString(kubeconfig, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + kubeconfig, e);
    }
    configCluster.resource(new NamespaceBuilder().withNewMetadata().withName(SECRETS_NAMESPACE).endMetadata().build())
        .createOr(NonDeletingOperation::update);
    configCluster.resource(remoteSecret(site, region, text)).createOr(NonDeletingOperation::update);
  }

  private static Path write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
