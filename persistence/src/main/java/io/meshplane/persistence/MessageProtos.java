package io.meshplane.persistence;

import io.meshplane.cluster.ClusterWatch;
import io.meshplane.model.ProxyKind;
import io.meshplane.model.ProxyNode;
import io.meshplane.proto.v1.ClusterCatalog;
import io.meshplane.proto.v1.ClusterWatchGetCatalog;
import io.meshplane.proto.v1.ClusterWatchGetStatus;
import io.meshplane.proto.v1.ClusterWatchReconcile;
import io.meshplane.proto.v1.ClusterWatchReplicate;
import io.meshplane.proto.v1.ClusterWatchStatus;
import io.meshplane.proto.v1.ProxyAcked;
import io.meshplane.proto.v1.ProxyConfigDump;
import io.meshplane.proto.v1.ProxyConnected;
import io.meshplane.proto.v1.ProxyDisconnected;
import io.meshplane.proto.v1.ProxyGetStatus;
import io.meshplane.proto.v1.ProxyNacked;
import io.meshplane.proto.v1.ProxySent;
import io.meshplane.proto.v1.ProxyStatus;
import io.meshplane.proto.v1.ProxyStreamsGetConfigDump;
import io.meshplane.proto.v1.ProxyTypeStatus;
import io.meshplane.proto.v1.ServiceGet;
import io.meshplane.proto.v1.ServiceReplaceShare;
import io.meshplane.proto.v1.XdsAck;
import io.meshplane.proto.v1.XdsMode;
import io.meshplane.proto.v1.XdsNack;
import io.meshplane.proto.v1.XdsResource;
import io.meshplane.proto.v1.XdsStreamDump;
import io.meshplane.proto.v1.XdsTypeDump;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.service.ServiceEntity;
import io.meshplane.xds.ProxyStreams;
import io.meshplane.xds.StreamDump;
import io.meshplane.xds.XdsConnection;
import io.meshplane.xds.generator.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;

/**
 * The one place where the messages that cross control-plane nodes (the Service, ClusterWatch and
 * Proxy entities' commands and replies, {@link ServiceEntity.ServiceChanged}, and a node's
 * {@link ProxyStreams} config dumps) map to and from
 * their protobuf schemas ({@code proto/meshplane/v1/messages.proto}). Model records go through
 * {@link ModelProtos}. Actor references become strings in Pekko's serialization format; sets are
 * written sorted, so equal messages give equal bytes.
 *
 * <p>Immutable and thread-safe; the {@link ActorRefResolver} is the actor system's.
 */
final class MessageProtos {

  private final ActorRefResolver refs;

  MessageProtos(ActorRefResolver refs) {
    this.refs = refs;
  }

  // ---- Service entity ----

  ServiceReplaceShare toProto(ServiceEntity.ReplaceShare cmd) {
    return ServiceReplaceShare.newBuilder()
        .setShare(ModelProtos.toProto(cmd.share()))
        .setReplyTo(ref(cmd.replyTo()))
        .setFence(ModelProtos.toProto(cmd.fence()))
        .build();
  }

  ServiceEntity.ReplaceShare fromProto(ServiceReplaceShare proto) {
    return new ServiceEntity.ReplaceShare(ModelProtos.fromProto(proto.getShare()),
        ModelProtos.fromProto(proto.getFence()), resolve(proto.getReplyTo(), "ServiceReplaceShare"));
  }

  ServiceGet toProto(ServiceEntity.Get cmd) {
    return ServiceGet.newBuilder().setReplyTo(ref(cmd.replyTo())).build();
  }

  ServiceEntity.Get fromProto(ServiceGet proto) {
    return new ServiceEntity.Get(resolve(proto.getReplyTo(), "ServiceGet"));
  }

  static io.meshplane.proto.v1.ServiceChanged toProto(ServiceEntity.ServiceChanged msg) {
    return io.meshplane.proto.v1.ServiceChanged.newBuilder()
        .setState(ModelProtos.toProto(msg.state()))
        .setChangedAtMillis(msg.changedAtMillis())
        .build();
  }

  static ServiceEntity.ServiceChanged fromProto(io.meshplane.proto.v1.ServiceChanged proto) {
    return new ServiceEntity.ServiceChanged(ModelProtos.fromProto(proto.getState()), proto.getChangedAtMillis());
  }

  // ---- ClusterWatch entity ----

  ClusterWatchGetStatus toProto(ClusterWatch.GetStatus cmd) {
    return ClusterWatchGetStatus.newBuilder().setReplyTo(ref(cmd.replyTo())).build();
  }

  ClusterWatch.GetStatus fromProto(ClusterWatchGetStatus proto) {
    return new ClusterWatch.GetStatus(resolve(proto.getReplyTo(), "ClusterWatchGetStatus"));
  }

  ClusterWatchGetCatalog toProto(ClusterWatch.GetCatalog cmd) {
    return ClusterWatchGetCatalog.newBuilder().setReplyTo(ref(cmd.replyTo())).build();
  }

  ClusterWatch.GetCatalog fromProto(ClusterWatchGetCatalog proto) {
    return new ClusterWatch.GetCatalog(resolve(proto.getReplyTo(), "ClusterWatchGetCatalog"));
  }

  static ClusterCatalog toProto(ClusterWatch.Catalog catalog) {
    return ClusterCatalog.newBuilder()
        .setClusterId(catalog.clusterId())
        .addAllHostnames(new TreeSet<>(catalog.hostnames()))
        .build();
  }

  static ClusterWatch.Catalog fromProto(ClusterCatalog proto) {
    return new ClusterWatch.Catalog(proto.getClusterId(), new TreeSet<>(proto.getHostnamesList()));
  }

  static ClusterWatchStatus toProto(ClusterWatch.Status status) {
    return ClusterWatchStatus.newBuilder()
        .setClusterId(status.clusterId())
        .setConnected(status.connected())
        .setDetail(status.detail())
        .setSynced(status.synced())
        .setServices(status.services())
        .setPending(status.pending())
        .setSinceMillis(status.sinceMillis())
        .setWatcher(status.watcher())
        .build();
  }

  ClusterWatchReplicate toProto(ClusterWatch.Replicate cmd) {
    return ClusterWatchReplicate.newBuilder()
        .setHostname(cmd.hostname())
        .setShare(ModelProtos.toProto(cmd.share()))
        .setReplyTo(ref(cmd.replyTo()))
        .setFromRegion(cmd.fromRegion())
        .setFence(ModelProtos.toProto(cmd.fence()))
        .build();
  }

  ClusterWatch.Replicate fromProto(ClusterWatchReplicate proto) {
    return new ClusterWatch.Replicate(proto.getHostname(), ModelProtos.fromProto(proto.getShare()),
        proto.getFromRegion(), ModelProtos.fromProto(proto.getFence()),
        resolve(proto.getReplyTo(), "ClusterWatchReplicate"));
  }

  ClusterWatchReconcile toProto(ClusterWatch.Reconcile cmd) {
    return ClusterWatchReconcile.newBuilder()
        .addAllHostnames(new java.util.TreeSet<>(cmd.hostnames()))
        .setReplyTo(ref(cmd.replyTo()))
        .setFromRegion(cmd.fromRegion())
        .setFence(ModelProtos.toProto(cmd.fence()))
        .build();
  }

  ClusterWatch.Reconcile fromProto(ClusterWatchReconcile proto) {
    return new ClusterWatch.Reconcile(java.util.Set.copyOf(proto.getHostnamesList()), proto.getFromRegion(),
        ModelProtos.fromProto(proto.getFence()), resolve(proto.getReplyTo(), "ClusterWatchReconcile"));
  }

  static ClusterWatch.Status fromProto(ClusterWatchStatus proto) {
    return new ClusterWatch.Status(proto.getClusterId(), proto.getConnected(), proto.getDetail(),
        proto.getSynced(), proto.getServices(), proto.getPending(), proto.getSinceMillis(),
        proto.getWatcher().isEmpty() ? io.meshplane.cluster.Regions.DEFAULT : proto.getWatcher());
  }

  // ---- Proxy entity ----

  static ProxyConnected toProto(ProxyEntity.Connected cmd) {
    return ProxyConnected.newBuilder()
        .setNode(toProto(cmd.node()))
        .setServingNode(cmd.servingNode())
        .setStream(cmd.stream())
        .setAtMillis(cmd.atMillis())
        .build();
  }

  static ProxyEntity.Connected fromProto(ProxyConnected proto) {
    return new ProxyEntity.Connected(fromProto(proto.getNode()), proto.getServingNode(), proto.getStream(),
        proto.getAtMillis());
  }

  static ProxyDisconnected toProto(ProxyEntity.Disconnected cmd) {
    return ProxyDisconnected.newBuilder()
        .setServingNode(cmd.servingNode())
        .setStream(cmd.stream())
        .setAtMillis(cmd.atMillis())
        .build();
  }

  static ProxyEntity.Disconnected fromProto(ProxyDisconnected proto) {
    return new ProxyEntity.Disconnected(proto.getServingNode(), proto.getStream(), proto.getAtMillis());
  }

  static ProxySent toProto(ProxyEntity.Sent cmd) {
    return ProxySent.newBuilder().setTypeUrl(cmd.typeUrl()).setVersion(cmd.version()).setNonce(cmd.nonce())
        .setAtMillis(cmd.atMillis()).build();
  }

  static ProxyEntity.Sent fromProto(ProxySent proto) {
    return new ProxyEntity.Sent(proto.getTypeUrl(), proto.getVersion(), proto.getNonce(), proto.getAtMillis());
  }

  static ProxyAcked toProto(ProxyEntity.Acked cmd) {
    return ProxyAcked.newBuilder().setTypeUrl(cmd.typeUrl()).setVersion(cmd.version()).setNonce(cmd.nonce())
        .setAtMillis(cmd.atMillis()).build();
  }

  static ProxyEntity.Acked fromProto(ProxyAcked proto) {
    return new ProxyEntity.Acked(proto.getTypeUrl(), proto.getVersion(), proto.getNonce(), proto.getAtMillis());
  }

  static ProxyNacked toProto(ProxyEntity.Nacked cmd) {
    return ProxyNacked.newBuilder().setTypeUrl(cmd.typeUrl()).setVersion(cmd.version()).setNonce(cmd.nonce())
        .setError(cmd.error()).setAtMillis(cmd.atMillis()).build();
  }

  static ProxyEntity.Nacked fromProto(ProxyNacked proto) {
    return new ProxyEntity.Nacked(proto.getTypeUrl(), proto.getVersion(), proto.getNonce(), proto.getError(),
        proto.getAtMillis());
  }

  ProxyGetStatus toProto(ProxyEntity.GetStatus cmd) {
    return ProxyGetStatus.newBuilder().setReplyTo(ref(cmd.replyTo())).build();
  }

  ProxyEntity.GetStatus fromProto(ProxyGetStatus proto) {
    return new ProxyEntity.GetStatus(resolve(proto.getReplyTo(), "ProxyGetStatus"));
  }

  static ProxyStatus toProto(ProxyEntity.Status status) {
    ProxyStatus.Builder b = ProxyStatus.newBuilder()
        .setProxyId(status.proxyId())
        .setServingNode(status.servingNode())
        .setConnected(status.connected())
        .setLastSeenMillis(status.lastSeenMillis())
        .addAllStreams(new TreeSet<>(status.streams()));
    status.node().ifPresent(node -> b.setNode(toProto(node)));
    new TreeMap<>(status.types()).forEach((typeUrl, t) -> b.putTypes(typeUrl, toProto(t)));
    return b.build();
  }

  static ProxyEntity.Status fromProto(ProxyStatus proto) {
    Map<String, ProxyEntity.TypeStatus> types = new TreeMap<>();
    proto.getTypesMap().forEach((typeUrl, t) -> types.put(typeUrl, fromProto(t)));
    Optional<ProxyNode> node = proto.hasNode() ? Optional.of(fromProto(proto.getNode())) : Optional.empty();
    return new ProxyEntity.Status(proto.getProxyId(), node, proto.getServingNode(), proto.getConnected(),
        proto.getLastSeenMillis(), types, new TreeSet<>(proto.getStreamsList()));
  }

  static ProxyTypeStatus toProto(ProxyEntity.TypeStatus t) {
    return ProxyTypeStatus.newBuilder()
        .setSentVersion(t.sentVersion())
        .setSentNonce(t.sentNonce())
        .setSentAtMillis(t.sentAtMillis())
        .setAckedVersion(t.ackedVersion())
        .setAckedAtMillis(t.ackedAtMillis())
        .setNackedVersion(t.nackedVersion())
        .setLastError(t.lastError())
        .build();
  }

  static ProxyEntity.TypeStatus fromProto(ProxyTypeStatus proto) {
    return new ProxyEntity.TypeStatus(proto.getSentVersion(), proto.getSentNonce(), proto.getSentAtMillis(),
        proto.getAckedVersion(), proto.getAckedAtMillis(), proto.getNackedVersion(), proto.getLastError());
  }

  static io.meshplane.proto.v1.ProxyNode toProto(ProxyNode node) {
    return io.meshplane.proto.v1.ProxyNode.newBuilder()
        .setId(node.id())
        .setClusterId(node.clusterId())
        .setNamespace(node.namespace())
        .setNetwork(node.network())
        .setLocality(ModelProtos.toProto(node.locality()))
        .setKind(toProto(node.kind()))
        .build();
  }

  static ProxyNode fromProto(io.meshplane.proto.v1.ProxyNode proto) {
    return new ProxyNode(proto.getId(), proto.getClusterId(), proto.getNamespace(), proto.getNetwork(),
        ModelProtos.fromProto(proto.getLocality()), fromProto(proto.getKind()));
  }

  static io.meshplane.proto.v1.ProxyKind toProto(ProxyKind kind) {
    return switch (kind) {
      case SIDECAR -> io.meshplane.proto.v1.ProxyKind.PROXY_KIND_SIDECAR;
      case PROXYLESS -> io.meshplane.proto.v1.ProxyKind.PROXY_KIND_PROXYLESS;
      case GATEWAY -> io.meshplane.proto.v1.ProxyKind.PROXY_KIND_GATEWAY;
    };
  }

  static ProxyKind fromProto(io.meshplane.proto.v1.ProxyKind kind) {
    return switch (kind) {
      case PROXY_KIND_SIDECAR -> ProxyKind.SIDECAR;
      case PROXY_KIND_PROXYLESS -> ProxyKind.PROXYLESS;
      case PROXY_KIND_GATEWAY -> ProxyKind.GATEWAY;
      // A kind this version does not know (a newer writer) cannot become a ProxyNode.
      default -> throw new IllegalArgumentException("proxy kind " + kind + " is unknown to this version; "
          + "expected PROXY_KIND_SIDECAR, PROXY_KIND_PROXYLESS or PROXY_KIND_GATEWAY");
    };
  }

  // ---- xDS streams of a node (config dump) ----

  ProxyStreamsGetConfigDump toProto(ProxyStreams.GetConfigDump cmd) {
    return ProxyStreamsGetConfigDump.newBuilder()
        .setProxyId(cmd.proxyId())
        .setMaxResourceBytes(cmd.maxResourceBytes())
        .setReplyTo(ref(cmd.replyTo()))
        .build();
  }

  ProxyStreams.GetConfigDump fromProto(ProxyStreamsGetConfigDump proto) {
    return new ProxyStreams.GetConfigDump(proto.getProxyId(), proto.getMaxResourceBytes(),
        resolve(proto.getReplyTo(), "ProxyStreamsGetConfigDump"));
  }

  static ProxyConfigDump toProto(ProxyStreams.ConfigDump dump) {
    ProxyConfigDump.Builder b = ProxyConfigDump.newBuilder()
        .setServingNode(dump.servingNode())
        .setProxyId(dump.proxyId());
    dump.streams().forEach(s -> b.addStreams(toProto(s)));
    return b.build();
  }

  static ProxyStreams.ConfigDump fromProto(ProxyConfigDump proto) {
    return new ProxyStreams.ConfigDump(proto.getServingNode(), proto.getProxyId(),
        proto.getStreamsList().stream().map(MessageProtos::fromProto).toList());
  }

  static XdsStreamDump toProto(StreamDump dump) {
    XdsStreamDump.Builder b = XdsStreamDump.newBuilder()
        .setStream(dump.stream())
        .setMode(switch (dump.mode()) {
          case SOTW -> XdsMode.XDS_MODE_SOTW;
          case DELTA -> XdsMode.XDS_MODE_DELTA;
        })
        .setNode(toProto(dump.node()))
        .setConnectedAtMillis(dump.connectedAtMillis());
    for (StreamDump.TypeDump t : dump.types()) {
      XdsTypeDump.Builder tb = XdsTypeDump.newBuilder()
          .setTypeUrl(t.typeUrl())
          .setWildcard(t.subscription().wildcard())
          .addAllNames(t.subscription().names())
          .setOmittedNames(t.subscription().omitted())
          .setVersion(t.sent().version())
          .setNonce(t.sent().nonce())
          .setSentAtMillis(t.sent().atMillis())
          .setOmittedResources(t.sent().omitted());
      t.sent().resources().forEach(r -> tb.addResources(XdsResource.newBuilder()
          .setName(r.name()).setVersion(r.version()).setBody(r.body())));
      t.acked().ifPresent(a -> tb.setAcked(XdsAck.newBuilder()
          .setVersion(a.version()).setNonce(a.nonce()).setAtMillis(a.atMillis())));
      t.rejected().ifPresent(n -> tb.setRejected(XdsNack.newBuilder()
          .setVersion(n.version()).setNonce(n.nonce()).setError(n.error()).setAtMillis(n.atMillis())));
      b.addTypes(tb);
    }
    return b.build();
  }

  static StreamDump fromProto(XdsStreamDump proto) {
    XdsConnection.Mode mode = switch (proto.getMode()) {
      case XDS_MODE_SOTW -> XdsConnection.Mode.SOTW;
      case XDS_MODE_DELTA -> XdsConnection.Mode.DELTA;
      default -> throw new IllegalArgumentException("xDS mode " + proto.getMode() + " is unknown to this version; "
          + "expected XDS_MODE_SOTW or XDS_MODE_DELTA");
    };
    List<StreamDump.TypeDump> types = new ArrayList<>();
    for (XdsTypeDump t : proto.getTypesList()) {
      List<Resource> resources = t.getResourcesList().stream()
          .map(r -> new Resource(r.getName(), r.getBody().getTypeUrl(), r.getBody(), r.getVersion())).toList();
      types.add(new StreamDump.TypeDump(t.getTypeUrl(),
          new StreamDump.Subscription(t.getWildcard(), t.getNamesList(), t.getOmittedNames()),
          new StreamDump.Sent(t.getVersion(), t.getNonce(), t.getSentAtMillis(), resources, t.getOmittedResources()),
          t.hasAcked() ? Optional.of(new StreamDump.Ack(t.getAcked().getVersion(), t.getAcked().getNonce(),
              t.getAcked().getAtMillis())) : Optional.empty(),
          t.hasRejected() ? Optional.of(new StreamDump.Nack(t.getRejected().getVersion(), t.getRejected().getNonce(),
              t.getRejected().getError(), t.getRejected().getAtMillis())) : Optional.empty()));
    }
    return new StreamDump(proto.getStream(), mode, fromProto(proto.getNode()), proto.getConnectedAtMillis(), types);
  }

  // ---- actor references ----

  private String ref(ActorRef<?> ref) {
    return refs.toSerializationFormat(ref);
  }

  private <T> ActorRef<T> resolve(String ref, String message) {
    if (ref.isEmpty()) {
      throw new IllegalArgumentException(message + ".reply_to is empty; expected an actor reference in "
          + "Pekko's serialization format (pekko://system@host:port/path#uid)");
    }
    return refs.resolveActorRef(ref);
  }
}
