package io.meshplane.persistence;

import io.meshplane.cluster.ClusterWatch;
import io.meshplane.proto.v1.ClusterWatchSnapshot;
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

  public static ClusterWatchSnapshot toProto(ClusterWatch.State state) {
    return ClusterWatchSnapshot.newBuilder().addAllHostnames(new TreeSet<>(state.hostnames())).build();
  }

  public static ClusterWatch.State fromProto(ClusterWatchSnapshot proto) {
    return new ClusterWatch.State(new TreeSet<>(proto.getHostnamesList()));
  }
}
