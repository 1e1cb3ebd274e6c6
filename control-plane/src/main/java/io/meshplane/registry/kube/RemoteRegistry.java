package io.meshplane.registry.kube;

import io.meshplane.model.ClusterShare;
import io.meshplane.registry.MemberRegistry;
import io.meshplane.registry.kube.RemoteSecrets.RemoteCluster;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of a member cluster known from a remote secret: a {@link KubeRegistry} built from
 * the secret's kubeconfig, rebuilt when the secret's credentials (or network) change, without
 * the ClusterWatch noticing more than a short reconnect. After a rebuild, services the previous
 * registry reported but the new one's first listing lacks are reported empty, so a kubeconfig
 * that now points elsewhere leaves nothing stale. While the secret's kubeconfig is unusable (and
 * no usable one came before), the registry reports itself unreachable with the secret's problem.
 *
 * <p>One single-threaded executor confines the state: the inner registry's calls, the member
 * set's changes and {@link #close} all hop onto it, so no lock is held while calling out. Each
 * inner registry's calls carry its generation, and those of a replaced one are dropped.
 */
final class RemoteRegistry implements MemberRegistry {

  private static final Logger log = LoggerFactory.getLogger(RemoteRegistry.class);

  private final String clusterId;
  private final MemberClusters members;
  private final Function<RemoteCluster, MemberRegistry> build;
  private final ExecutorService executor;
  private final Consumer<MemberClusters.Change> onChange = change -> {
    if (change.rotated().contains(clusterId()) || change.joined().contains(clusterId())) {
      run(this::refresh);
    }
  };

  // Confined to the executor.
  private Listener listener;
  private MemberRegistry inner;
  private String fingerprint = "";
  private long generation;
  private boolean closed;
  /** Services with a non-empty share from the current and the previous registry. */
  private Set<String> reported = new HashSet<>();
  private Set<String> previouslyReported = new HashSet<>();

  /** {@code build} makes the inner registry of a usable remote cluster. */
  RemoteRegistry(String clusterId, MemberClusters members, Function<RemoteCluster, MemberRegistry> build) {
    this.clusterId = clusterId;
    this.members = members;
    this.build = build;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "meshplane-remote-" + clusterId);
      t.setDaemon(true);
      return t;
    });
  }

  private String clusterId() {
    return clusterId;
  }

  @Override
  public void start(Listener listener) {
    run(() -> {
      this.listener = listener;
      members.addListener(onChange);
      refresh();
    });
  }

  private void run(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("cluster {}: registry closed, dropping an update", clusterId);
    }
  }

  /** Starts, or restarts, the inner registry from the current remote secret. */
  private void refresh() {
    if (closed) {
      return;
    }
    Optional<RemoteCluster> current = members.remote(clusterId);
    if (current.isEmpty()) {
      listener.connectivityChanged(false, "no remote secret for cluster " + clusterId + " in namespace "
          + members.namespace() + " of the config cluster; expected a Secret labelled " + RemoteSecrets.LABEL
          + "=true with annotation " + RemoteSecrets.CLUSTER_ID + "=" + clusterId);
      return;
    }
    RemoteCluster cluster = current.get();
    if (!cluster.usable()) {
      listener.connectivityChanged(false, cluster.problem().get());
      return;
    }
    if (cluster.fingerprint().equals(fingerprint)) {
      return;
    }
    if (inner != null) {
      log.info("cluster {}: credentials or network changed in remote secret {}; reconnecting", clusterId,
          cluster.secret());
      inner.close();
      previouslyReported.addAll(reported);
      reported = new HashSet<>();
    }
    fingerprint = cluster.fingerprint();
    long mine = ++generation;
    try {
      inner = build.apply(cluster);
    } catch (RuntimeException e) {
      inner = null;
      fingerprint = "";
      listener.connectivityChanged(false, "remote secret " + cluster.secret() + ": cannot create a client ("
          + e.getMessage() + ")");
      return;
    }
    inner.start(new Listener() {
      @Override
      public void shareChanged(String hostname, ClusterShare share) {
        run(() -> onShare(mine, hostname, share));
      }

      @Override
      public void synced() {
        run(() -> onSynced(mine));
      }

      @Override
      public void connectivityChanged(boolean connected, String detail) {
        run(() -> onConnectivity(mine, connected, detail));
      }
    });
  }

  private void onShare(long from, String hostname, ClusterShare share) {
    if (from != generation || closed) {
      return;
    }
    if (share.isEmpty()) {
      reported.remove(hostname);
    } else {
      reported.add(hostname);
    }
    previouslyReported.remove(hostname);
    listener.shareChanged(hostname, share);
  }

  private void onSynced(long from) {
    if (from != generation || closed) {
      return;
    }
    for (String gone : previouslyReported) {
      listener.shareChanged(gone, new ClusterShare(clusterId, Optional.empty(), List.of()));
    }
    previouslyReported.clear();
    listener.synced();
  }

  private void onConnectivity(long from, boolean connected, String detail) {
    if (from == generation && !closed) {
      listener.connectivityChanged(connected, detail);
    }
  }

  @Override
  public void close() {
    members.removeListener(onChange);
    run(() -> {
      closed = true;
      if (inner != null) {
        inner.close();
        inner = null;
      }
    });
    executor.shutdown();
  }
}
