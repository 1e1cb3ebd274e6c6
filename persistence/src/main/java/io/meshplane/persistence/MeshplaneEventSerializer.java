package io.meshplane.persistence;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshplane.cluster.ClusterWatch;
import io.meshplane.model.ServiceState;
import io.meshplane.proto.v1.ClusterServiceRemoved;
import io.meshplane.proto.v1.ClusterWatchForgotten;
import io.meshplane.proto.v1.ClusterWatchResumed;
import io.meshplane.proto.v1.ClusterWatchStarted;
import io.meshplane.proto.v1.ClusterWatchSnapshot;
import io.meshplane.proto.v1.EndpointsReplaced;
import io.meshplane.proto.v1.ServiceSnapshot;
import io.meshplane.proto.v1.ServiceSpecSet;
import io.meshplane.proto.v1.ShareFenced;
import io.meshplane.proto.v1.ServiceTracked;
import io.meshplane.proto.v1.ServiceUntracked;
import io.meshplane.service.ServiceEntity;
import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Pekko serializer for everything Meshplane persists: the Service and ClusterWatch entities'
 * events and snapshots, written as the protobuf messages of {@code meshplane/v1/events.proto}
 * under short manifests that never change (the journal stores them next to every event).
 * Bound in this module's {@code reference.conf}. Stateless and thread-safe; Pekko calls it from
 * the journal's and snapshot store's threads.
 */
public final class MeshplaneEventSerializer extends SerializerWithStringManifest {

  /** Serializer id stored with every event; never reuse or change it. */
  public static final int IDENTIFIER = 7411;

  static final String SPEC_SET = "SS";
  static final String ENDPOINTS_REPLACED = "ER";
  static final String CLUSTER_REMOVED = "CR";
  static final String SERVICE_STATE = "SVS";
  static final String SERVICE_TRACKED = "CT";
  static final String SERVICE_UNTRACKED = "CU";
  static final String CLUSTER_WATCH_STATE = "CWS";
  static final String WATCH_FORGOTTEN = "CWF";
  static final String WATCH_RESUMED = "CWR";
  static final String SHARE_FENCED = "SF";
  static final String WATCH_STARTED = "CWI";

  /** Pekko instantiates serializers reflectively with the actor system. */
  public MeshplaneEventSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof ServiceEntity.SpecSet) {
      return SPEC_SET;
    } else if (o instanceof ServiceEntity.EndpointsReplaced) {
      return ENDPOINTS_REPLACED;
    } else if (o instanceof ServiceEntity.ClusterRemoved) {
      return CLUSTER_REMOVED;
    } else if (o instanceof ServiceState) {
      return SERVICE_STATE;
    } else if (o instanceof ClusterWatch.ServiceTracked) {
      return SERVICE_TRACKED;
    } else if (o instanceof ClusterWatch.ServiceUntracked) {
      return SERVICE_UNTRACKED;
    } else if (o instanceof ClusterWatch.State) {
      return CLUSTER_WATCH_STATE;
    } else if (o instanceof ClusterWatch.WatchForgotten) {
      return WATCH_FORGOTTEN;
    } else if (o instanceof ClusterWatch.WatchResumed) {
      return WATCH_RESUMED;
    } else if (o instanceof ServiceEntity.ShareFenced) {
      return SHARE_FENCED;
    } else if (o instanceof ClusterWatch.WatchStarted) {
      return WATCH_STARTED;
    }
    throw unsupported(o);
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof ServiceEntity.SpecSet e) {
      return ModelProtos.toProto(e).toByteArray();
    } else if (o instanceof ServiceEntity.EndpointsReplaced e) {
      return ModelProtos.toProto(e).toByteArray();
    } else if (o instanceof ServiceEntity.ClusterRemoved e) {
      return ModelProtos.toProto(e).toByteArray();
    } else if (o instanceof ServiceState s) {
      return ModelProtos.toProto(s).toByteArray();
    } else if (o instanceof ClusterWatch.ServiceTracked e) {
      return ClusterWatchProtos.toProto(e).toByteArray();
    } else if (o instanceof ClusterWatch.ServiceUntracked e) {
      return ClusterWatchProtos.toProto(e).toByteArray();
    } else if (o instanceof ClusterWatch.State s) {
      return ClusterWatchProtos.toProto(s).toByteArray();
    } else if (o instanceof ClusterWatch.WatchForgotten e) {
      return ClusterWatchProtos.toProto(e).toByteArray();
    } else if (o instanceof ClusterWatch.WatchResumed e) {
      return ClusterWatchProtos.toProto(e).toByteArray();
    } else if (o instanceof ServiceEntity.ShareFenced e) {
      return ModelProtos.toProto(e).toByteArray();
    } else if (o instanceof ClusterWatch.WatchStarted e) {
      return ClusterWatchProtos.toProto(e).toByteArray();
    }
    throw unsupported(o);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      return switch (manifest) {
        case SPEC_SET -> ModelProtos.fromProto(ServiceSpecSet.parseFrom(bytes));
        case ENDPOINTS_REPLACED -> ModelProtos.fromProto(EndpointsReplaced.parseFrom(bytes));
        case CLUSTER_REMOVED -> ModelProtos.fromProto(ClusterServiceRemoved.parseFrom(bytes));
        case SERVICE_STATE -> ModelProtos.fromProto(ServiceSnapshot.parseFrom(bytes));
        case SERVICE_TRACKED -> ClusterWatchProtos.fromProto(ServiceTracked.parseFrom(bytes));
        case SERVICE_UNTRACKED -> ClusterWatchProtos.fromProto(ServiceUntracked.parseFrom(bytes));
        case CLUSTER_WATCH_STATE -> ClusterWatchProtos.fromProto(ClusterWatchSnapshot.parseFrom(bytes));
        case WATCH_FORGOTTEN -> ClusterWatchProtos.fromProto(ClusterWatchForgotten.parseFrom(bytes));
        case WATCH_RESUMED -> ClusterWatchProtos.fromProto(ClusterWatchResumed.parseFrom(bytes));
        case SHARE_FENCED -> ModelProtos.fromProto(ShareFenced.parseFrom(bytes));
        case WATCH_STARTED -> ClusterWatchProtos.fromProto(ClusterWatchStarted.parseFrom(bytes));
        default -> throw new NotSerializableException("unknown manifest '" + manifest + "' for "
            + getClass().getName() + " (id " + IDENTIFIER + "); expected one of SS, ER, CR, SF, SVS, CT, CU, CWS, CWF, CWR, CWI: "
            + "written by a newer Meshplane?");
      };
    } catch (InvalidProtocolBufferException | IllegalArgumentException | NullPointerException e) {
      NotSerializableException failure = new NotSerializableException("cannot read a '" + manifest
          + "' (" + bytes.length + " bytes) with " + getClass().getName() + ": " + e.getMessage());
      failure.initCause(e);
      throw failure;
    }
  }

  private IllegalArgumentException unsupported(Object o) {
    return new IllegalArgumentException(getClass().getName() + " cannot serialize "
        + (o == null ? "null" : o.getClass().getName()) + "; it is bound to Meshplane's persisted events "
        + "and snapshots only");
  }
}
