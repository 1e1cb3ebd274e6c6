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
 * clusters (CDS) and endpoints (EDS) of a few services. Like a real proxy it checks each response
 * before applying it: it ACKs one it could apply and NACKs (previous version, {@code error_detail})
 * one it could not (an unparsable resource, an endpoint without address or port), keeping what it
 * held. It keeps what it was sent, and after losing its stream reconnects like grpc-java's xDS client: at once after a
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

  /** Node metadata of a proxyless client in namespace default of cluster-1. */
  static final Map<String, String> DEFAULT_METADATA = Map.of("NAMESPACE", "default", "CLUSTER_ID", "cluster-1",
      "PROXY_KIND", "proxyless");

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
  private final AtomicLong nacks = new AtomicLong();
  private final Map<String, String> sotwVersions = new HashMap<>();
  private final Map<String, Map<String, String>> deltaVersions = new HashMap<>();
  private final Map<String, Set<String>> endpoints = new ConcurrentHashMap<>();
  private StreamObserver<?> requests;
  private boolean answeredOnThisStream;
  private int failedAttempts;
  private volatile boolean stopped;
  private volatile long streamsOpened;
  private volatile long lastOpenedNanos;

  SimProxy(String id, Mode mode, List<String> clusters, Map<String, String> metadata, ManagedChannel channel,
      ScheduledExecutorService scheduler, Listener listener) {
    this.id = id;
    this.mode = mode;
    this.clusters = List.copyOf(clusters);
    this.channel = channel;
    this.scheduler = scheduler;
    this.listener = listener;
    Struct.Builder meta = Struct.newBuilder();
    metadata.forEach((k, v) -> meta.putFields(k, Value.newBuilder().setStringValue(v).build()));
    this.node = Node.newBuilder().setId(id).setCluster("sim").setMetadata(meta).build();
  }

  /** Bytes of every response received so far. */
  long bytesReceived() {
    return bytes.get();
  }

  long responsesReceived() {
    return responses.get();
  }

  /** Responses this proxy rejected. */
  long nacksSent() {
    return nacks.get();
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
    @SuppressWarnings("unchecked")
    StreamObserver<DiscoveryRequest> out = (StreamObserver<DiscoveryRequest>) requests;
    DiscoveryRequest.Builder reply = DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
        .addAllResourceNames(clusters).setResponseNonce(r.getNonce());
    Map<String, Set<String>> parsed = new HashMap<>();
    try {
      for (com.google.protobuf.Any any : r.getResourcesList()) {
        check(r.getTypeUrl(), any.getValue(), parsed);
      }
    } catch (IllegalArgumentException e) {
      nack(out, reply.setVersionInfo(sotwVersions.getOrDefault(r.getTypeUrl(), "")), e);
      return;
    }
    if (r.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
      parsed.forEach(this::update);
      // SotW: a subscribed cluster missing from the answer has no endpoints.
      clusters.stream().filter(c -> !parsed.containsKey(c)).forEach(c -> update(c, Set.of()));
    }
    sotwVersions.put(r.getTypeUrl(), r.getVersionInfo());
    out.onNext(reply.setVersionInfo(r.getVersionInfo()).build());
  }

  private synchronized void onDelta(DeltaDiscoveryResponse r, StreamObserver<?> from) {
    if (from != requests) {
      return;
    }
    received(r.getSerializedSize());
    @SuppressWarnings("unchecked")
    StreamObserver<DeltaDiscoveryRequest> out = (StreamObserver<DeltaDiscoveryRequest>) requests;
    DeltaDiscoveryRequest.Builder reply = DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
        .setResponseNonce(r.getNonce());
    Map<String, Set<String>> parsed = new HashMap<>();
    try {
      for (Resource res : r.getResourcesList()) {
        check(r.getTypeUrl(), res.getResource().getValue(), parsed);
      }
    } catch (IllegalArgumentException e) {
      nacks.incrementAndGet();
      out.onNext(reply.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage(e.getMessage()))
          .build());
      return;
    }
    Map<String, String> versions = deltaVersions.computeIfAbsent(r.getTypeUrl(), t -> new HashMap<>());
    r.getResourcesList().forEach(res -> versions.put(res.getName(), res.getVersion()));
    parsed.forEach(this::update);
    for (String removed : r.getRemovedResourcesList()) {
      versions.remove(removed);
      if (r.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
        update(removed, Set.of());
      }
    }
    out.onNext(reply.build());
  }

  private void nack(StreamObserver<DiscoveryRequest> out, DiscoveryRequest.Builder reply, RuntimeException e) {
    nacks.incrementAndGet();
    out.onNext(reply.setErrorDetail(com.google.rpc.Status.newBuilder().setCode(3).setMessage(e.getMessage()))
        .build());
  }

  /**
   * Checks one resource as a proxy would before applying it; an EDS resource's addresses go to
   * {@code endpoints} by cluster name.
   *
   * @throws IllegalArgumentException naming what is wrong, to be NACKed
   */
  private static void check(String typeUrl, com.google.protobuf.ByteString value, Map<String, Set<String>> endpoints) {
    try {
      if (typeUrl.equals(TypeUrls.CLUSTER)) {
        if (io.envoyproxy.envoy.config.cluster.v3.Cluster.parseFrom(value).getName().isEmpty()) {
          throw new IllegalArgumentException("a Cluster without a name");
        }
      } else if (typeUrl.equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
        ClusterLoadAssignment cla = ClusterLoadAssignment.parseFrom(value);
        Set<String> addresses = new TreeSet<>();
        cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e -> {
          var socket = e.getEndpoint().getAddress().getSocketAddress();
          if (socket.getAddress().isEmpty() || socket.getPortValue() == 0) {
            throw new IllegalArgumentException("an endpoint of " + cla.getClusterName() + " without address or port");
          }
          addresses.add(socket.getAddress());
        }));
        endpoints.put(cla.getClusterName(), addresses);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("unparsable " + typeUrl + ": " + e.getMessage());
    }
  }

  private void received(int size) {
    bytes.addAndGet(size);
    responses.incrementAndGet();
    answeredOnThisStream = true;
    failedAttempts = 0;
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
