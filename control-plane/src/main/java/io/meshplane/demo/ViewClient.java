package io.meshplane.demo;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.meshplane.xds.generator.TypeUrls;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the demo's view clients: a raw ADS stream (state of the world) of a simulated proxy on one
 * site, subscribed to the {@code greeter} cluster and its endpoints, that prints one line each time
 * the endpoints it is sent change: each priority, its locality, and its endpoints, east-west
 * gateways named by network with their weight (how many endpoints they stand for). It ACKs every
 * response, and reopens its stream through the front a second after losing it (a node died), as a
 * proxy would.
 *
 * <p>Thread-safe: gRPC callbacks of one stream are serialized, and they, the reconnect timer and
 * {@link #close} share this object's lock.
 */
public final class ViewClient implements AutoCloseable {

  private static final long RECONNECT_MILLIS = 1000;
  private static final Logger log = LoggerFactory.getLogger(ViewClient.class);

  private final String label;
  private final Node node;
  private final String cluster;
  private final Map<String, String> gateways;
  private final Consumer<String> out;
  private final ManagedChannel channel;
  private final ScheduledExecutorService scheduler;
  private StreamObserver<DiscoveryRequest> requests;
  private String lastView = "";
  private boolean closed;

  private ViewClient(String label, Node node, String cluster, Map<String, String> gateways, Consumer<String> out,
      ManagedChannel channel) {
    this.label = label;
    this.node = node;
    this.cluster = cluster;
    this.gateways = Map.copyOf(gateways);
    this.out = out;
    this.channel = channel;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-view-" + node.getId());
      t.setDaemon(true);
      return t;
    });
  }

  /** The node id of the {@code kind} client of {@code site}, Istio's form. */
  public static String nodeId(DemoNetworks.Site site, String kind, int address) {
    return kind + "~127.0.0." + address + "~" + site.name() + "-" + kind + "." + DemoWorkloads.NAMESPACE + "~"
        + DemoWorkloads.NAMESPACE + ".svc.cluster.local";
  }

  /**
   * The label that starts each of the lines of the {@code kind} client of {@code site}; with
   * regions, {@code region} names the region whose stable address it uses (else empty).
   */
  public static String label(DemoNetworks.Site site, String kind, String region) {
    return "[view " + site.name() + " " + kind + " @" + site.network() + "/" + site.zone()
        + (region.isEmpty() ? "" : " via " + region) + "]";
  }

  /**
   * Connects a {@code kind} ({@code sidecar} or {@code proxyless}) proxy of {@code site} to the xDS
   * server at {@code xdsAddress} (host:port) and subscribes to {@code cluster}.
   *
   * @param address the last byte of its made-up pod IP (127.0.0.x), which keeps node ids apart
   * @param region the region whose stable address {@code xdsAddress} is, for the label; empty without regions
   * @param gateways gateway host:port -> the network it is the gateway of, to name them
   */
  public static ViewClient start(DemoNetworks.Site site, String kind, int address, String xdsAddress, String region,
      String cluster, Map<String, String> gateways, Consumer<String> out) {
    Struct metadata = Struct.newBuilder()
        .putFields("NAMESPACE", string(DemoWorkloads.NAMESPACE))
        .putFields("CLUSTER_ID", string(site.clusterId()))
        .putFields("NETWORK", string(site.network()))
        .putFields("PROXY_KIND", string(kind))
        .build();
    Node node = Node.newBuilder().setId(nodeId(site, kind, address)).setCluster(site.clusterId())
        .setLocality(Locality.newBuilder().setRegion(DemoWorkloads.REGION).setZone(site.zone()))
        .setMetadata(metadata).build();
    ManagedChannel channel = Grpc.newChannelBuilder(xdsAddress, InsecureChannelCredentials.create()).build();
    ViewClient client = new ViewClient(label(site, kind, region), node, cluster, gateways, out, channel);
    client.open();
    return client;
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private synchronized void open() {
    if (closed) {
      return;
    }
    StreamObserver<DiscoveryRequest>[] self = newArray();
    StreamObserver<DiscoveryResponse> in = new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse response) {
        received(response, self[0]);
      }

      @Override
      public void onError(Throwable t) {
        lost(self[0], t.toString());
      }

      @Override
      public void onCompleted() {
        lost(self[0], "the server ended the stream");
      }
    };
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(in);
    self[0] = requests;
    for (String type : List.of(TypeUrls.CLUSTER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
      requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type).addResourceNames(cluster).build());
    }
  }

  @SuppressWarnings("unchecked")
  private static StreamObserver<DiscoveryRequest>[] newArray() {
    return new StreamObserver[1];
  }

  private synchronized void received(DiscoveryResponse response, StreamObserver<DiscoveryRequest> from) {
    if (from != requests || closed) {
      return;
    }
    if (response.getTypeUrl().equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
      ClusterLoadAssignment mine = null;
      for (Any any : response.getResourcesList()) {
        try {
          ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
          if (cla.getClusterName().equals(cluster)) {
            mine = cla;
          }
        } catch (InvalidProtocolBufferException e) {
          log.warn("demo: {} got an unreadable assignment: {}", node.getId(), e.toString());
        }
      }
      String view = mine == null ? "no assignment for " + cluster : describe(mine, gateways);
      if (!view.equals(lastView)) {
        lastView = view;
        out.accept(label + " " + DemoWorkloads.SERVICE + ": " + view);
      }
    }
    requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).addResourceNames(cluster)
        .setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce()).build());
  }

  private synchronized void lost(StreamObserver<DiscoveryRequest> from, String why) {
    if (from != requests || closed) {
      return;
    }
    requests = null;
    log.info("demo: view client {} lost its stream ({}); reopening in {} ms", node.getId(), why, RECONNECT_MILLIS);
    scheduler.schedule(this::open, RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * One line for an assignment: by priority, each locality's zone and endpoints; a gateway (an
   * address in {@code gateways}) as {@code <network> gateway host:port x<weight>}.
   */
  static String describe(ClusterLoadAssignment cla, Map<String, String> gateways) {
    if (cla.getEndpointsCount() == 0) {
      return "no endpoints";
    }
    List<LocalityLbEndpoints> groups = new ArrayList<>(cla.getEndpointsList());
    groups.sort(Comparator.comparingInt(LocalityLbEndpoints::getPriority)
        .thenComparing(g -> g.getLocality().getRegion()).thenComparing(g -> g.getLocality().getZone()));
    return groups.stream().map(g -> "p" + g.getPriority() + " " + zone(g.getLocality()) + " ["
        + g.getLbEndpointsList().stream().map(e -> endpoint(e, gateways)).collect(Collectors.joining(", ")) + "]")
        .collect(Collectors.joining(" | "));
  }

  private static String zone(Locality l) {
    return l.getZone().isEmpty() ? (l.getRegion().isEmpty() ? "(no locality)" : l.getRegion()) : l.getZone();
  }

  private static String endpoint(LbEndpoint e, Map<String, String> gateways) {
    var socket = e.getEndpoint().getAddress().getSocketAddress();
    String address = socket.getAddress() + ":" + socket.getPortValue();
    String network = gateways.get(address);
    if (network != null) {
      return network + " gateway " + address + " x" + e.getLoadBalancingWeight().getValue();
    }
    return address;
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (requests != null) {
        requests.onCompleted();
        requests = null;
      }
    }
    scheduler.shutdownNow();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
