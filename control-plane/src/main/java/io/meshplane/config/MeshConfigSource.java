package io.meshplane.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh config in force on this node, from a YAML file (polled, so that a ConfigMap mounted as
 * a volume, which Kubernetes swaps through a symlink, is seen too) and/or the key {@value #KEY} of
 * a ConfigMap in the config cluster (followed with an informer); the ConfigMap's top-level keys
 * override the file's. An invalid new config gets one WARN naming its source, the field and the
 * expected form, and the last good one stays in force ({@link MeshConfig#DEFAULT} until there is
 * one). Listeners hear the config in force when they subscribe and each change after.
 *
 * <p>One single-threaded executor confines the state and calls the listeners; file polls and
 * ConfigMap events hop onto it.
 */
public final class MeshConfigSource implements AutoCloseable {

  /** The ConfigMap key holding the mesh config. */
  public static final String KEY = "mesh";
  private static final Logger log = LoggerFactory.getLogger(MeshConfigSource.class);

  /** The config in force and the problem of the newest input, if it was rejected. */
  public record Status(MeshConfig config, String sources, Optional<String> problem) {}

  private final Optional<Path> file;
  private final String mapRef;
  private final ScheduledExecutorService executor;
  private final List<Consumer<MeshConfig>> listeners = new CopyOnWriteArrayList<>();
  private volatile SharedIndexInformer<ConfigMap> informer;
  private volatile Status status;

  // Confined to the executor.
  private String fileText;
  private Optional<String> mapText = Optional.empty();
  private MeshConfig current = MeshConfig.DEFAULT;
  private String lastProblem;

  private MeshConfigSource(Optional<Path> file, String mapRef) {
    this.file = file;
    this.mapRef = mapRef;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meshplane-mesh-config");
      t.setDaemon(true);
      return t;
    });
    this.status = new Status(current, describe(), Optional.empty());
  }

  /**
   * Reads the file now (so the first config is in force when this returns), then polls it every
   * {@code poll}; follows the ConfigMap {@code name} in {@code namespace} of {@code configCluster}
   * if a name is given. Returns at once otherwise: an unreachable config cluster blocks nothing.
   */
  public static MeshConfigSource start(Optional<Path> file, Optional<KubernetesClient> configCluster,
      String namespace, Optional<String> configMap, Duration poll) {
    MeshConfigSource source = new MeshConfigSource(file,
        configMap.map(name -> "ConfigMap " + namespace + "/" + name).orElse(""));
    if (file.isPresent()) {
      source.pollFile();
      source.executor.scheduleWithFixedDelay(source::readFile, poll.toMillis(), poll.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    if (configMap.isPresent() && configCluster.isPresent()) {
      SharedIndexInformer<ConfigMap> informer = configCluster.get().configMaps().inNamespace(namespace)
          .withName(configMap.get()).runnableInformer(0);
      informer.addEventHandler(new ResourceEventHandler<>() {
        @Override
        public void onAdd(ConfigMap map) {
          source.run(() -> source.mapChanged(Optional.of(map)));
        }

        @Override
        public void onUpdate(ConfigMap before, ConfigMap after) {
          source.run(() -> source.mapChanged(Optional.of(after)));
        }

        @Override
        public void onDelete(ConfigMap map, boolean finalStateUnknown) {
          source.run(() -> source.mapChanged(Optional.empty()));
        }
      });
      informer.exceptionHandler((started, failure) -> {
        log.debug("mesh config {}: list/watch failed, retrying", source.mapRef, failure);
        return true;
      });
      source.informer = informer;
      informer.start();
    }
    log.info("mesh config from {}", source.describe());
    return source;
  }

  /** Calls {@code listener} with the config in force now (on this source's thread), then with each change. */
  public void subscribe(Consumer<MeshConfig> listener) {
    run(() -> {
      listeners.add(listener);
      listener.accept(current);
    });
  }

  /** The config in force, where it comes from, and why the newest input was rejected if it was. */
  public Status status() {
    return status;
  }

  /** Reads the file now and waits until it is applied (start-up and tests). */
  void pollFile() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    run(() -> {
      readFile();
      done.complete(null);
    });
    try {
      done.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("reading the mesh config file did not finish", e);
    }
  }

  private void readFile() {
    Path path = file.orElseThrow();
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      text = null;
    } catch (IOException | RuntimeException e) {
      reject("mesh config file " + path + " cannot be read (" + e + "); expected a readable YAML file");
      return;
    }
    if (text == null) {
      reject("mesh config file " + path + " does not exist; expected a YAML file (meshplane.mesh-config.file)");
      return;
    }
    if (!text.equals(fileText)) {
      fileText = text;
      recompute();
    }
  }

  private void mapChanged(Optional<ConfigMap> map) {
    Optional<String> text = map.map(m -> m.getData() == null ? null : m.getData().get(KEY));
    if (map.isPresent() && text.isEmpty()) {
      reject("mesh config " + mapRef + " has no key '" + KEY + "'; expected the mesh config YAML under data." + KEY);
      return;
    }
    if (map.isEmpty()) {
      log.info("mesh config {} deleted; {}", mapRef, file.isPresent() ? "the file alone applies" : "defaults apply");
    }
    if (!text.equals(mapText)) {
      mapText = text;
      recompute();
    }
  }

  /** Layers the sources and applies the result if valid. */
  private void recompute() {
    List<String> used = new ArrayList<>();
    ObjectNode merged = null;
    try {
      if (fileText != null) {
        merged = MeshConfigs.tree(fileText, "file " + file.get());
        used.add("file " + file.get());
      }
      if (mapText.isPresent()) {
        ObjectNode overlay = MeshConfigs.tree(mapText.get(), mapRef);
        if (merged == null) {
          merged = overlay;
        } else {
          merged.setAll(overlay);
        }
        used.add(mapRef);
      }
      MeshConfig next = merged == null ? MeshConfig.DEFAULT : MeshConfigs.fromTree(merged, String.join(" + ", used));
      lastProblem = null;
      status = new Status(next, describe(), Optional.empty());
      if (!next.equals(current)) {
        current = next;
        log.info("mesh config in force from {}: mesh {}, trust domain {}, networks {}, default exportTo {}, "
                + "{} cluster-local hosts, locality failover {}", used.isEmpty() ? "defaults" : String.join(" + ", used),
            next.meshId(), next.trustDomain(), next.networks().keySet(), next.defaultExportTo(),
            next.clusterLocalHosts().size(), next.localityFailover() ? "on" : "off");
        for (Consumer<MeshConfig> listener : listeners) {
          try {
            listener.accept(next);
          } catch (RuntimeException e) {
            log.error("mesh config: a listener failed", e);
          }
        }
      }
    } catch (InvalidInputException e) {
      reject(e.getMessage());
    }
  }

  private void reject(String problem) {
    if (!Objects.equals(problem, lastProblem)) {
      log.warn("{}; the last good mesh config stays in force (mesh {})", problem, current.meshId());
      lastProblem = problem;
    }
    status = new Status(current, describe(), Optional.of(problem));
  }

  private String describe() {
    List<String> parts = new ArrayList<>();
    file.ifPresent(f -> parts.add("file " + f));
    if (!mapRef.isEmpty()) {
      parts.add(mapRef + " key " + KEY);
    }
    return parts.isEmpty() ? "defaults (no meshplane.mesh-config.file or configmap)" : String.join(" + ", parts);
  }

  private void run(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("mesh config source closed; dropping an update");
    }
  }

  @Override
  public void close() {
    SharedIndexInformer<ConfigMap> i = informer;
    if (i != null) {
      i.close();
    }
    executor.shutdownNow();
  }
}
