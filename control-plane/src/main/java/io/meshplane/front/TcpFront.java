package io.meshplane.front;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane's stable address on one machine, standing in for a Kubernetes Service: a TCP
 * front on loopback that sends each new connection to a live node, round robin, skipping nodes
 * whose last connection attempt failed within {@link #DEAD_FOR}. A connection whose node dies is
 * closed; the proxy reconnects through the front and lands on another node.
 *
 * <p>Byte-level (it never parses HTTP/2); built on Pekko Streams TCP, so thousands of connections
 * cost no threads. Thread-safe.
 */
public final class TcpFront implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TcpFront.class);
  static final Duration DEAD_FOR = Duration.ofSeconds(2);

  private final ActorSystem<?> system;
  private final List<InetSocketAddress> nodes;
  private final Map<InetSocketAddress, Long> failedAt = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger();
  private final Clock clock;
  private final Tcp.ServerBinding binding;

  private TcpFront(ActorSystem<?> system, List<InetSocketAddress> nodes, int port, Clock clock) {
    this.system = system;
    this.nodes = List.copyOf(nodes);
    this.clock = clock;
    CompletionStage<Tcp.ServerBinding> bound = Tcp.get(system).bind("127.0.0.1", port)
        .to(Sink.foreach(this::route)).run(system);
    try {
      this.binding = bound.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("TCP front could not bind 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    log.info("TCP front on {} for nodes {}", binding.localAddress(), nodes);
  }

  /** Starts a front on {@code port} (0: any free port) for these node addresses. */
  public static TcpFront start(ActorSystem<?> system, List<InetSocketAddress> nodes, int port) {
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("a TCP front needs at least one node");
    }
    return new TcpFront(system, nodes, port, Clock.systemUTC());
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  private void route(Tcp.IncomingConnection incoming) {
    InetSocketAddress target = pick();
    Flow<ByteString, ByteString, CompletionStage<Tcp.OutgoingConnection>> upstream =
        Tcp.get(system).outgoingConnection(target.getHostString(), target.getPort());
    CompletionStage<Tcp.OutgoingConnection> connected = incoming.handleWith(upstream, system);
    connected.whenComplete((c, error) -> {
      if (error != null) {
        failedAt.put(target, clock.millis());
        log.debug("node {} unreachable ({}); the client will reconnect", target, error.toString());
      } else {
        failedAt.remove(target);
      }
    });
  }

  /** The next node round robin, preferring nodes not seen failing lately. */
  InetSocketAddress pick() {
    long now = clock.millis();
    int start = Math.floorMod(next.getAndIncrement(), nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      InetSocketAddress candidate = nodes.get((start + i) % nodes.size());
      Long failed = failedAt.get(candidate);
      if (failed == null || now - failed > DEAD_FOR.toMillis()) {
        return candidate;
      }
    }
    return nodes.get(start);
  }

  @Override
  public void close() {
    binding.unbind();
  }
}
