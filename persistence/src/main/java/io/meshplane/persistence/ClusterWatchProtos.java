package io.meshplane.persistence;

import io.meshplane.cluster.ClusterWatch;
import io.meshplane.proto.v1.ClusterWatchForgotten;
import io.meshplane.proto.v1.ClusterWatchResumed;
import io.meshplane.proto.v1.ClusterWatchSnapshot;
import io.meshplane.proto.v1.ClusterWatchStarted;
import io.meshplane.proto.v1.ServiceTracked;
import io.meshplane.proto.v1.ServiceUntracked;
import java.util.TreeSet;

/**
 * Maps the ClusterWatch entity's events and snapshot to and from their protobuf schemas
 * ({@code proto/meshplane/v1/events.proto}). Hostnames are written sorted, so equal states give
 * equal bytes. Stateless.
 */
public final class ClusterWatchProtos {

  private ClusterWatchProtos() {}

  public static ServiceTracked toProto(ClusterWatch.ServiceTracked event) {
    return ServiceTracked.newBuilder().setHostname(event.hostname()).build();
  }

  public static ClusterWatch.ServiceTracked fromProto(ServiceTracked proto) {
    return new ClusterWatch.ServiceTracked(proto.getHostname());
  }

  public static ServiceUntracked toProto(ClusterWatch.ServiceUntracked event) {
    return ServiceUntracked.newBuilder().setHostname(event.hostname()).build();
  }

  public static ClusterWatch.ServiceUntracked fromProto(ServiceUntracked proto) {
    return new ClusterWatch.ServiceUntracked(proto.getHostname());
  }

  public static ClusterWatchForgotten toProto(ClusterWatch.WatchForgotten event) {
    return ClusterWatchForgotten.getDefaultInstance();
  }

  public static ClusterWatch.WatchForgotten fromProto(ClusterWatchForgotten proto) {
    return ClusterWatch.WatchForgotten.INSTANCE;
  }

  public static ClusterWatchResumed toProto(ClusterWatch.WatchResumed event) {
    return ClusterWatchResumed.getDefaultInstance();
  }

  public static ClusterWatch.WatchResumed fromProto(ClusterWatchResumed proto) {
    return ClusterWatch.WatchResumed.INSTANCE;
  }

  public static ClusterWatchStarted toProto(ClusterWatch.WatchStarted event) {
    return ClusterWatchStarted.getDefaultInstance();
  }

  public static ClusterWatch.WatchStarted fromProto(ClusterWatchStarted proto) {
    return ClusterWatch.WatchStarted.INSTANCE;
  }

  public static ClusterWatchSnapshot toProto(ClusterWatch.State state) {
    return ClusterWatchSnapshot.newBuilder().addAllHostnames(new TreeSet<>(state.hostnames()))
        .setForgotten(state.forgotten()).build();
  }

  public static ClusterWatch.State fromProto(ClusterWatchSnapshot proto) {
    return new ClusterWatch.State(new TreeSet<>(proto.getHostnamesList()), proto.getForgotten());
  }
}
