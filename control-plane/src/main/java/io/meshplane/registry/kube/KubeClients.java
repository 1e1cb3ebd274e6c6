package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.meshplane.model.InvalidInputException;
import io.meshplane.registry.MemberRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds fabric8 clients for member clusters, from a kubeconfig file or from the pod's service
 * account, with short timeouts and bounded reconnect backoff so that an API server coming back is
 * noticed within seconds. Stateless.
 */
public final class KubeClients {

  private static final Logger log = LoggerFactory.getLogger(KubeClients.class);

  /** TCP connect timeout. */
  public static final int CONNECT_TIMEOUT_MS = 5_000;
  /** Timeout of one request (lists, the connectivity probe); watches are not bounded by it. */
  public static final int REQUEST_TIMEOUT_MS = 10_000;
  /**
   * First retry delay of informers and watches. fabric8 doubles it up to 32 times the base, so
   * retries settle at 9.6 s: a returning API server is seen within about 10 s.
   */
  public static final int WATCH_RECONNECT_INTERVAL_MS = 300;
  /** One quick retry per request; informers retry on their own after that. */
  public static final int REQUEST_RETRY_LIMIT = 1;

  private static final String KUBECONFIG_FORM = "a kubeconfig (apiVersion v1, kind Config) whose "
      + "current-context names a context whose cluster has a server URL";

  private KubeClients() {}

  /**
   * A client for the cluster of a kubeconfig file's current context.
   *
   * @throws InvalidInputException naming the file and what was expected when it is missing,
   *     unreadable or malformed
   */
  public static KubernetesClient fromKubeconfig(Path kubeconfig) {
    return create(kubeconfigConfig(kubeconfig));
  }

  /**
   * A client for the cluster this process runs in, through its service account.
   *
   * @throws InvalidInputException when not running in a Kubernetes pod
   */
  public static KubernetesClient inCluster() {
    checkInCluster();
    return create(Config.autoConfigure(null));
  }

  private static void checkInCluster() {
    String host = System.getenv("KUBERNETES_SERVICE_HOST");
    if (host == null || host.isEmpty()) {
      throw new InvalidInputException("no kubeconfig given and not running in a Kubernetes pod "
          + "(KUBERNETES_SERVICE_HOST is unset); expected a kubeconfig path for the cluster (--kubeconfig)");
    }
  }

  /** A client for {@code config}, with this class's timeouts and retry bounds applied to it. */
  public static KubernetesClient create(Config config) {
    config.setConnectionTimeout(CONNECT_TIMEOUT_MS);
    config.setRequestTimeout(REQUEST_TIMEOUT_MS);
    config.setWatchReconnectInterval(WATCH_RECONNECT_INTERVAL_MS);
    config.setWatchReconnectLimit(-1);
    config.setRequestRetryBackoffLimit(REQUEST_RETRY_LIMIT);
    config.setRequestRetryBackoffInterval(WATCH_RECONNECT_INTERVAL_MS);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /**
   * Loads, in the background, what the first watch of a cluster needs (the client, its HTTP
   * stack, the Kubernetes model classes and their JSON bindings) by listing one object of each
   * watched kind, without watching. A node that takes a member cluster's watch over after a
   * failover then starts it warm: measured on 2 cores under failover load, a cold first listing
   * took about 7 s. Failures are ignored (the watch reports its own).
   */
  public static void warmUp(Path kubeconfig, java.util.concurrent.Executor executor) {
    executor.execute(() -> {
      long t0 = System.nanoTime();
      try (KubernetesClient client = kubeconfig == null ? inCluster() : fromKubeconfig(kubeconfig)) {
        ListOptions one = new ListOptionsBuilder().withLimit(1L).build();
        client.namespaces().list(one);
        client.services().inAnyNamespace().list(one);
        client.discovery().v1().endpointSlices().inAnyNamespace().list(one);
        client.pods().inAnyNamespace().list(one);
        client.nodes().list(one);
        log.debug("kube client warmed up in {} ms", (System.nanoTime() - t0) / 1_000_000);
      } catch (RuntimeException e) {
        log.debug("kube client warm-up failed: {}", e.toString());
      }
    });
  }

  /**
   * A factory of {@link KubeRegistry} by cluster id. A null path means in-cluster. Every
   * kubeconfig is checked now, so a bad file fails at start-up; {@code create} reads it again
   * (credentials may have been rotated) and throws {@link InvalidInputException} for an unknown
   * cluster id or a file that went bad since.
   *
   * @param kubeconfigs kubeconfig path (or null) by cluster id
   */
  public static MemberRegistry.Factory registryFactory(Map<String, Path> kubeconfigs, String defaultNetwork) {
    return registryFactory(kubeconfigs, defaultNetwork, ResyncSettings.OFF, ResyncMetrics.NONE);
  }

  /** As {@link #registryFactory(Map, String)}, each registry resyncing as {@code resync} says. */
  public static MemberRegistry.Factory registryFactory(Map<String, Path> kubeconfigs, String defaultNetwork,
      ResyncSettings resync, ResyncMetrics metrics) {
    Objects.requireNonNull(defaultNetwork, "defaultNetwork");
    Map<String, Path> byCluster = Collections.unmodifiableMap(new HashMap<>(kubeconfigs));
    byCluster.values().stream().filter(Objects::nonNull).forEach(KubeClients::kubeconfigConfig);
    if (byCluster.containsValue(null)) {
      checkInCluster();
    }
    return clusterId -> {
      if (!byCluster.containsKey(clusterId)) {
        throw new InvalidInputException("member cluster '" + clusterId + "' is not configured; expected one of "
            + new TreeSet<>(byCluster.keySet()));
      }
      Path path = byCluster.get(clusterId);
      KubernetesClient client = path == null ? inCluster() : fromKubeconfig(path);
      return new KubeRegistry(client, clusterId, defaultNetwork, resync, metrics);
    };
  }

  /**
   * The registries of the mesh's member clusters: the config cluster's from {@code configKubeconfig}
   * (empty: in-cluster), checked now; every other member's from its remote secret, rebuilt when
   * the secret rotates (see {@link RemoteRegistry}).
   */
  public static MemberRegistry.Factory memberRegistryFactory(MemberClusters members, Optional<Path> configKubeconfig,
      String defaultNetwork) {
    return memberRegistryFactory(members, configKubeconfig, defaultNetwork, ResyncSettings.OFF, ResyncMetrics.NONE);
  }

  /** As {@link #memberRegistryFactory(MemberClusters, Optional, String)}, each registry resyncing as {@code resync} says. */
  public static MemberRegistry.Factory memberRegistryFactory(MemberClusters members, Optional<Path> configKubeconfig,
      String defaultNetwork, ResyncSettings resync, ResyncMetrics metrics) {
    MemberRegistry.Factory config = registryFactory(
        Collections.singletonMap(members.configClusterId(), configKubeconfig.orElse(null)), defaultNetwork, resync,
        metrics);
    return clusterId -> clusterId.equals(members.configClusterId())
        ? config.create(clusterId)
        : new RemoteRegistry(clusterId, members, c -> new KubeRegistry(
            fromKubeconfigText(c.kubeconfig(), "remote secret " + c.secret()), clusterId, c.network(), resync,
            metrics));
  }

  /** Reads and checks a kubeconfig file. */
  static Config kubeconfigConfig(Path kubeconfig) {
    String content;
    try {
      content = Files.readString(kubeconfig, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("kubeconfig " + kubeconfig + " cannot be read (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); expected a readable file holding " + KUBECONFIG_FORM);
    }
    parseKubeconfig(content, "kubeconfig " + kubeconfig);
    try {
      return Config.fromKubeconfig(null, kubeconfig.toFile());
    } catch (RuntimeException e) {
      throw new InvalidInputException("kubeconfig " + kubeconfig + " cannot be used (" + e.getMessage()
          + "); expected " + KUBECONFIG_FORM + " and readable certificate files");
    }
  }

  /**
   * Checks a kubeconfig given as text (a remote secret's) and returns its client configuration.
   *
   * @param source what the text came from, for the message (for example "remote secret ns/name")
   * @throws InvalidInputException naming {@code source} and what was expected
   */
  public static Config kubeconfigConfig(String content, String source) {
    parseKubeconfig(content, source);
    try {
      return Config.fromKubeconfig(content);
    } catch (RuntimeException e) {
      throw new InvalidInputException(source + ": kubeconfig cannot be used (" + e.getMessage()
          + "); expected " + KUBECONFIG_FORM + " with inline credentials");
    }
  }

  /** A client for a kubeconfig given as text; see {@link #kubeconfigConfig(String, String)}. */
  public static KubernetesClient fromKubeconfigText(String content, String source) {
    return create(kubeconfigConfig(content, source));
  }

  /**
   * Parses and checks the structure of a kubeconfig given as text; returns it.
   *
   * @throws InvalidInputException naming {@code source} and what was expected
   */
  public static io.fabric8.kubernetes.api.model.Config parseKubeconfig(String content, String source) {
    io.fabric8.kubernetes.api.model.Config parsed;
    try {
      parsed = content == null || content.isBlank() ? null
          : Serialization.unmarshal(content, io.fabric8.kubernetes.api.model.Config.class);
    } catch (RuntimeException e) {
      throw new InvalidInputException(source + " is not valid YAML (" + String.valueOf(e.getMessage())
          .replaceAll("\\s+", " ").trim()
          + "); expected " + KUBECONFIG_FORM);
    }
    if (parsed == null) {
      throw new InvalidInputException(source + " is empty; expected " + KUBECONFIG_FORM);
    }
    String current = parsed.getCurrentContext();
    if (current == null || current.isEmpty()) {
      throw new InvalidInputException(source + " has no current-context; expected " + KUBECONFIG_FORM);
    }
    NamedContext context = find(parsed.getContexts(), c -> c.getName(), current);
    if (context == null || context.getContext() == null) {
      throw new InvalidInputException(source + ": current-context '" + current
          + "' is not among its contexts; expected " + KUBECONFIG_FORM);
    }
    String clusterName = context.getContext().getCluster();
    NamedCluster cluster = find(parsed.getClusters(), c -> c.getName(), clusterName);
    if (cluster == null || cluster.getCluster() == null || cluster.getCluster().getServer() == null
        || cluster.getCluster().getServer().isBlank()) {
      throw new InvalidInputException(source + ": cluster '" + clusterName + "' of context '"
          + current + "' is missing or has no server; expected " + KUBECONFIG_FORM);
    }
    return parsed;
  }

  static <T> T find(List<T> items, Function<T, String> name, String wanted) {
    if (items == null) {
      return null;
    }
    return items.stream().filter(i -> i != null && wanted.equals(name.apply(i))).findFirst().orElse(null);
  }
}
