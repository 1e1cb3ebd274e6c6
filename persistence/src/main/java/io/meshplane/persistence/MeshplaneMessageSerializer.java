package io.meshplane.persistence;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.proto.v1.ClusterCatalog;
import io.meshplane.proto.v1.ClusterWatchEnsure;
import io.meshplane.proto.v1.ClusterWatchForget;
import io.meshplane.proto.v1.ClusterWatchGetCatalog;
import io.meshplane.proto.v1.ClusterWatchGetStatus;
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
import io.meshplane.proto.v1.ServiceGet;
import io.meshplane.proto.v1.ServiceReplaceShare;
import io.meshplane.proxy.ProxyEntity;
import io.meshplane.service.ServiceEntity;
import io.meshplane.xds.ProxyStreams;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko serializer for every Meshplane message that crosses control-plane nodes: the public
 * commands and replies of the Service, ClusterWatch and Proxy entities, the
 * {@link ServiceEntity.ServiceChanged} of the service-changes topic and the config-dump request
 * and reply of a node's {@link ProxyStreams}, written as the protobuf
 * messages of {@code meshplane/v1/messages.proto} (mapped by {@link MessageProtos}) under short
 * manifests that never change. Bound in this module's {@code reference.conf}; a
 * {@link io.meshplane.model.ServiceState} reply goes through {@link MeshplaneEventSerializer}.
 *
 * <p>The entities' self-only commands (ClusterWatch's registry reports and retries, the Proxy
 * entity's {@code Forget}) and the node-local {@link ProxyStreams.Register} have no schema: serializing one is a programming error and throws
 * {@link IllegalArgumentException}. Stateless apart from the system's {@link ActorRefResolver};
 * thread-safe, called from Artery's and the actors' threads.
 */
public final class MeshplaneMessageSerializer extends SerializerWithStringManifest {

  /** Serializer id sent with every message; never reuse or change it. */
  public static final int IDENTIFIER = 7412;

  static final String SERVICE_REPLACE_SHARE = "SRS";
  static final String SERVICE_GET = "SG";
  static final String SERVICE_CHANGED = "SC";
  static final String WATCH_ENSURE = "CWE";
  static final String WATCH_FORGET = "CWF";
  static final String WATCH_GET_STATUS = "CWGS";
  static final String WATCH_GET_CATALOG = "CWGC";
  static final String WATCH_CATALOG = "CWC";
  static final String WATCH_STATUS = "CWST";
  static final String PROXY_CONNECTED = "PC";
  static final String WATCH_REPLICATE = "CWR";
  static final String WATCH_RECONCILE = "CWRC";
  static final String PROXY_DISCONNECTED = "PD";
  static final String PROXY_SENT = "PS";
  static final String PROXY_ACKED = "PA";
  static final String PROXY_NACKED = "PN";
  static final String PROXY_GET_STATUS = "PGS";
  static final String PROXY_STATUS = "PST";
  static final String STREAMS_GET_CONFIG_DUMP = "XGCD";
  static final String STREAMS_CONFIG_DUMP = "XCD";

  private final ExtendedActorSystem system;
  private volatile MessageProtos protos;

  /** Pekko instantiates serializers reflectively with the actor system. */
  public MeshplaneMessageSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof ServiceEntity.ReplaceShare) {
      return SERVICE_REPLACE_SHARE;
    } else if (o instanceof ServiceEntity.Get) {
      return SERVICE_GET;
    } else if (o instanceof ServiceEntity.ServiceChanged) {
      return SERVICE_CHANGED;
    } else if (o instanceof ClusterWatch.Ensure) {
      return WATCH_ENSURE;
    } else if (o instanceof ClusterWatch.Forget) {
      return WATCH_FORGET;
    } else if (o instanceof ClusterWatch.GetStatus) {
      return WATCH_GET_STATUS;
    } else if (o instanceof ClusterWatch.GetCatalog) {
      return WATCH_GET_CATALOG;
    } else if (o instanceof ClusterWatch.Catalog) {
      return WATCH_CATALOG;
    } else if (o instanceof ClusterWatch.Status) {
      return WATCH_STATUS;
    } else if (o instanceof ClusterWatch.Replicate) {
      return WATCH_REPLICATE;
    } else if (o instanceof ClusterWatch.Reconcile) {
      return WATCH_RECONCILE;
    } else if (o instanceof ProxyEntity.Connected) {
      return PROXY_CONNECTED;
    } else if (o instanceof ProxyEntity.Disconnected) {
      return PROXY_DISCONNECTED;
    } else if (o instanceof ProxyEntity.Sent) {
      return PROXY_SENT;
    } else if (o instanceof ProxyEntity.Acked) {
      return PROXY_ACKED;
    } else if (o instanceof ProxyEntity.Nacked) {
      return PROXY_NACKED;
    } else if (o instanceof ProxyEntity.GetStatus) {
      return PROXY_GET_STATUS;
    } else if (o instanceof ProxyEntity.Status) {
      return PROXY_STATUS;
    } else if (o instanceof ProxyStreams.GetConfigDump) {
      return STREAMS_GET_CONFIG_DUMP;
    } else if (o instanceof ProxyStreams.ConfigDump) {
      return STREAMS_CONFIG_DUMP;
    }
    throw unsupported(o);
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ServiceEntity.ReplaceShare m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ServiceEntity.Get m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ServiceEntity.ServiceChanged m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ClusterWatch.Ensure) {
      return ClusterWatchEnsure.getDefaultInstance().toByteArray();
    } else if (o instanceof ClusterWatch.Forget) {
      return ClusterWatchForget.getDefaultInstance().toByteArray();
    } else if (o instanceof ClusterWatch.GetStatus m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ClusterWatch.GetCatalog m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ClusterWatch.Catalog m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ClusterWatch.Status m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ClusterWatch.Replicate m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ClusterWatch.Reconcile m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.Connected m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.Disconnected m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.Sent m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.Acked m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.Nacked m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.GetStatus m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ProxyEntity.Status m) {
      return MessageProtos.toProto(m).toByteArray();
    } else if (o instanceof ProxyStreams.GetConfigDump m) {
      return protos().toProto(m).toByteArray();
    } else if (o instanceof ProxyStreams.ConfigDump m) {
      return MessageProtos.toProto(m).toByteArray();
    }
    throw unsupported(o);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return switch (manifest) {
        case SERVICE_REPLACE_SHARE -> protos().fromProto(ServiceReplaceShare.parseFrom(bytes));
        case SERVICE_GET -> protos().fromProto(ServiceGet.parseFrom(bytes));
        case SERVICE_CHANGED -> MessageProtos.fromProto(io.meshplane.proto.v1.ServiceChanged.parseFrom(bytes));
        case WATCH_ENSURE -> {
          ClusterWatchEnsure.parseFrom(bytes);
          yield ClusterWatch.Ensure.INSTANCE;
        }
        case WATCH_FORGET -> {
          ClusterWatchForget.parseFrom(bytes);
          yield ClusterWatch.Forget.INSTANCE;
        }
        case WATCH_GET_STATUS -> protos().fromProto(ClusterWatchGetStatus.parseFrom(bytes));
        case WATCH_GET_CATALOG -> protos().fromProto(ClusterWatchGetCatalog.parseFrom(bytes));
        case WATCH_CATALOG -> MessageProtos.fromProto(ClusterCatalog.parseFrom(bytes));
        case WATCH_STATUS -> MessageProtos.fromProto(ClusterWatchStatus.parseFrom(bytes));
        case WATCH_REPLICATE -> protos().fromProto(io.meshplane.proto.v1.ClusterWatchReplicate.parseFrom(bytes));
        case WATCH_RECONCILE -> protos().fromProto(io.meshplane.proto.v1.ClusterWatchReconcile.parseFrom(bytes));
        case PROXY_CONNECTED -> MessageProtos.fromProto(ProxyConnected.parseFrom(bytes));
        case PROXY_DISCONNECTED -> MessageProtos.fromProto(ProxyDisconnected.parseFrom(bytes));
        case PROXY_SENT -> MessageProtos.fromProto(ProxySent.parseFrom(bytes));
        case PROXY_ACKED -> MessageProtos.fromProto(ProxyAcked.parseFrom(bytes));
        case PROXY_NACKED -> MessageProtos.fromProto(ProxyNacked.parseFrom(bytes));
        case PROXY_GET_STATUS -> protos().fromProto(ProxyGetStatus.parseFrom(bytes));
        case PROXY_STATUS -> MessageProtos.fromProto(ProxyStatus.parseFrom(bytes));
        case STREAMS_GET_CONFIG_DUMP -> protos().fromProto(ProxyStreamsGetConfigDump.parseFrom(bytes));
        case STREAMS_CONFIG_DUMP -> MessageProtos.fromProto(ProxyConfigDump.parseFrom(bytes));
        default -> throw new NotSerializableException("unknown manifest '" + manifest + "' for "
            + getClass().getName() + " (id " + IDENTIFIER + "); expected one of SRS, SG, SC, CWE, CWF, CWGS, CWGC, "
            + "CWC, CWST, CWR, CWRC, PC, PD, PS, PA, PN, PGS, PST, XGCD, XCD: sent by a newer Meshplane?");
      };
    } catch (InvalidProtocolBufferException | IllegalArgumentException | NullPointerException e) {
      NotSerializableException failure = new NotSerializableException("cannot read a '" + manifest
          + "' (" + bytes.length + " bytes) with " + getClass().getName() + ": " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  /** Built on first use: the resolver is an extension of the system that is creating us. */
  private MessageProtos protos() {
    MessageProtos p = protos;
    if (p == null) {
      p = new MessageProtos(ActorRefResolver.get(Adapter.toTyped(system)));
      protos = p;
    }
    return p;
  }

  private IllegalArgumentException unsupported(Object o) {
    String type = o == null ? "null" : o.getClass().getName();
    if (o instanceof ProxyStreams.Register) {
      return new IllegalArgumentException(type + " is sent by a stream to its own node's ProxyStreams and never "
          + "crosses nodes, so it has no schema in meshplane/v1/messages.proto; " + getClass().getName()
          + " serializes only ProxyStreams' GetConfigDump and ConfigDump");
    }
    if (o instanceof ServiceEntity.Command || o instanceof ClusterWatch.Command || o instanceof ProxyEntity.Command) {
      return new IllegalArgumentException(type + " is sent only by an entity to itself and never crosses nodes, "
          + "so it has no schema in meshplane/v1/messages.proto; " + getClass().getName()
          + " serializes only the public commands and replies");
    }
    return new IllegalArgumentException(getClass().getName() + " cannot serialize " + type
        + "; it is bound to the Meshplane messages that cross nodes only");
  }
}
