package io.meshplane.loadtest;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.meshplane.xds.generator.TypeUrls;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One simulated proxy: an ADS stream (state-of-the-world or delta) subscribed by name to the
 * clusters (CDS) and endpoints (EDS) of a few services. It ACKs every response, keeps what it
 * was sent, and after losing its stream reconnects like grpc-java's xDS client: at once after a
 * stream that had answered, else with backoff (1 s x 1.6, +-20 %, at most 30 s), resuming with
 * what it holds (SotW version_info, delta initial_resource_versions).
 *
 * <p>Thread-safe: gRPC callbacks of one stream are serialized; state is guarded by this object.
 */
final class SimProxy {

  /** Called when a proxy's endpoints of a cluster change: proxy, cluster name, addresses. */
  interface Listener {
    void endpoints(SimProxy proxy, String cluster, Set<String> addresses);
  }

  enum Mode { SOTW, DELTA }

  private static final List<String> TYPES = List.of(TypeUrls.CLUSTER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT);

  final String id;
  final Mode mode;
  final List<String> clusters;
  private final ManagedChannel channel;
  private final ScheduledExecutorService scheduler;
  private final Listener listener;
  private final Node node;

  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong responses = new AtomicLong();
  private final Map<String, String> sotwVersions = new HashMap<>();
  private final Map<String, Map<String, String>> deltaVersions = new HashMap<>();
  private final Map<String, Set<String>> endpoints = new ConcurrentHashMap<>();
  private StreamObserver<?> requests;
  private boolean answeredOnThisStream;
  private int failedAttempts;
  private volatile boolean stopped;
  private volatile long streamsOpened;
  private volatile long lastOpenedNanos;

  SimProxy(String id, Mode mode, List<String> clusters, ManagedChannel channel, ScheduledExecutorService scheduler,
      Listener listener) {
    this.id = id;
    this.mode = mode;
    this.clusters = List.copyOf(clusters);
    this.channel = channel;
    this.scheduler = scheduler;
    this.listener = listener;
    this.node = Node.newBuilder().setId(id).setCluster("sim").setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("default").build())
        .putFields("CLUSTER_ID", Value.newBuilder().setStringValue("cluster-1").build())
        .putFields("PROXY_KIND", Value.newBuilder().setStringValue("proxyless").build())).build();
  }

  /** Bytes of every response received so far. */
  long bytesReceived() {
    return bytes.get();
  }

  long responsesReceived() {
    return responses.get();
  }

  long streamsOpened() {
    return streamsOpened;
  }

  /** System.nanoTime of the last stream opened. */
  long lastOpenedNanos() {
    return lastOpenedNanos;
  }

  /** The addresses this proxy holds for a cluster (empty if none). */
  Set<String> endpoints(String cluster) {
    return endpoints.getOrDefault(cluster, Set.of());
  }

  synchronized void start() {
    stopped = false;
    open();
  }

  /** Ends the stream from the proxy's side and forgets nothing: {@link #start} resumes. */
  synchronized void disconnect() {
    stopped = true;
    if (requests != null) {
      requests.onCompleted();
      requests = null;
    }
  }

  /** Forgets what it holds, like a restarted proxy. */
  synchronized void forget() {
    sotwVersions.clear();
    deltaVersions.clear();
    endpoints.clear();
  }

  private void open() {
    streamsOpened++;
    lastOpenedNanos = System.nanoTime();
    answeredOnThisStream = false;
    if (mode == Mode.SOTW) {
      Observer<DiscoveryResponse> in = new Observer<>(this::onSotw);
      StreamObserver<DiscoveryRequest> out = AggregatedDiscoveryServiceGrpc.newStub(channel)
          .streamAggregatedResources(in);
      in.stream = out;
      requests = out;
      for (String type : TYPES) {
        out.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).addAllResourceNames(clusters)
            .setVersionInfo(sotwVersions.getOrDefault(type, "")).build());
      }
    } else {
      Observer<DeltaDiscoveryResponse> in = new Observer<>(this::onDelta);
      StreamObserver<DeltaDiscoveryRequest> out = AggregatedDiscoveryServiceGrpc.newStub(channel)
          .deltaAggregatedResources(in);
      in.stream = out;
      requests = out;
      for (String type : TYPES) {
        out.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
            .addAllResourceNamesSubscribe(clusters)
            .putAllInitialResourceVersions(deltaVersions.getOrDefault(type, Map.of())).build());
      }
    }
  }

  private synchronized void onSotw(DiscoveryResponse r, StreamObserver<?> from) {
    if (from != requests) {
      return;
    }
    received(r.getSerializedSize());
    if (r.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
      Set<String> present = new TreeSet<>();
      for (com.google.protobuf.Any any : r.getResourcesList()) {
        ClusterLoadAssignment cla = parse(any.getValue());
        present.add(cla.getClusterName());
        update(cla);
      }
      // SotW: a subscribed cluster missing from the answer has no endpoints.
      clusters.stream().filter(c -> !present.contains(c)).forEach(c -> update(c, Set.of()));
    }
    sotwVersions.put(r.getTypeUrl(), r.getVersionInfo());
    @SuppressWarnings("unchecked")
    StreamObserver<DiscoveryRequest> out = (StreamObserver<DiscoveryRequest>) requests;
    out.onNext(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).addAllResourceNames(clusters)
        .setVersionInfo(r.getVersionInfo()).setResponseNonce(r.getNonce()).build());
  }

  private synchronized void onDelta(DeltaDiscoveryResponse r, StreamObserver<?> from) {
    if (from != requests) {
      return;
    }
    received(r.getSerializedSize());
    Map<String, String> versions = deltaVersions.computeIfAbsent(r.getTypeUrl(), t -> new HashMap<>());
    for (Resource res : r.getResourcesList()) {
      versions.put(res.getName(), res.getVersion());
      if (r.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
        update(parse(res.getResource().getValue()));
      }
    }
    for (String removed : r.getRemovedResourcesList()) {
      versions.remove(removed);
      if (r.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
        update(removed, Set.of());
      }
    }
    @SuppressWarnings("unchecked")
    StreamObserver<DeltaDiscoveryRequest> out = (StreamObserver<DeltaDiscoveryRequest>) requests;
    out.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build());
  }

  private void received(int size) {
    bytes.addAndGet(size);
    responses.incrementAndGet();
    answeredOnThisStream = true;
    failedAttempts = 0;
  }

  private static ClusterLoadAssignment parse(com.google.protobuf.ByteString bytes) {
    try {
      return ClusterLoadAssignment.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the control plane sent an unparsable ClusterLoadAssignment", e);
    }
  }

  private void update(ClusterLoadAssignment cla) {
    Set<String> addresses = new TreeSet<>();
    cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
        addresses.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
    update(cla.getClusterName(), addresses);
  }

  private void update(String cluster, Set<String> addresses) {
    Set<String> before = endpoints.put(cluster, Set.copyOf(addresses));
    if (!addresses.equals(before)) {
      listener.endpoints(this, cluster, Set.copyOf(addresses));
    }
  }

  private synchronized void onEnded(StreamObserver<?> from) {
    if (from != requests || stopped) {
      return;
    }
    requests = null;
    long delayMillis = 0;
    if (!answeredOnThisStream) {
      failedAttempts++;
      double backoff = Math.min(30_000, 1_000 * Math.pow(1.6, failedAttempts - 1));
      delayMillis = (long) (backoff * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    }
    scheduler.schedule(this::reopen, delayMillis, TimeUnit.MILLISECONDS);
  }

  private synchronized void reopen() {
    if (!stopped && requests == null) {
      open();
    }
  }

  /**
   * Forwards one stream's responses and its end, tagged with the stream, to the proxy; {@code
   * stream} is set under the proxy's lock before any callback can take that lock.
   */
  private final class Observer<R> implements StreamObserver<R> {
    private final java.util.function.BiConsumer<R, StreamObserver<?>> onResponse;
    volatile StreamObserver<?> stream;

    Observer(java.util.function.BiConsumer<R, StreamObserver<?>> onResponse) {
      this.onResponse = onResponse;
    }

    @Override
    public void onNext(R value) {
      synchronized (SimProxy.this) {
        onResponse.accept(value, stream);
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (SimProxy.this) {
        onEnded(stream);
      }
    }

    @Override
    public void onCompleted() {
      synchronized (SimProxy.this) {
        onEnded(stream);
      }
    }
  }
}
