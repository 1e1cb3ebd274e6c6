package io.meshplane.registry.kube;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshplane.registry.kube.RemoteSecrets.RemoteCluster;
import io.meshplane.registry.kube.RemoteSecrets.SecretStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member clusters of the mesh as this node knows them: the config cluster (this node's own,
 * always a member) and one per remote secret in the config cluster (see {@link RemoteSecrets}),
 * followed with a fabric8 informer so that clusters join, leave and rotate credentials at run
 * time. Every node runs one, so every node knows the member set and every kubeconfig.
 *
 * <p>Listeners hear of each change once, in order: they are called on the informer's thread
 * under this object's lock, so they must only hand the change over (tell an actor, submit a
 * task). The informer retries forever; while the config cluster is unreachable the last known
 * member set stays (nothing leaves because it cannot be listed). Thread-safe.
 */
public final class MemberClusters implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MemberClusters.class);

  /** What changed: ids that joined, left, or whose credentials or network changed. */
  public record Change(Set<String> joined, Set<String> left, Set<String> rotated) {
    public Change {
      joined = Set.copyOf(joined);
      left = Set.copyOf(left);
      rotated = Set.copyOf(rotated);
    }
  }

  private final String configClusterId;
  private final String defaultNetwork;
  private final String namespace;
  private final SharedIndexInformer<Secret> informer;
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();

  // Guarded by this.
  private Map<String, RemoteCluster> clusters = Map.of();
  private List<SecretStatus> secrets = List.of();

  private MemberClusters(String configClusterId, String defaultNetwork, String namespace,
      SharedIndexInformer<Secret> informer) {
    this.configClusterId = requireNonNull(configClusterId);
    this.defaultNetwork = requireNonNull(defaultNetwork);
    this.namespace = namespace;
    this.informer = informer;
  }

  /** Only the config cluster, never another (remote secrets are off, or tests). */
  public static MemberClusters configClusterOnly(String configClusterId) {
    return new MemberClusters(configClusterId, "", "", null);
  }

  /** Fed by hand through {@link #apply} (tests). */
  static MemberClusters unwatched(String configClusterId, String defaultNetwork, String namespace) {
    return new MemberClusters(configClusterId, defaultNetwork, namespace, null);
  }

  /**
   * Starts following the remote secrets in {@code namespace} of the config cluster; returns at
   * once (an unreachable config cluster blocks nothing).
   */
  public static MemberClusters watch(KubernetesClient configCluster, String configClusterId, String defaultNetwork,
      String namespace) {
    SharedIndexInformer<Secret> informer = configCluster.secrets().inNamespace(namespace)
        .withLabel(RemoteSecrets.LABEL, "true").runnableInformer(0);
    MemberClusters members = new MemberClusters(configClusterId, defaultNetwork, namespace, informer);
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Secret secret) {
        members.relist();
      }

      @Override
      public void onUpdate(Secret before, Secret after) {
        members.relist();
      }

      @Override
      public void onDelete(Secret secret, boolean finalStateUnknown) {
        members.relist();
      }
    });
    informer.exceptionHandler((started, failure) -> {
      log.debug("remote secrets in {}: list/watch failed, retrying", namespace, failure);
      return true;
    });
    informer.start();
    log.info("following remote secrets (label {}=true) in namespace {} of config cluster {}", RemoteSecrets.LABEL,
        namespace, configClusterId);
    return members;
  }

  /** Hears every later change. */
  public void addListener(Consumer<Change> listener) {
    listeners.add(requireNonNull(listener));
  }

  public void removeListener(Consumer<Change> listener) {
    listeners.remove(listener);
  }

  public String configClusterId() {
    return configClusterId;
  }

  /** Every member cluster id, the config cluster's included. */
  public synchronized Set<String> ids() {
    Set<String> ids = new TreeSet<>(clusters.keySet());
    ids.add(configClusterId);
    return Set.copyOf(ids);
  }

  /** The remote cluster of this id (empty for the config cluster and unknown ids). */
  public synchronized Optional<RemoteCluster> remote(String clusterId) {
    return Optional.ofNullable(clusters.get(clusterId));
  }

  /** What became of each remote secret, for status. */
  public synchronized List<SecretStatus> secrets() {
    return secrets;
  }

  /** The namespace followed; empty when remote secrets are off. */
  public String namespace() {
    return namespace;
  }

  /** Recomputes the member set from the informer's cache. */
  private void relist() {
    apply(informer.getStore().list());
  }

  /** Resolves {@code all} secrets and reports what changed. Package-private for tests. */
  synchronized void apply(List<Secret> all) {
    RemoteSecrets.Resolution next = RemoteSecrets.resolve(all, configClusterId, defaultNetwork, clusters);
    Set<String> joined = new HashSet<>(next.clusters().keySet());
    joined.removeAll(clusters.keySet());
    Set<String> left = new HashSet<>(clusters.keySet());
    left.removeAll(next.clusters().keySet());
    Set<String> rotated = new HashSet<>();
    next.clusters().forEach((id, c) -> {
      RemoteCluster before = clusters.get(id);
      if (before != null && !before.fingerprint().equals(c.fingerprint())) {
        rotated.add(id);
      }
    });
    logChanges(next.secrets());
    clusters = next.clusters();
    secrets = next.secrets();
    if (joined.isEmpty() && left.isEmpty() && rotated.isEmpty()) {
      return;
    }
    log.info("member clusters: {} joined, {} left, {} rotated; members now {}", new TreeSet<>(joined),
        new TreeSet<>(left), new TreeSet<>(rotated), ids());
    Change change = new Change(joined, left, rotated);
    for (Consumer<Change> listener : listeners) {
      try {
        listener.accept(change);
      } catch (RuntimeException e) {
        log.error("member clusters: a listener failed on {}", change, e);
      }
    }
  }

  /** One WARN per secret whose problem is new or changed. */
  private void logChanges(List<SecretStatus> next) {
    for (SecretStatus s : next) {
      boolean known = secrets.stream().anyMatch(old -> old.secret().equals(s.secret())
          && old.state().equals(s.state()) && Objects.equals(old.detail(), s.detail()));
      if (!known && !s.state().equals("active")) {
        log.warn("{} ({})", s.detail(), s.state());
      }
    }
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
  }
}
