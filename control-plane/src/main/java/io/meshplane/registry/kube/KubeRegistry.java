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
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
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
 * {@link Connectivity} reports when the API server is lost and found again. A watch event that
 * never arrives would leave a cache wrong until the object changes again: with a
 * {@link ResyncSettings resync}, {@link InformerResync} compares the caches with a new listing
 * now and then and, on a confirmed difference, the informers are rebuilt and every service
 * recomputed.
 */
public final class KubeRegistry implements MemberRegistry {

  static final String SLICES_BY_SERVICE = "meshplane.io/service";
  static final String SLICES_BY_POD = "meshplane.io/pod";
  static final String BY_NODE = "meshplane.io/node";
  private static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(2);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  /** How long a rebuild waits for the new informers' first listing. */
  private static final Duration REBUILD_TIMEOUT = Duration.ofSeconds(60);
  private static final Logger log = LoggerFactory.getLogger(KubeRegistry.class);

  private final KubernetesClient client;
  private final String clusterId;
  private final KubeTranslator translator;
  private final Duration probeInterval;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final ResyncSettings resyncSettings;
  private final ResyncMetrics resyncMetrics;
  private volatile ScheduledExecutorService executor;
  private volatile Connectivity connectivity;
  /** The informers in use; replaced by a rebuild. */
  private volatile Watches watches;
  private volatile InformerResync resync;

  // Confined to the executor.
  private Listener listener;
  /** The last non-empty share reported, by service namespace/name. */
  private final Map<String, ClusterShare> reported = new HashMap<>();
  private boolean synced;
  /** Shares reported so far (a rebuild logs how many it changed). */
  private long reports;

  /** A registry that owns {@code client} (closed with it) and logs bad input as WARN; no resync. */
  public KubeRegistry(KubernetesClient client, String clusterId, String defaultNetwork) {
    this(client, clusterId, defaultNetwork, ResyncSettings.OFF, ResyncMetrics.NONE);
  }

  /** As {@link #KubeRegistry(KubernetesClient, String, String)}, comparing with the API server as {@code resync} says. */
  public KubeRegistry(KubernetesClient client, String clusterId, String defaultNetwork, ResyncSettings resync,
      ResyncMetrics metrics) {
    this(client, new KubeTranslator(clusterId, defaultNetwork), DEFAULT_PROBE_INTERVAL, resync, metrics);
  }

  KubeRegistry(KubernetesClient client, KubeTranslator translator, Duration probeInterval) {
    this(client, translator, probeInterval, ResyncSettings.OFF, ResyncMetrics.NONE);
  }

  KubeRegistry(KubernetesClient client, KubeTranslator translator, Duration probeInterval, ResyncSettings resync,
      ResyncMetrics metrics) {
    this.client = client;
    this.clusterId = translator.clusterId();
    this.translator = translator;
    this.probeInterval = probeInterval;
    this.resyncSettings = java.util.Objects.requireNonNull(resync, "resync");
    this.resyncMetrics = java.util.Objects.requireNonNull(metrics, "metrics");
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
    watches = open();
    Watches first = watches;
    first.listed().whenComplete((ok, failure) -> {
      if (failure == null) {
        submit(this::initialSync);
      }
    });
    executor.scheduleWithFixedDelay(this::tick, 0, probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    log.info("cluster {}: watching API server {}{}", clusterId, client.getMasterUrl(), resyncSettings.enabled()
        ? ", comparing with a new listing every " + resyncSettings.interval() : "");
  }

  /**
   * The informers of one listing of the cluster and the caches over them; {@code listed}
   * completes once every informer has its first listing.
   */
  private record Watches(Map<String, SharedIndexInformer<? extends HasMetadata>> informers, InformerCaches caches,
      CompletableFuture<Void> listed) {

    void stop() {
      informers.values().forEach(SharedIndexInformer::stop);
    }
  }

  /** Creates and starts the informers of every watched resource. */
  private Watches open() {
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
    InformerCaches caches = new InformerCaches(translator, services, slices, pods, nodes, namespaces);

    services.addEventHandler(caches.onService(this::enqueue));
    slices.addEventHandler(caches.onSlice(this::enqueue));
    pods.addEventHandler(caches.onPod(this::enqueue));
    nodes.addEventHandler(caches.onNode(this::enqueue));
    namespaces.addEventHandler(caches.onNamespace(this::enqueue));

    Map<String, SharedIndexInformer<? extends HasMetadata>> byResource = new LinkedHashMap<>();
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (SharedIndexInformer<? extends HasMetadata> informer : List.of(services, slices, pods, nodes, namespaces)) {
      String resource = informer.getApiTypeClass().getSimpleName();
      byResource.put(resource, informer);
      informer.exceptionHandler(connectivity.watch(resource, informer));
      starts.add(informer.start().toCompletableFuture());
    }
    return new Watches(byResource, caches, CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)));
  }

  /**
   * Rebuilds every cache from new informers after {@link InformerResync} found lost events; on
   * the resync thread, which waits for the new listing. The registry's executor then swaps the
   * caches and recomputes every service: a share that did not change is not reported again.
   */
  private boolean rebuild(Map<String, Map<String, String>> lost) {
    if (closed.get()) {
      return false;
    }
    Watches fresh = open();
    try {
      fresh.listed().get(REBUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      fresh.stop();
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      fresh.stop();
      log.warn("cluster {}: rebuilding the caches failed ({}); the next resync tries again", clusterId, e.toString());
      return false;
    }
    if (!submit(() -> swap(fresh))) {
      fresh.stop();
      return false;
    }
    return true;
  }

  private void swap(Watches fresh) {
    if (closed.get()) {
      fresh.stop();
      return;
    }
    Watches old = watches;
    watches = fresh;
    old.stop();
    Set<String> keys = new TreeSet<>(fresh.caches().allServiceKeys());
    keys.addAll(old.caches().allServiceKeys());
    keys.addAll(reported.keySet());
    long before = reports;
    keys.forEach(this::recompute);
    log.info("cluster {}: caches rebuilt from a new listing; {} of {} services had a different share", clusterId,
        reports - before, keys.size());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (connectivity != null) {
      connectivity.close();
    }
    if (resync != null) {
      resync.close();
    }
    Watches current = watches;
    if (current != null) {
      current.stop();
    }
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
    Set<String> keys = new TreeSet<>(watches.caches().allServiceKeys());
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
      startResync();
    }
  }

  private void startResync() {
    if (!resyncSettings.enabled()) {
      return;
    }
    Map<String, Supplier<? extends Collection<? extends HasMetadata>>> servers = new LinkedHashMap<>();
    servers.put(Service.class.getSimpleName(), () -> client.services().inAnyNamespace().list().getItems());
    servers.put(EndpointSlice.class.getSimpleName(),
        () -> client.discovery().v1().endpointSlices().inAnyNamespace().list().getItems());
    servers.put(Pod.class.getSimpleName(), () -> client.pods().inAnyNamespace().list().getItems());
    servers.put(Node.class.getSimpleName(), () -> client.nodes().list().getItems());
    servers.put(Namespace.class.getSimpleName(), () -> client.namespaces().list().getItems());
    resync = new InformerResync(clusterId, resyncSettings, servers,
        resource -> watches.informers().get(resource).getStore().list(), this::rebuild, resyncMetrics);
    if (closed.get()) {
      return;
    }
    resync.start();
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
    InformerCaches caches = watches.caches();
    ClusterShare share = translator.share(namespace, name, caches.service(key), caches.slicesOf(key), caches);
    ClusterShare previous = reported.get(key);
    if (share.isEmpty() ? previous == null : share.equals(previous)) {
      return;
    }
    log.debug("cluster {}: {} now has {} endpoints{}", clusterId, hostname, share.endpoints().size(),
        share.spec().isPresent() ? "" : " and no Service");
    listener.shareChanged(hostname, share);
    reports++;
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

  /** Runs {@code task} on the executor; false when the registry is closed. */
  private boolean submit(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.error("cluster {}: registry task failed", clusterId, e);
        }
      });
      return true;
    } catch (RejectedExecutionException e) {
      log.debug("cluster {}: registry closed, dropping work", clusterId);
      return false;
    }
  }
}
