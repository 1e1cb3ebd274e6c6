package io.meshplane.persistence;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.model.WriteFence;
import io.meshplane.proto.v1.ClusterServiceRemoved;
import io.meshplane.proto.v1.ServiceSnapshot;
import io.meshplane.proto.v1.ServiceSpecSet;
import io.meshplane.proto.v1.ShareFenced;
import io.meshplane.service.ServiceEntity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The one place where the Service entity's events and snapshot and the model records they carry
 * map to and from their protobuf schemas ({@code proto/meshplane/v1/events.proto}). A field
 * missing from an older writer reads as its proto3 default (empty string, 0, unknown locality).
 * Stateless.
 */
public final class ModelProtos {

  private ModelProtos() {}

  public static ServiceSpecSet toProto(ServiceEntity.SpecSet event) {
    return ServiceSpecSet.newBuilder()
        .setClusterId(event.clusterId())
        .setSpec(toProto(event.spec()))
        .build();
  }

  public static ServiceEntity.SpecSet fromProto(ServiceSpecSet proto) {
    return new ServiceEntity.SpecSet(proto.getClusterId(), fromProto(proto.getSpec()));
  }

  public static io.meshplane.proto.v1.EndpointsReplaced toProto(ServiceEntity.EndpointsReplaced event) {
    return io.meshplane.proto.v1.EndpointsReplaced.newBuilder()
        .setClusterId(event.clusterId())
        .addAllEndpoints(event.endpoints().stream().map(ModelProtos::toProto).toList())
        .build();
  }

  public static ServiceEntity.EndpointsReplaced fromProto(io.meshplane.proto.v1.EndpointsReplaced proto) {
    return new ServiceEntity.EndpointsReplaced(proto.getClusterId(),
        proto.getEndpointsList().stream().map(ModelProtos::fromProto).toList());
  }

  public static ClusterServiceRemoved toProto(ServiceEntity.ClusterRemoved event) {
    return ClusterServiceRemoved.newBuilder().setClusterId(event.clusterId()).build();
  }

  public static ServiceEntity.ClusterRemoved fromProto(ClusterServiceRemoved proto) {
    return new ServiceEntity.ClusterRemoved(proto.getClusterId());
  }

  public static ServiceSnapshot toProto(ServiceState state) {
    return ServiceSnapshot.newBuilder()
        .setHostname(state.hostname())
        .setVersion(state.version())
        .addAllClusters(state.clusters().values().stream().map(ModelProtos::toProto).toList())
        .putAllFences(state.fences().entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> toProto(e.getValue()))))
        .build();
  }

  public static ServiceState fromProto(ServiceSnapshot proto) {
    Map<String, ClusterShare> clusters = new LinkedHashMap<>();
    for (io.meshplane.proto.v1.ClusterShare share : proto.getClustersList()) {
      clusters.put(share.getClusterId(), fromProto(share));
    }
    Map<String, WriteFence> fences = new TreeMap<>();
    proto.getFencesMap().forEach((clusterId, fence) -> fences.put(clusterId, fromProto(fence)));
    return new ServiceState(proto.getHostname(), proto.getVersion(), clusters, fences);
  }

  public static io.meshplane.proto.v1.WriteFence toProto(WriteFence fence) {
    return io.meshplane.proto.v1.WriteFence.newBuilder().setEpoch(fence.epoch()).setSequence(fence.sequence())
        .build();
  }

  /** An absent fence (a message of an older Meshplane) reads as unfenced. */
  public static WriteFence fromProto(io.meshplane.proto.v1.WriteFence proto) {
    return new WriteFence(proto.getEpoch(), proto.getSequence());
  }

  public static ShareFenced toProto(ServiceEntity.ShareFenced event) {
    return ShareFenced.newBuilder().setClusterId(event.clusterId()).setFence(toProto(event.fence())).build();
  }

  public static ServiceEntity.ShareFenced fromProto(ShareFenced proto) {
    return new ServiceEntity.ShareFenced(proto.getClusterId(), fromProto(proto.getFence()));
  }

  static io.meshplane.proto.v1.ClusterShare toProto(ClusterShare share) {
    io.meshplane.proto.v1.ClusterShare.Builder b = io.meshplane.proto.v1.ClusterShare.newBuilder()
        .setClusterId(share.clusterId())
        .setHasSpec(share.spec().isPresent())
        .addAllEndpoints(share.endpoints().stream().map(ModelProtos::toProto).toList());
    share.spec().ifPresent(spec -> b.setSpec(toProto(spec)));
    return b.build();
  }

  static ClusterShare fromProto(io.meshplane.proto.v1.ClusterShare proto) {
    Optional<ServiceSpec> spec = proto.getHasSpec() ? Optional.of(fromProto(proto.getSpec())) : Optional.empty();
    return new ClusterShare(proto.getClusterId(), spec,
        proto.getEndpointsList().stream().map(ModelProtos::fromProto).toList());
  }

  static io.meshplane.proto.v1.ServiceSpec toProto(ServiceSpec spec) {
    io.meshplane.proto.v1.ServiceSpec.Builder b = io.meshplane.proto.v1.ServiceSpec.newBuilder()
        .setName(spec.name())
        .setNamespace(spec.namespace())
        .addAllPorts(spec.ports().stream().map(ModelProtos::toProto).toList())
        .addAllExportTo(spec.exportTo());
    spec.gateway().ifPresent(g -> b.setGateway(io.meshplane.proto.v1.ServiceGateway.newBuilder()
        .setNetwork(g.network())
        .addAllAddresses(g.addresses())
        .setPort(g.port())));
    return b.build();
  }

  /** A spec written before gateways were recorded reads as a spec without a gateway. */
  static ServiceSpec fromProto(io.meshplane.proto.v1.ServiceSpec proto) {
    Optional<ServiceGateway> gateway = proto.hasGateway()
        ? Optional.of(new ServiceGateway(proto.getGateway().getNetwork(), proto.getGateway().getAddressesList(),
            proto.getGateway().getPort()))
        : Optional.empty();
    return new ServiceSpec(proto.getName(), proto.getNamespace(),
        proto.getPortsList().stream().map(ModelProtos::fromProto).toList(), proto.getExportToList(), gateway);
  }

  static io.meshplane.proto.v1.ServicePort toProto(ServicePort port) {
    return io.meshplane.proto.v1.ServicePort.newBuilder()
        .setName(port.name())
        .setPort(port.port())
        .setTargetPort(port.targetPort())
        .setProtocol(port.protocol())
        .build();
  }

  static ServicePort fromProto(io.meshplane.proto.v1.ServicePort proto) {
    return new ServicePort(proto.getName(), proto.getPort(), proto.getTargetPort(), proto.getProtocol());
  }

  static io.meshplane.proto.v1.Endpoint toProto(Endpoint endpoint) {
    return io.meshplane.proto.v1.Endpoint.newBuilder()
        .setAddress(endpoint.address())
        .addAllPorts(endpoint.ports().stream().map(ModelProtos::toProto).toList())
        .setClusterId(endpoint.clusterId())
        .setNetwork(endpoint.network())
        .setLocality(toProto(endpoint.locality()))
        .putAllLabels(endpoint.labels())
        .setServiceAccount(endpoint.serviceAccount())
        .setReady(endpoint.ready())
        .setWorkloadName(endpoint.workloadName())
        .build();
  }

  static Endpoint fromProto(io.meshplane.proto.v1.Endpoint proto) {
    Locality locality = proto.hasLocality() ? fromProto(proto.getLocality()) : Locality.UNKNOWN;
    return new Endpoint(proto.getAddress(),
        proto.getPortsList().stream().map(ModelProtos::fromProto).toList(),
        proto.getClusterId(), proto.getNetwork(), locality, proto.getLabelsMap(),
        proto.getServiceAccount(), proto.getReady(), proto.getWorkloadName());
  }

  static io.meshplane.proto.v1.EndpointPort toProto(EndpointPort port) {
    return io.meshplane.proto.v1.EndpointPort.newBuilder().setName(port.name()).setPort(port.port()).build();
  }

  static EndpointPort fromProto(io.meshplane.proto.v1.EndpointPort proto) {
    return new EndpointPort(proto.getName(), proto.getPort());
  }

  static io.meshplane.proto.v1.Locality toProto(Locality locality) {
    return io.meshplane.proto.v1.Locality.newBuilder()
        .setRegion(locality.region())
        .setZone(locality.zone())
        .setSubzone(locality.subzone())
        .build();
  }

  static Locality fromProto(io.meshplane.proto.v1.Locality proto) {
    return new Locality(proto.getRegion(), proto.getZone(), proto.getSubzone());
  }
}
