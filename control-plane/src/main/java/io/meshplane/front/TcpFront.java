package io.meshplane.front;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContextExecutor;

/**
 * The control plane's stable address on one machine, standing in for a Kubernetes Service: a TCP
 * front on loopback that sends each new connection to a live node, round robin. Like a load
 * balancer with health checks, it probes every node with a TCP connect every {@link
 * #HEALTH_INTERVAL} and skips a node from its first failed probe or failed connection until a probe
 * succeeds again. A connection whose node dies is closed; the proxy reconnects through the front
 * and lands on another node.
 *
 * <p>Byte-level (it never parses HTTP/2); built on Pekko Streams TCP, so thousands of connections
 * cost no threads. Thread-safe.
 */
public final class TcpFront implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TcpFront.class);
  static final Duration HEALTH_INTERVAL = Duration.ofMillis(200);
  /**
   * A refused connect means the node is gone; a connect that times out means its accept queue is
   * full (busy, say with a reconnect storm) or it is frozen. The periodic probe waits longer and
   * marks the node down; the probe before routing a connection only moves on to the next node.
   */
  private static final int HEALTH_PROBE_TIMEOUT_MILLIS = 1000;
  private static final int PICK_PROBE_TIMEOUT_MILLIS = 200;
  /** Connections being routed at once (each pick may wait for a probe). */
  private static final int PARALLEL_PICKS = 64;
  /** Pending connections the listening socket holds (the JDK's and Pekko's default is 100). */
  private static final int BACKLOG = 1024;

  private final ActorSystem<?> system;
  /** This region's nodes, then the other regions' (used only while none of this region's is up). */
  private final List<InetSocketAddress> local;
  private final List<InetSocketAddress> fallback;
  private final List<InetSocketAddress> nodes;
  private final Set<InetSocketAddress> down = ConcurrentHashMap.newKeySet();
  private final AtomicInteger next = new AtomicInteger();
  private final Tcp.ServerBinding binding;
  private final Cancellable probes;

  private TcpFront(ActorSystem<?> system, List<InetSocketAddress> local, List<InetSocketAddress> fallback, int port) {
    this.system = system;
    this.local = List.copyOf(local);
    this.fallback = List.copyOf(fallback);
    List<InetSocketAddress> all = new java.util.ArrayList<>(local);
    all.addAll(fallback);
    this.nodes = List.copyOf(all);
    // Probes block (briefly, on loopback); they run on the blocking-IO dispatcher, never on the
    // stream accepting connections.
    ExecutionContextExecutor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    CompletionStage<Tcp.ServerBinding> bound = Tcp.get(system)
        .bind("127.0.0.1", port, BACKLOG, List.of(), false, Optional.empty())
        .mapAsyncUnordered(PARALLEL_PICKS, incoming -> CompletableFuture.supplyAsync(this::pick, blocking)
            .thenApply(target -> route(incoming, target)))
        .to(Sink.ignore()).run(system);
    try {
      this.binding = bound.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("TCP front could not bind 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    this.probes = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, HEALTH_INTERVAL, this::probeAll,
        blocking);
    log.info("TCP front on {} for nodes {}{}", binding.localAddress(), local,
        fallback.isEmpty() ? "" : ", failing over to " + fallback);
  }

  private void probeAll() {
    for (InetSocketAddress node : nodes) {
      if (probe(node, HEALTH_PROBE_TIMEOUT_MILLIS, true) && down.remove(node)) {
        log.info("node {} is up again", node);
      }
    }
  }

  private void markDown(InetSocketAddress node, String why) {
    if (down.add(node)) {
      log.info("node {} is down ({}); new connections go to the others", node, why);
    }
  }

  /** Starts a front on {@code port} (0: any free port) for these node addresses. */
  public static TcpFront start(ActorSystem<?> system, List<InetSocketAddress> nodes, int port) {
    return start(system, nodes, List.of(), port);
  }

  /**
   * A region's stable address: new connections go to {@code local} (this region's nodes) while
   * any of them is up, else to {@code fallback} (other regions' nodes), and back to {@code local}
   * as soon as one of them is up again.
   */
  public static TcpFront start(ActorSystem<?> system, List<InetSocketAddress> local,
      List<InetSocketAddress> fallback, int port) {
    if (local.isEmpty()) {
      throw new IllegalArgumentException("a TCP front needs at least one node");
    }
    return new TcpFront(system, local, fallback, port);
  }

  public int port() {
    return binding.localAddress().getPort();
  }

  private Done route(Tcp.IncomingConnection incoming, InetSocketAddress target) {
    Flow<ByteString, ByteString, CompletionStage<Tcp.OutgoingConnection>> upstream =
        Tcp.get(system).outgoingConnection(target.getHostString(), target.getPort());
    CompletionStage<Tcp.OutgoingConnection> connected = incoming.handleWith(upstream, system);
    connected.whenComplete((c, error) -> {
      if (error != null) {
        markDown(target, error.toString());
        log.debug("connection to node {} failed ({}); the client will reconnect", target, error.toString());
      }
    });
    return Done.getInstance();
  }

  /**
   * The next node round robin among this region's nodes that are up, else among the other
   * regions', each checked with a connect first (on loopback, well under a millisecond) so that
   * connections arriving right after a node died, before the periodic probe saw it, do not land
   * on it; if none is up, the next local one anyway.
   */
  InetSocketAddress pick() {
    int turn = next.getAndIncrement();
    InetSocketAddress picked = pickAmong(local, turn);
    if (picked == null && !fallback.isEmpty()) {
      picked = pickAmong(fallback, turn);
    }
    return picked != null ? picked : local.get(Math.floorMod(turn, local.size()));
  }

  private InetSocketAddress pickAmong(List<InetSocketAddress> candidates, int turn) {
    int start = Math.floorMod(turn, candidates.size());
    for (int i = 0; i < candidates.size(); i++) {
      InetSocketAddress candidate = candidates.get((start + i) % candidates.size());
      if (!down.contains(candidate) && probe(candidate, PICK_PROBE_TIMEOUT_MILLIS, false)) {
        return candidate;
      }
    }
    return null;
  }

  private boolean probe(InetSocketAddress node, int timeoutMillis, boolean downOnTimeout) {
    try (Socket socket = new Socket()) {
      socket.connect(node, timeoutMillis);
      return true;
    } catch (SocketTimeoutException e) {
      if (downOnTimeout) {
        markDown(node, "no answer to a connect within " + timeoutMillis + " ms");
      }
      return false;
    } catch (IOException e) {
      markDown(node, e.toString());
      return false;
    }
  }

  @Override
  public void close() {
    probes.cancel();
    binding.unbind();
  }
}
