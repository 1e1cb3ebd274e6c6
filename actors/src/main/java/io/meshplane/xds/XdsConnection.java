package io.meshplane.xds;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.meshplane.model.InvalidInputException;
import io.meshplane.model.ProxyNode;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.push.PushHub;
import io.meshplane.push.ServiceView;
import io.meshplane.xds.generator.ProxyView;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One proxy's xDS stream (state-of-the-world or delta): it parses the node, keeps each type's
 * subscription and nonce/version bookkeeping, asks the node's {@link PushHub} for the services its
 * subscriptions need, and sends responses built from the hub's shared {@link ServiceView}s: only
 * services this proxy may see, and load assignments as this proxy sees them ({@link ProxyView},
 * shared with every proxy whose view is equal). At most one response is in flight; everything
 * newer is conflated into "this type is due", computed from the newest state when the stream is
 * ready, so a slow proxy never grows memory. It keeps what it
 * last sent of each type (references to the shared resources) with the proxy's ACK or NACK, and
 * answers {@link GetConfigDump}; it registers with the node's {@link ProxyStreams} once it knows
 * its proxy, so that any node can find it.
 *
 * <p>Confined to its actor; the gRPC server feeds it requests with backpressure and gives it an
 * {@link XdsOutput}.
 */
public final class XdsConnection extends AbstractBehavior<XdsConnection.Command> {

  /** The two xDS variants. */
  public enum Mode { SOTW, DELTA }

  /** Acknowledges one inbound request so that the next one is delivered. */
  public enum Ack { INSTANCE }

  /** Limits on what one request may carry. */
  public static final int MAX_RESOURCE_NAMES = 10_000;
  public static final int MAX_NAME_LENGTH = 1_024;
  /** gRPC's customary maximum message size; the transport does not cap it, so this does. */
  public static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;
  private static final String TYPE_PREFIX = "type.googleapis.com/";
  /** Make-before-break order: clusters before endpoints, listeners before routes. */
  private static final List<String> ORDER = List.of(TypeUrls.CLUSTER, TypeUrls.CLUSTER_LOAD_ASSIGNMENT,
      TypeUrls.LISTENER, TypeUrls.ROUTE_CONFIGURATION);

  /** Messages this actor accepts. */
  public sealed interface Command {}

  /** The inbound stream is ready; acknowledge to receive the first request. */
  public record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  /** A state-of-the-world request. */
  public record SotwRequest(DiscoveryRequest request, ActorRef<Ack> ackTo) implements Command {}

  /** A delta request. */
  public record DeltaRequest(DeltaDiscoveryRequest request, ActorRef<Ack> ackTo) implements Command {}

  /** The proxy closed its side of the stream. */
  public enum StreamCompleted implements Command { INSTANCE }

  /** The inbound stream failed (the proxy went away). */
  public record StreamFailed(Throwable cause) implements Command {}

  /**
   * New versions of services this stream watches, from the hub; {@code catalogComplete} says the
   * map holds every service of the mesh (for wildcard subscriptions).
   */
  public record ServicesUpdated(Map<String, ServiceView> services, boolean catalogComplete, String trigger,
      long changedAtMillis) implements Command {
    public ServicesUpdated {
      services = Map.copyOf(services);
    }
  }

  /** The node's {@link AdmissionGate} lets this new stream start reading requests. */
  public enum Admitted implements Command { INSTANCE }
  /**
   * Replies with what this stream last sent of each type; asked by {@link ProxyStreams} on this
   * node, which knows the stream only once its proxy identified itself (before that there is
   * nothing to dump, and no reply).
   */
  public record GetConfigDump(ActorRef<StreamDump> replyTo) implements Command, NoSerializationVerificationNeeded {}

  record Offered(Throwable failure) implements Command {}

  enum Heartbeat implements Command { INSTANCE }

  /** Where sync status goes: proxy id and the command for its Proxy entity. */
  public interface StatusReporter extends BiConsumer<String, ProxyEntity.Command> {}

  /** A stream admitted at once (no admission queue). */
  public static Behavior<Command> create(Mode mode, XdsOutput output, ActorRef<PushHub.Command> hub,
      ActorRef<ProxyStreams.Command> streams, StatusReporter status, XdsMetrics metrics, Clock clock,
      String servingNode) {
    return create(mode, output, hub, streams, null, status, metrics, clock, servingNode);
  }

  /**
   * A stream that reads its first request only once {@code admission} admits it ({@code null}:
   * at once).
   */
  public static Behavior<Command> create(Mode mode, XdsOutput output, ActorRef<PushHub.Command> hub,
      ActorRef<ProxyStreams.Command> streams, ActorRef<AdmissionGate.Command> admission, StatusReporter status,
      XdsMetrics metrics, Clock clock,
      String servingNode) {
    // Every log line of the stream carries the serving node (MDC "node"); the proxy id is in the text.
    return Behaviors.withMdc(Command.class, Map.of("node", servingNode),
        Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
            new XdsConnection(ctx, timers, mode, output, hub, streams, admission, status, metrics, clock,
                servingNode))));
  }

  private final TimerScheduler<Command> timers;
  private final Mode mode;
  private final XdsOutput output;
  private final ActorRef<PushHub.Command> hub;
  private final ActorRef<AdmissionGate.Command> admission;
  private final ActorRef<ProxyStreams.Command> streams;
  private final StatusReporter status;
  private final XdsMetrics metrics;
  private final Clock clock;
  private final String servingNode;

  private ProxyNode node;
  private ProxyView proxyView;
  private long connectedAtMillis;
  private final Map<String, TypeState> types = new LinkedHashMap<>();
  private final Map<String, ServiceView> services = new HashMap<>();
  private final Map<String, Long> pendingChangedAt = new HashMap<>();
  private final Map<String, String> pendingTrigger = new HashMap<>();
  private boolean catalogComplete;
  private Set<String> watchedHosts = Set.of();
  private boolean watchingAll;
  private boolean busy;
  private long nonces;
  private boolean closed;
  private ActorRef<Ack> admissionAck;
  private long startedAt;

  private XdsConnection(ActorContext<Command> ctx, TimerScheduler<Command> timers, Mode mode, XdsOutput output,
      ActorRef<PushHub.Command> hub, ActorRef<ProxyStreams.Command> streams,
      ActorRef<AdmissionGate.Command> admission, StatusReporter status,
      XdsMetrics metrics, Clock clock, String servingNode) {
    super(ctx);
    this.timers = timers;
    this.mode = requireNonNull(mode);
    this.output = requireNonNull(output);
    this.hub = requireNonNull(hub);
    this.admission = admission;
    this.streams = requireNonNull(streams);
    this.status = requireNonNull(status);
    this.metrics = requireNonNull(metrics);
    this.clock = requireNonNull(clock);
    this.servingNode = requireNonNull(servingNode);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StreamStarted.class, s -> {
          startedAt = clock.millis();
          if (admission == null) {
            s.ackTo().tell(Ack.INSTANCE);
          } else {
            // The first request is read once admitted; until then the proxy's stream just waits.
            admissionAck = s.ackTo();
            admission.tell(new AdmissionGate.Admit(getContext().getSelf()));
          }
          return this;
        })
        .onMessage(Admitted.class, a -> {
          if (admissionAck != null) {
            admissionAck.tell(Ack.INSTANCE);
            admissionAck = null;
          }
          return this;
        })
        .onMessage(SotwRequest.class, this::onSotw)
        .onMessage(DeltaRequest.class, this::onDelta)
        .onMessage(ServicesUpdated.class, this::onServicesUpdated)
        .onMessage(GetConfigDump.class, this::onGetConfigDump)
        .onMessage(Offered.class, this::onOffered)
        .onMessage(Heartbeat.class, h -> {
          reportConnected();
          return this;
        })
        .onMessage(StreamCompleted.class, c -> {
          output.complete();
          return Behaviors.stopped();
        })
        .onMessage(StreamFailed.class, this::onStreamFailed)
        .onSignal(PostStop.class, s -> onStop())
        .build();
  }

  private Behavior<Command> onStreamFailed(StreamFailed f) {
    Throwable cause = f.cause();
    if (cause.getClass().getSimpleName().equals("EntityStreamSizeException")) {
      return fail(new StreamError(StreamError.Code.RESOURCE_EXHAUSTED, "request too large: " + cause.getMessage()));
    }
    getContext().getLog().debug("proxy {}: inbound stream failed: {}", proxyId(), cause.toString());
    output.fail(new StreamError(StreamError.Code.UNAVAILABLE, "inbound stream failed: " + cause.getMessage()));
    return Behaviors.stopped();
  }

  private String proxyId() {
    return node == null ? "(unidentified)" : node.id();
  }

  // ---- requests ----------------------------------------------------------------------------

  private Behavior<Command> onSotw(SotwRequest msg) {
    DiscoveryRequest r = msg.request();
    Optional<StreamError> error = checkSize(r.getSerializedSize())
        .or(() -> identify(r.hasNode() ? r.getNode() : null))
        .or(() -> checkType(r.getTypeUrl()))
        .or(() -> checkNames(r.getResourceNamesList()));
    if (error.isPresent()) {
      return fail(error.get());
    }
    msg.ackTo().tell(Ack.INSTANCE);
    TypeState t = types.computeIfAbsent(r.getTypeUrl(), TypeState::new);
    String nonce = r.getResponseNonce();
    if (!nonce.isEmpty() && !nonce.equals(t.lastNonce)) {
      getContext().getLog().trace("proxy {}: stale nonce {} for {} ignored", proxyId(), nonce, r.getTypeUrl());
      return this;
    }
    if (r.hasErrorDetail()) {
      onNack(t, t.lastVersion, nonce, r.getErrorDetail().getMessage());
    } else if (!nonce.isEmpty()) {
      onAck(t, r.getVersionInfo(), nonce);
    }
    Set<String> names = new HashSet<>(r.getResourceNamesList());
    boolean wildcard = names.remove("*")
        || (r.getResourceNamesCount() == 0 && TypeUrls.isWildcardByDefault(r.getTypeUrl()));
    if (wildcard != t.wildcard || !names.equals(t.names)) {
      t.wildcard = wildcard;
      t.names.clear();
      t.names.addAll(names);
      // A changed subscription is answered even when the resulting set is unchanged (for example a
      // name that does not exist), so the client learns at once what it has. The first request of
      // a resumed stream is not a change: the client already holds that set.
      t.mustRespond = !nonce.isEmpty() || r.getVersionInfo().isEmpty() || !t.lastNonce.isEmpty();
      t.dirty = true;
    }
    if (nonce.isEmpty()) {
      if (!r.getVersionInfo().isEmpty() && t.lastNonce.isEmpty()) {
        // A reconnect (here or to another node) with what the proxy already has: versions are
        // digests of the resource set, equal on every node, so an unchanged set is not sent again.
        t.lastVersion = r.getVersionInfo();
        t.ackedVersion = r.getVersionInfo();
        t.mustRespond = false;
        t.resumed = true;
      } else {
        // A new subscription: it always gets a response, even an unchanged one.
        t.mustRespond = true;
      }
      t.dirty = true;
    }
    updateWatch();
    flush();
    return this;
  }

  private Behavior<Command> onDelta(DeltaRequest msg) {
    DeltaDiscoveryRequest r = msg.request();
    Optional<StreamError> error = checkSize(r.getSerializedSize())
        .or(() -> identify(r.hasNode() ? r.getNode() : null))
        .or(() -> checkType(r.getTypeUrl()))
        .or(() -> checkNames(r.getResourceNamesSubscribeList()))
        .or(() -> checkNames(r.getResourceNamesUnsubscribeList()))
        .or(() -> checkNames(r.getInitialResourceVersionsMap().keySet()));
    if (error.isPresent()) {
      return fail(error.get());
    }
    msg.ackTo().tell(Ack.INSTANCE);
    boolean first = !types.containsKey(r.getTypeUrl());
    TypeState t = types.computeIfAbsent(r.getTypeUrl(), TypeState::new);
    String nonce = r.getResponseNonce();
    if (!nonce.isEmpty() && nonce.equals(t.lastNonce)) {
      if (r.hasErrorDetail()) {
        onNack(t, t.lastVersion, nonce, r.getErrorDetail().getMessage());
      } else {
        onAck(t, t.lastVersion, nonce);
      }
    }
    if (first) {
      t.clientVersions.putAll(r.getInitialResourceVersionsMap());
      if (r.getResourceNamesSubscribeCount() == 0 && TypeUrls.isWildcardByDefault(r.getTypeUrl())) {
        t.wildcard = true;
      }
      t.dirty = true;
    }
    for (String name : r.getResourceNamesSubscribeList()) {
      if (name.equals("*")) {
        t.wildcard = true;
      } else {
        t.names.add(name);
        t.reportedAbsent.remove(name);
      }
      t.dirty = true;
    }
    for (String name : r.getResourceNamesUnsubscribeList()) {
      if (name.equals("*")) {
        t.wildcard = false;
      } else {
        t.names.remove(name);
        t.clientVersions.remove(name);
        t.reportedAbsent.remove(name);
      }
      t.dirty = true;
    }
    updateWatch();
    flush();
    return this;
  }

  private Optional<StreamError> identify(io.envoyproxy.envoy.config.core.v3.Node given) {
    if (node == null) {
      if (given == null) {
        return Optional.of(StreamError.invalid("the first request of a stream carries no node; expected "
            + "node.id and node.metadata (NAMESPACE, CLUSTER_ID, NETWORK, PROXY_KIND)"));
      }
      try {
        node = ProxyNode.parse(given);
        proxyView = ProxyView.of(node);
      } catch (InvalidInputException e) {
        return Optional.of(StreamError.invalid("invalid node: " + e.getMessage()));
      }
      getContext().getLog().info("proxy {}: connected ({} {}, namespace {}, cluster {}, network {}, locality {})",
          node.id(), mode, node.kind().wireName(), node.namespace(), node.clusterId(), node.network(),
          node.locality());
      metrics.proxiesConnected(node.kind().wireName(), 1);
      connectedAtMillis = clock.millis();
      streams.tell(new ProxyStreams.Register(node.id(), getContext().getSelf()));
      reportConnected();
      timers.startTimerWithFixedDelay(Heartbeat.INSTANCE, ProxyEntity.HEARTBEAT);
      return Optional.empty();
    }
    if (given != null && !given.getId().isEmpty() && !given.getId().equals(node.id())) {
      return Optional.of(StreamError.invalid("node.id changed within a stream from '" + node.id() + "' to '"
          + given.getId() + "'; expected one node per stream"));
    }
    return Optional.empty();
  }

  private void reportConnected() {
    status.accept(node.id(), new ProxyEntity.Connected(node, servingNode, getContext().getSelf().path().name(),
        clock.millis()));
  }

  private static Optional<StreamError> checkSize(int bytes) {
    if (bytes > MAX_REQUEST_BYTES) {
      return Optional.of(new StreamError(StreamError.Code.RESOURCE_EXHAUSTED, "a request of " + bytes
          + " bytes; expected at most " + MAX_REQUEST_BYTES));
    }
    return Optional.empty();
  }

  private static Optional<StreamError> checkType(String typeUrl) {
    if (!typeUrl.startsWith(TYPE_PREFIX) || typeUrl.length() > MAX_NAME_LENGTH) {
      return Optional.of(StreamError.invalid("type_url '" + abbreviate(typeUrl) + "' is not a type URL; expected "
          + "one of " + TypeUrls.SUPPORTED));
    }
    return Optional.empty();
  }

  private static Optional<StreamError> checkNames(java.util.Collection<String> names) {
    if (names.size() > MAX_RESOURCE_NAMES) {
      return Optional.of(new StreamError(StreamError.Code.RESOURCE_EXHAUSTED, "a request names " + names.size()
          + " resources; expected at most " + MAX_RESOURCE_NAMES));
    }
    for (String n : names) {
      if (n.length() > MAX_NAME_LENGTH) {
        return Optional.of(StreamError.invalid("resource name '" + abbreviate(n) + "' is " + n.length()
            + " characters; expected at most " + MAX_NAME_LENGTH));
      }
    }
    return Optional.empty();
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  private void onAck(TypeState t, String version, String nonce) {
    long now = clock.millis();
    t.ackedVersion = version;
    t.ackedNonce = nonce;
    t.ackedAtMillis = now;
    t.nackedVersion = "";
    t.nackedNonce = "";
    t.nackError = "";
    t.nackedAtMillis = 0;
    status.accept(node.id(), new ProxyEntity.Acked(t.typeUrl, version, nonce, now));
  }

  private void onNack(TypeState t, String version, String nonce, String detail) {
    getContext().getLog().warn("proxy {}: NACK of {} version {}: {}; it keeps its last accepted config",
        node.id(), t.typeUrl, version, detail);
    metrics.nacked(TypeUrls.shortName(t.typeUrl));
    long now = clock.millis();
    t.nackedVersion = version;
    t.nackedNonce = nonce;
    t.nackError = detail;
    t.nackedAtMillis = now;
    status.accept(node.id(), new ProxyEntity.Nacked(t.typeUrl, version, nonce, detail, now));
  }

  private Behavior<Command> fail(StreamError error) {
    getContext().getLog().warn("proxy {}: stream rejected with {}: {}", proxyId(), error.code(), error.message());
    metrics.rejected(error.code().name().toLowerCase());
    output.fail(error);
    return Behaviors.stopped();
  }

  // ---- services ----------------------------------------------------------------------------

  /** The service hostname a resource name of a type refers to, if it parses. */
  private Optional<String> hostOf(String typeUrl, String name) {
    if (typeUrl.equals(TypeUrls.LISTENER) || typeUrl.equals(TypeUrls.ROUTE_CONFIGURATION)) {
      return ResourceNames.parseListener(name, node.namespace()).map(ResourceNames.HostPort::hostname);
    }
    if (typeUrl.equals(TypeUrls.CLUSTER) || typeUrl.equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)) {
      return ResourceNames.parseCluster(name).map(ResourceNames.HostPort::hostname);
    }
    return Optional.empty();
  }

  private Set<String> neededHosts(TypeState t) {
    Set<String> hosts = new HashSet<>();
    for (String name : t.names) {
      hostOf(t.typeUrl, name).ifPresent(hosts::add);
    }
    return hosts;
  }

  private void updateWatch() {
    Set<String> hosts = new HashSet<>();
    boolean all = false;
    for (TypeState t : types.values()) {
      if (!TypeUrls.SUPPORTED.contains(t.typeUrl)) {
        continue;
      }
      hosts.addAll(neededHosts(t));
      all |= t.wildcard;
    }
    if (!hosts.equals(watchedHosts) || all != watchingAll) {
      watchedHosts = Set.copyOf(hosts);
      watchingAll = all;
      if (!all) {
        services.keySet().retainAll(hosts);
        catalogComplete = false;
      }
      hub.tell(new PushHub.Watch(getContext().getSelf(), watchedHosts, all));
    }
  }

  private Behavior<Command> onServicesUpdated(ServicesUpdated u) {
    services.putAll(u.services());
    catalogComplete |= u.catalogComplete();
    for (TypeState t : types.values()) {
      // A wildcard subscription sees every service: any update may add, change or remove one.
      boolean affected = t.wildcard;
      if (!affected) {
        Set<String> needed = neededHosts(t);
        affected = u.services().keySet().stream().anyMatch(needed::contains);
      }
      if (affected) {
        t.dirty = true;
        if (u.changedAtMillis() > 0) {
          pendingChangedAt.merge(t.typeUrl, u.changedAtMillis(), Math::min);
        }
        pendingTrigger.putIfAbsent(t.typeUrl, u.trigger());
      }
    }
    flush();
    return this;
  }

  private boolean resolved(TypeState t) {
    if (t.wildcard && !catalogComplete) {
      return false;
    }
    return services.keySet().containsAll(neededHosts(t));
  }

  /**
   * What this proxy may have of a type right now: name -> resource. Services it may not see are
   * skipped whether they were asked for by wildcard or by name. Load assignments are this proxy's
   * view (network, locality, cluster), shared with every proxy whose view is equal.
   */
  private Map<String, Resource> desired(TypeState t) {
    Map<String, Resource> out = new TreeMap<>();
    if (t.wildcard) {
      for (ServiceView v : services.values()) {
        if (v.visibleTo(node.namespace())) {
          out.putAll(resourcesOf(v, t.typeUrl));
        }
      }
    }
    for (String name : t.names) {
      hostOf(t.typeUrl, name).map(services::get)
          .filter(v -> v.visibleTo(node.namespace()))
          .flatMap(v -> find(v, t.typeUrl, name))
          .ifPresent(r -> out.put(name, r));
    }
    return out;
  }

  private Map<String, Resource> resourcesOf(ServiceView v, String typeUrl) {
    return typeUrl.equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT) ? v.endpoints(proxyView) : v.resources().resources(typeUrl);
  }

  private Optional<Resource> find(ServiceView v, String typeUrl, String name) {
    return typeUrl.equals(TypeUrls.CLUSTER_LOAD_ASSIGNMENT) ? Optional.ofNullable(v.endpoints(proxyView).get(name))
        : v.resources().find(typeUrl, name);
  }

  // ---- responses ---------------------------------------------------------------------------

  private void flush() {
    if (busy || closed || node == null) {
      return;
    }
    for (TypeState t : orderedTypes()) {
      if (!t.dirty || !resolved(t)) {
        continue;
      }
      Object response = mode == Mode.SOTW ? Responses.sotw(t, desired(t), nextNonce(), servingNode)
          : Responses.delta(t, desired(t), nextNonce(), servingNode);
      t.dirty = false;
      t.mustRespond = false;
      if (response != null) {
        t.resumed = false;
        send(t, response);
        return;
      }
      if (!t.answered) {
        // Nothing to send on a new stream: the proxy already holds the current version.
        t.answered = true;
        metrics.firstAnswer(TypeUrls.shortName(t.typeUrl), clock.millis() - startedAt, true);
      }
      if (t.resumed) {
        t.resumed = false;
        metrics.resumedUnchanged(TypeUrls.shortName(t.typeUrl));
        status.accept(node.id(), new ProxyEntity.Acked(t.typeUrl, t.ackedVersion, "", clock.millis()));
        getContext().getLog().debug("proxy {}: resumed {} at version {}, unchanged: nothing sent", node.id(),
            TypeUrls.shortName(t.typeUrl), t.ackedVersion);
      }
    }
  }

  private List<TypeState> orderedTypes() {
    List<TypeState> out = new java.util.ArrayList<>();
    ORDER.forEach(u -> Optional.ofNullable(types.get(u)).ifPresent(out::add));
    types.values().stream().filter(t -> !ORDER.contains(t.typeUrl)).forEach(out::add);
    return out;
  }

  private String nextNonce() {
    return Long.toString(++nonces);
  }

  private void send(TypeState t, Object response) {
    busy = true;
    long now = clock.millis();
    t.sentAtMillis = now;
    Long changedAt = pendingChangedAt.remove(t.typeUrl);
    String trigger = Optional.ofNullable(pendingTrigger.remove(t.typeUrl)).orElse("request");
    if (changedAt != null) {
      metrics.convergence(Math.max(0, now - changedAt));
    }
    if (!t.answered) {
      t.answered = true;
      metrics.firstAnswer(TypeUrls.shortName(t.typeUrl), now - startedAt, false);
    }
    int bytes = ((com.google.protobuf.MessageLite) response).getSerializedSize();
    metrics.pushed(TypeUrls.shortName(t.typeUrl), trigger, bytes);
    status.accept(node.id(), new ProxyEntity.Sent(t.typeUrl, t.lastVersion, t.lastNonce, now));
    getContext().getLog().debug("proxy {}: sending {} version {} nonce {} ({} bytes, {})", node.id(),
        TypeUrls.shortName(t.typeUrl), t.lastVersion, t.lastNonce, bytes, trigger);
    getContext().pipeToSelf(output.offer(response), (done, failure) -> new Offered(failure));
  }

  // ---- config dump ------------------------------------------------------------------------

  private Behavior<Command> onGetConfigDump(GetConfigDump g) {
    if (node == null) {
      // Not registered yet, so not asked by ProxyStreams; a direct asker learns nothing was sent.
      getContext().getLog().debug("config dump asked before the proxy identified itself; nothing to dump");
      return this;
    }
    List<StreamDump.TypeDump> dumps = new java.util.ArrayList<>();
    for (TypeState t : orderedTypes()) {
      StreamDump.Sent sent = t.lastNonce.isEmpty() ? StreamDump.Sent.NONE
          : new StreamDump.Sent(t.lastVersion, t.lastNonce, t.sentAtMillis, List.copyOf(t.sent.values()), 0);
      Optional<StreamDump.Ack> acked = t.ackedNonce.isEmpty() ? Optional.empty()
          : Optional.of(new StreamDump.Ack(t.ackedVersion, t.ackedNonce, t.ackedAtMillis));
      Optional<StreamDump.Nack> rejected = t.nackedNonce.isEmpty() ? Optional.empty()
          : Optional.of(new StreamDump.Nack(t.nackedVersion, t.nackedNonce, t.nackError, t.nackedAtMillis));
      dumps.add(new StreamDump.TypeDump(t.typeUrl, new StreamDump.Subscription(t.wildcard, List.copyOf(t.names), 0),
          sent, acked, rejected));
    }
    g.replyTo().tell(new StreamDump(getContext().getSelf().path().name(), mode, node, connectedAtMillis, dumps));
    return this;
  }

  private Behavior<Command> onOffered(Offered o) {
    busy = false;
    if (o.failure() != null) {
      getContext().getLog().debug("proxy {}: stream closed while sending: {}", proxyId(), o.failure().toString());
      return Behaviors.stopped();
    }
    flush();
    return this;
  }

  private Behavior<Command> onStop() {
    closed = true;
    if (node != null) {
      getContext().getLog().info("proxy {}: disconnected", node.id());
      metrics.proxiesConnected(node.kind().wireName(), -1);
      status.accept(node.id(), new ProxyEntity.Disconnected(servingNode, getContext().getSelf().path().name(),
          clock.millis()));
    }
    hub.tell(new PushHub.Unwatch(getContext().getSelf()));
    return this;
  }
}
