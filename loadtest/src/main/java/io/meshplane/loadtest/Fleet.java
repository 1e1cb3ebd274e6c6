package io.meshplane.loadtest;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshplane.xds.generator.ResourceNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of simulated proxies, half state-of-the-world and half delta, on channels to one xDS
 * address (the front, so that it spreads the channels over the nodes like a Kubernetes Service
 * would). Each channel is one HTTP/2 connection carrying {@link Settings#streamsPerChannel()}
 * proxies' streams, which land on the same node. Whether a proxy converged is judged against the
 * ground truth of {@link Changes}.
 */
final class Fleet implements AutoCloseable {

  static final int PORT = 50051;
  static final String NAMESPACE = "default";

  /**
   * What a fleet looks like.
   *
   * @param proxies how many proxies
   * @param services how many services exist ({@code svc-0} ..)
   * @param perProxy how many services each proxy subscribes to (CDS and EDS by name)
   * @param streamsPerChannel proxies sharing one channel (one TCP connection)
   * @param metadata node metadata of every proxy ({@code NAMESPACE}, {@code CLUSTER_ID}, ...)
   */
  record Settings(int proxies, int services, int perProxy, int streamsPerChannel, Map<String, String> metadata) {
    Settings {
      if (proxies < 1 || services < 1 || perProxy < 1 || streamsPerChannel < 1) {
        throw new IllegalArgumentException("proxies, services, per-proxy and streams-per-channel must be >= 1");
      }
      metadata = Map.copyOf(metadata);
    }

    static Settings of(int proxies, int services, int perProxy) {
      return new Settings(proxies, services, perProxy, 1, SimProxy.DEFAULT_METADATA);
    }

    Settings withStreamsPerChannel(int value) {
      return new Settings(proxies, services, perProxy, value, metadata);
    }
  }

  final Settings settings;
  final List<SimProxy> proxies = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  private volatile SimProxy.Listener observer = (p, c, a) -> { };
  private volatile Changes truth;

  Fleet(Settings settings, int xdsPort) {
    this(settings, xdsPort, 0);
  }

  /**
   * A fleet whose proxies are numbered from {@code firstIndex}, so that several fleets (one per
   * network, say) have distinct node ids; each id starts with the {@code PROXY_KIND} of the
   * metadata (proxyless if none).
   */
  Fleet(Settings settings, int xdsPort, int firstIndex) {
    this.settings = settings;
    String kind = settings.metadata().getOrDefault("PROXY_KIND", "proxyless");
    ManagedChannel channel = null;
    for (int i = 0; i < settings.proxies(); i++) {
      List<String> clusters = new ArrayList<>();
      for (int k = 0; k < settings.perProxy(); k++) {
        clusters.add(cluster((i * 7 + k * 13) % settings.services()));
      }
      if (i % settings.streamsPerChannel() == 0) {
        channel = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
        channels.add(channel);
      }
      SimProxy.Mode mode = i % 2 == 0 ? SimProxy.Mode.SOTW : SimProxy.Mode.DELTA;
      int n = firstIndex + i;
      proxies.add(new SimProxy(kind + "~10.9." + (n / 250) + "." + (n % 250) + "~sim-" + n + ".default~default.svc",
          mode, clusters.stream().distinct().toList(), settings.metadata(), channel, scheduler,
          (p, c, a) -> observer.endpoints(p, c, a)));
    }
  }

  Fleet(int count, int services, int perProxy, int xdsPort) {
    this(Settings.of(count, services, perProxy), xdsPort);
  }

  static String hostname(int service) {
    return "svc-" + service + "." + NAMESPACE + ".svc.cluster.local";
  }

  static String cluster(int service) {
    return ResourceNames.cluster(hostname(service), PORT);
  }

  /** Sends every endpoint change to {@code changes}, whose writes are the ground truth. */
  void observe(Changes changes) {
    truth = Objects.requireNonNull(changes);
    observer = changes;
  }

  /** Sends every endpoint change to {@code listener}, which judges convergence itself. */
  void listen(SimProxy.Listener listener) {
    observer = Objects.requireNonNull(listener);
  }

  int channels() {
    return channels.size();
  }

  boolean converged(SimProxy p) {
    Changes t = truth;
    for (String c : p.clusters) {
      if (!p.endpoints(c).equals(t == null ? Set.of() : t.truth(c))) {
        return false;
      }
    }
    return true;
  }

  long convergedCount(List<SimProxy> of) {
    return of.stream().filter(this::converged).count();
  }

  long bytes(List<SimProxy> of) {
    return of.stream().mapToLong(SimProxy::bytesReceived).sum();
  }

  long responses() {
    return proxies.stream().mapToLong(SimProxy::responsesReceived).sum();
  }

  long nacks() {
    return proxies.stream().mapToLong(SimProxy::nacksSent).sum();
  }

  @Override
  public void close() {
    proxies.forEach(SimProxy::disconnect);
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    scheduler.shutdownNow();
  }
}
