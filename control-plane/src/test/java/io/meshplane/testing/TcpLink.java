package io.meshplane.testing;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

/**
 * A TCP forwarder a test can cut and heal: it listens on one address and sends each connection on
 * to a fixed target, byte for byte. {@link #cut} closes every connection it carries and closes each
 * new one as soon as it is accepted, until {@link #heal}. Stands in for a network link between two
 * servers on one machine, where no firewall can be had (between Cassandra nodes, each advertising
 * a broadcast address on which such a link forwards to its real listen address).
 *
 * <p>Built on Pekko Streams TCP; thread-safe.
 */
public final class TcpLink implements AutoCloseable {

  private final ActorSystem<?> system;
  private final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final Tcp.ServerBinding binding;
  private final AtomicInteger generation = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  /** The switch of the connections carried now; null while cut. */
  private volatile SharedKillSwitch open;

  private TcpLink(ActorSystem<?> system, InetSocketAddress listen, InetSocketAddress target) {
    this.system = system;
    this.listen = listen;
    this.target = target;
    this.open = KillSwitches.shared(name());
    try {
      this.binding = Tcp.get(system).bind(listen.getHostString(), listen.getPort())
          .to(Sink.foreach(this::handle)).run(system).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("TCP link could not bind " + listen + ": " + e.getMessage(), e);
    }
  }

  /** Forwards connections to {@code listen} on to {@code target}, starting healed. */
  public static TcpLink start(ActorSystem<?> system, InetSocketAddress listen, InetSocketAddress target) {
    return new TcpLink(system, listen, target);
  }

  private String name() {
    return "link-" + listen.getHostString() + "-" + listen.getPort() + "-" + generation.incrementAndGet();
  }

  private void handle(Tcp.IncomingConnection incoming) {
    SharedKillSwitch now = open;
    if (now == null) {
      incoming.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.<ByteString>empty()), system);
      return;
    }
    accepted.incrementAndGet();
    incoming.handleWith(Flow.<ByteString>create().via(now.<ByteString>flow())
        .via(Tcp.get(system).outgoingConnection(target.getHostString(), target.getPort()))
        .via(now.<ByteString>flow()), system);
  }

  /** Closes every connection carried and refuses (closes at once) new ones until {@link #heal}. */
  public void cut() {
    SharedKillSwitch was = open;
    open = null;
    if (was != null) {
      was.abort(new IllegalStateException("link " + listen + " -> " + target + " cut by the test"));
    }
  }

  /** Carries new connections again. */
  public void heal() {
    if (open == null) {
      open = KillSwitches.shared(name());
    }
  }

  /** The port it listens on. */
  public int port() {
    return binding.localAddress().getPort();
  }

  /** Connections carried since the start (not those closed at once while cut). */
  public int accepted() {
    return accepted.get();
  }

  @Override
  public void close() {
    cut();
    binding.unbind().toCompletableFuture().join();
  }

  @Override
  public String toString() {
    return "TcpLink " + listen + " -> " + target;
  }
}
