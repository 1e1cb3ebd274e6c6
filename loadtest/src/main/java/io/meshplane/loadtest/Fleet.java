package io.meshplane.loadtest;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshplane.xds.generator.ResourceNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A fleet of simulated proxies, each on its own channel to the front (so the front spreads them
 * over the nodes like a Kubernetes Service would), and the ground truth they must converge to:
 * the endpoints of every service as last written to the API server.
 */
final class Fleet implements AutoCloseable {

  static final int PORT = 50051;
  static final String NAMESPACE = "default";

  final List<SimProxy> proxies = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
  /** cluster name -> endpoints last written. */
  private final Map<String, Set<String>> truth = new ConcurrentHashMap<>();
  private volatile SimProxy.Listener observer = (p, c, a) -> { };

  Fleet(int count, int services, int perProxy, int frontPort) {
    for (int i = 0; i < count; i++) {
      List<String> clusters = new ArrayList<>();
      for (int k = 0; k < perProxy; k++) {
        clusters.add(cluster((i * 7 + k * 13) % services));
      }
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", frontPort).usePlaintext().build();
      channels.add(channel);
      SimProxy.Mode mode = i % 2 == 0 ? SimProxy.Mode.SOTW : SimProxy.Mode.DELTA;
      proxies.add(new SimProxy("proxyless~10.9." + (i / 250) + "." + (i % 250) + "~sim-" + i + ".default~default.svc",
          mode, clusters.stream().distinct().toList(), channel, scheduler, (p, c, a) -> observer.endpoints(p, c, a)));
    }
  }

  static String hostname(int service) {
    return "svc-" + service + "." + NAMESPACE + ".svc.cluster.local";
  }

  static String cluster(int service) {
    return ResourceNames.cluster(hostname(service), PORT);
  }

  void observe(SimProxy.Listener listener) {
    observer = listener;
  }

  void truth(int service, Set<String> addresses) {
    truth.put(cluster(service), Set.copyOf(addresses));
  }

  Set<String> truth(String cluster) {
    return truth.getOrDefault(cluster, Set.of());
  }

  boolean converged(SimProxy p) {
    for (String c : p.clusters) {
      if (!p.endpoints(c).equals(truth(c))) {
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
