package io.meshplane.xds;

import static java.util.Objects.requireNonNull;

import io.meshplane.xds.generator.Resource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The xDS streams of this node by proxy id, so that any node of the cluster can ask "what did
 * proxy X last receive?". One per node, registered with the receptionist under
 * {@link #SERVICE_KEY}; each {@link XdsConnection} registers itself once its proxy is identified
 * and is forgotten when it stops. {@link GetConfigDump} (which may come from another node) is
 * answered with the {@link StreamDump} of each local stream of the proxy, none when the proxy is
 * not connected here.
 *
 * <p>Confined to its actor; the streams' dumps are gathered with asks and the reply is sent from
 * their completion, touching only immutable data.
 */
public final class ProxyStreams {

  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "meshplane-proxy-streams");
  /** How long a local stream may take to answer; it answers between two requests of its proxy. */
  static final Duration STREAM_TIMEOUT = Duration.ofSeconds(3);

  private ProxyStreams() {}

  /** Messages this actor accepts. */
  public sealed interface Command {}

  /** A stream identified its proxy; sent by the stream itself, on this node only. */
  public record Register(String proxyId, ActorRef<XdsConnection.Command> stream)
      implements Command, NoSerializationVerificationNeeded {
    public Register {
      requireNonNull(proxyId, "proxyId");
      requireNonNull(stream, "stream");
    }
  }

  /**
   * Replies with the dumps of the proxy's streams on this node. {@code maxResourceBytes} bounds the
   * resources in the reply (0: no bound), so that a reply to another node fits one cluster message.
   */
  public record GetConfigDump(String proxyId, long maxResourceBytes, ActorRef<ConfigDump> replyTo)
      implements Command {
    public GetConfigDump {
      requireNonNull(proxyId, "proxyId");
      requireNonNull(replyTo, "replyTo");
      if (maxResourceBytes < 0) {
        throw new IllegalArgumentException("maxResourceBytes is " + maxResourceBytes + "; expected 0 (no bound) or more");
      }
    }
  }

  /** One node's answer: the dumps of the proxy's streams there, sorted by stream name. Immutable. */
  public record ConfigDump(String servingNode, String proxyId, List<StreamDump> streams) {
    public ConfigDump {
      requireNonNull(servingNode, "servingNode");
      requireNonNull(proxyId, "proxyId");
      streams = List.copyOf(streams);
    }
  }

  public static Behavior<Command> create(String servingNode) {
    requireNonNull(servingNode, "servingNode");
    return Behaviors.setup(ctx -> {
      ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, ctx.getSelf()));
      Map<String, Set<ActorRef<XdsConnection.Command>>> byProxy = new HashMap<>();
      Map<ActorRef<XdsConnection.Command>, String> byStream = new HashMap<>();
      return Behaviors.receive(Command.class)
          .onMessage(Register.class, r -> {
            if (byStream.putIfAbsent(r.stream(), r.proxyId()) == null) {
              byProxy.computeIfAbsent(r.proxyId(), id -> new LinkedHashSet<>()).add(r.stream());
              ctx.watch(r.stream());
            }
            return Behaviors.same();
          })
          .onMessage(GetConfigDump.class, g -> {
            dump(ctx.getSystem(), servingNode, g, List.copyOf(byProxy.getOrDefault(g.proxyId(), Set.of())));
            return Behaviors.same();
          })
          .onSignal(Terminated.class, t -> {
            String proxyId = byStream.remove(t.getRef());
            if (proxyId != null) {
              Set<ActorRef<XdsConnection.Command>> streams = byProxy.get(proxyId);
              streams.remove(t.getRef());
              if (streams.isEmpty()) {
                byProxy.remove(proxyId);
              }
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  private static void dump(ActorSystem<?> system, String servingNode, GetConfigDump g,
      List<ActorRef<XdsConnection.Command>> streams) {
    List<CompletableFuture<StreamDump>> asks = new ArrayList<>();
    for (ActorRef<XdsConnection.Command> stream : streams) {
      // A stream that stops before answering is simply not in the dump.
      asks.add(AskPattern.<XdsConnection.Command, StreamDump>ask(stream, XdsConnection.GetConfigDump::new,
          STREAM_TIMEOUT, system.scheduler()).toCompletableFuture().exceptionally(e -> null));
    }
    CompletableFuture.allOf(asks.toArray(new CompletableFuture[0])).thenRun(() -> {
      List<StreamDump> dumps = new ArrayList<>();
      asks.forEach(a -> {
        if (a.join() != null) {
          dumps.add(a.join());
        }
      });
      dumps.sort(Comparator.comparing(StreamDump::stream));
      g.replyTo().tell(new ConfigDump(servingNode, g.proxyId(), bounded(dumps, g.maxResourceBytes())));
    });
  }

  /**
   * Keeps subscribed names and resources in order (stream by stream, type by type, names then
   * resources) while their bytes (names, and resource bodies with name and version) stay within
   * {@code maxBytes}; from the first one that does not fit, the rest are counted as omitted.
   * 0 keeps everything.
   */
  static List<StreamDump> bounded(List<StreamDump> dumps, long maxBytes) {
    if (maxBytes == 0) {
      return dumps;
    }
    Budget budget = new Budget(maxBytes);
    List<StreamDump> out = new ArrayList<>();
    for (StreamDump d : dumps) {
      List<StreamDump.TypeDump> types = new ArrayList<>();
      for (StreamDump.TypeDump t : d.types()) {
        StreamDump.Subscription sub = t.subscription();
        List<String> names = new ArrayList<>();
        int omittedNames = sub.omitted();
        for (String name : sub.names()) {
          if (budget.take(name.length())) {
            names.add(name);
          } else {
            omittedNames++;
          }
        }
        StreamDump.Sent s = t.sent();
        List<Resource> kept = new ArrayList<>();
        int omitted = s.omitted();
        for (Resource r : s.resources()) {
          if (budget.take(r.body().getSerializedSize() + r.name().length() + r.version().length())) {
            kept.add(r);
          } else {
            omitted++;
          }
        }
        types.add(new StreamDump.TypeDump(t.typeUrl(), new StreamDump.Subscription(sub.wildcard(), names, omittedNames),
            new StreamDump.Sent(s.version(), s.nonce(), s.atMillis(), kept, omitted), t.acked(), t.rejected()));
      }
      out.add(new StreamDump(d.stream(), d.mode(), d.node(), d.connectedAtMillis(), types));
    }
    return out;
  }

  /** Bytes left; once something does not fit, nothing more does, so what is kept is a prefix. */
  private static final class Budget {
    private long left;
    private boolean full;

    Budget(long bytes) {
      this.left = bytes;
    }

    boolean take(long bytes) {
      full |= bytes > left;
      if (!full) {
        left -= bytes;
      }
      return !full;
    }
  }
}
