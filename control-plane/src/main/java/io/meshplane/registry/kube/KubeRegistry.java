package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServiceSpec;
import io.meshplane.registry.MemberRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workloads of one member cluster, watched through fabric8 informers on Services,
 * EndpointSlices, Pods, Nodes and Namespaces. Every change marks the services it affects (a Pod,
 * Node or Namespace affects the services whose slices refer to it); the marked services are
 * recomputed from the informer caches by {@link KubeTranslator} and reported when their share
 * changed. Nothing is reported before every informer has completed its first listing, so that a
 * share never reflects a partial listing.
 *
 * <p>One single-threaded executor confines the recomputation and every listener call, so the calls
 * for one hostname are ordered. Informers retry list/watch forever with fabric8's backoff;
 * {@link Connectivity} reports when the API server is lost and found again.
 */
public final class KubeRegistry implements MemberRegistry {

  static final String SLICES_BY_SERVICE = "meshplane.io/service";
  static final String SLICES_BY_POD = "meshplane.io/pod";
  static final String BY_NODE = "meshplane.io/node";
  private static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(2);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  private static final Logger log = LoggerFactory.getLogger(KubeRegistry.class);

  private final KubernetesClient client;
  private final String clusterId;
  private final KubeTranslator translator;
  private final Duration probeInterval;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();
  private volatile ScheduledExecutorService executor;
  private volatile Connectivity connectivity;
  private volatile InformerCaches caches;

  // Confined to the executor.
  private Listener listener;
  /** The last non-empty share reported, by service namespace/name. */
  private final Map<String, ClusterShare> reported = new HashMap<>();
  private boolean synced;

  /** A registry that owns {@code client} (closed with it) and logs bad input as WARN. */
  public KubeRegistry(KubernetesClient client, String clusterId, String defaultNetwork) {
    this(client, new KubeTranslator(clusterId, defaultNetwork), DEFAULT_PROBE_INTERVAL);
  }

  KubeRegistry(KubernetesClient client, KubeTranslator translator, Duration probeInterval) {
    this.client = client;
    this.clusterId = translator.clusterId();
    this.translator = translator;
    this.probeInterval = probeInterval;
  }

  @Override
  public void start(Listener listener) {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("cluster " + clusterId + ": registry already started");
    }
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meshplane-kube-" + clusterId);
      t.setDaemon(true);
      return t;
    });
    connectivity = new Connectivity(clusterId, client, executor, PROBE_TIMEOUT, listener::connectivityChanged);
    submit(() -> this.listener = listener);

    // runnableInformer + start(), unlike inform(), never throws when the first listing fails.
    SharedIndexInformer<Service> services = client.services().inAnyNamespace().runnableInformer(0);
    SharedIndexInformer<EndpointSlice> slices =
        client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
    SharedIndexInformer<Pod> pods = client.pods().inAnyNamespace().runnableInformer(0);
    SharedIndexInformer<Node> nodes = client.nodes().runnableInformer(0);
    SharedIndexInformer<Namespace> namespaces = client.namespaces().runnableInformer(0);
    slices.addIndexers(Map.of(
        SLICES_BY_SERVICE, s -> translator.serviceKey(s).map(List::of).orElse(List.of()),
        SLICES_BY_POD, InformerCaches::podKeys,
        BY_NODE, InformerCaches::nodeNames));
    pods.addIndexers(Map.of(BY_NODE, InformerCaches::nodeName));
    caches = new InformerCaches(translator, services, slices, pods, nodes, namespaces);

    services.addEventHandler(caches.onService(this::enqueue));
    slices.addEventHandler(caches.onSlice(this::enqueue));
    pods.addEventHandler(caches.onPod(this::enqueue));
    nodes.addEventHandler(caches.onNode(this::enqueue));
    namespaces.addEventHandler(caches.onNamespace(this::enqueue));

    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (SharedIndexInformer<? extends HasMetadata> informer : List.of(services, slices, pods, nodes, namespaces)) {
      informers.add(informer);
      informer.exceptionHandler(connectivity.watch(informer.getApiTypeClass().getSimpleName(), informer));
      starts.add(informer.start().toCompletableFuture());
    }
    CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
      if (failure == null) {
        submit(this::initialSync);
      }
    });
    executor.scheduleWithFixedDelay(this::tick, 0, probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    log.info("cluster {}: watching API server {}", clusterId, client.getMasterUrl());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (connectivity != null) {
      connectivity.close();
    }
    informers.forEach(SharedIndexInformer::stop);
    ScheduledExecutorService running = executor;
    if (running != null) {
      running.shutdownNow();
      try {
        running.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    client.close();
    log.info("cluster {}: registry closed", clusterId);
  }

  private void enqueue(Set<String> serviceKeys) {
    if (serviceKeys.isEmpty() || closed.get()) {
      return;
    }
    pending.addAll(serviceKeys);
    if (drainScheduled.compareAndSet(false, true)) {
      submit(this::drain);
    }
  }

  private void drain() {
    drainScheduled.set(false);
    if (!synced) {
      // The caches are partial until every informer has listed (a Service may come before its
      // EndpointSlices): a share computed now could lack endpoints that exist. initialSync reports
      // every pending service from the complete listing.
      return;
    }
    for (var it = pending.iterator(); it.hasNext(); ) {
      String key = it.next();
      it.remove();
      recompute(key);
    }
  }

  private void initialSync() {
    Set<String> keys = new TreeSet<>(caches.allServiceKeys());
    keys.addAll(reported.keySet());
    for (var it = pending.iterator(); it.hasNext(); ) {
      keys.add(it.next());
      it.remove();
    }
    keys.forEach(this::recompute);
    if (!synced && !closed.get()) {
      synced = true;
      log.info("cluster {}: initial listing complete, {} services have a share here", clusterId,
          reported.size());
      listener.synced();
    }
  }

  private void recompute(String key) {
    if (closed.get()) {
      return;
    }
    try {
      report(key);
    } catch (RuntimeException e) {
      // A bug, not bad input (that is skipped in the translator); the next change of the service retries.
      log.error("cluster {}: recomputing service {} failed", clusterId, key, e);
    }
  }

  private void report(String key) {
    int slash = key.indexOf('/');
    String namespace = key.substring(0, slash);
    String name = key.substring(slash + 1);
    String hostname = ServiceSpec.hostname(name, namespace);
    ClusterShare share = translator.share(namespace, name, caches.service(key), caches.slicesOf(key), caches);
    ClusterShare previous = reported.get(key);
    if (share.isEmpty() ? previous == null : share.equals(previous)) {
      return;
    }
    log.debug("cluster {}: {} now has {} endpoints{}", clusterId, hostname, share.endpoints().size(),
        share.spec().isPresent() ? "" : " and no Service");
    listener.shareChanged(hostname, share);
    if (share.isEmpty()) {
      reported.remove(key);
    } else {
      reported.put(key, share);
    }
  }

  private void tick() {
    try {
      connectivity.tick();
    } catch (RuntimeException e) {
      log.error("cluster {}: connectivity check failed", clusterId, e);
    }
  }

  private void submit(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.error("cluster {}: registry task failed", clusterId, e);
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("cluster {}: registry closed, dropping work", clusterId);
    }
  }
}
