package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshplane.cluster.ClusterWatch;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.model.WriteFence;
import io.meshplane.proto.v1.ServiceSnapshot;
import io.meshplane.proto.v1.ServiceSpecSet;
import io.meshplane.service.ServiceEntity;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;

class MeshplaneEventSerializerTest {

  private final MeshplaneEventSerializer serializer = new MeshplaneEventSerializer(null);

  static ServiceSpec spec() {
    return new ServiceSpec("reviews", "bookinfo",
        List.of(new ServicePort("http", 9080, 9080, "TCP"), new ServicePort("grpc", 9090, 0, "TCP"),
            new ServicePort("", 8443, 443, "TCP")),
        List.of(".", "istio-system"));
  }

  static Endpoint endpoint(String address, String cluster, Locality locality) {
    return new Endpoint(address, List.of(new EndpointPort("http", 9080), new EndpointPort("grpc", 9090)),
        cluster, "net-" + cluster, locality,
        Map.of("app", "reviews", "version", "v2", "topology.kubernetes.io/zone", locality.zone()),
        "reviews-sa", true, "reviews-v2-7d8f");
  }

  static ServiceState state() {
    Locality euA = new Locality("eu-west-1", "eu-west-1a", "rack-7");
    Locality usB = new Locality("us-east-1", "us-east-1b", "");
    ClusterShare east = new ClusterShare("east", Optional.of(spec()),
        List.of(endpoint("10.0.0.1", "east", euA), endpoint("10.0.0.2", "east", Locality.UNKNOWN)));
    ClusterShare west = new ClusterShare("west", Optional.empty(), List.of(endpoint("10.1.0.9", "west", usB)));
    ClusterShare north = new ClusterShare("north", Optional.of(spec()), List.of());
    return new ServiceState("reviews.bookinfo.svc.cluster.local", 4711,
        Map.of("east", east, "west", west, "north", north));
  }

  private Object roundTrip(Object value) throws NotSerializableException {
    return serializer.fromBinary(serializer.toBinary(value), serializer.manifest(value));
  }

  @Test
  void service_events_survive_a_round_trip() throws Exception {
    List<Object> events = List.of(
        new ServiceEntity.SpecSet("east", spec()),
        new ServiceEntity.EndpointsReplaced("west", state().endpoints()),
        new ServiceEntity.EndpointsReplaced("west", List.of()),
        new ServiceEntity.ClusterRemoved("north"),
        new ServiceEntity.ShareFenced("east", new WriteFence(12, 3_000_000_000L)));
    for (Object event : events) {
      assertThat(roundTrip(event)).isEqualTo(event);
    }
  }

  static ServiceSpec gatewaySpec() {
    return new ServiceSpec("eastwest", "istio-system", List.of(new ServicePort("tls", 15443, 15443, "TCP")),
        List.of(), Optional.of(new ServiceGateway("network-2", List.of("192.0.2.10", "gw.example.com"), 15443)));
  }

  @Test
  void a_gateway_spec_survives_a_round_trip_in_events_snapshots_and_cross_node_changes() throws Exception {
    ServiceEntity.SpecSet event = new ServiceEntity.SpecSet("west", gatewaySpec());
    assertThat(roundTrip(event)).isEqualTo(event);
    ServiceState state = new ServiceState("eastwest.istio-system.svc.cluster.local", 3,
        Map.of("west", new ClusterShare("west", Optional.of(gatewaySpec()), List.of())));
    assertThat(roundTrip(state)).isEqualTo(state);
    MeshplaneMessageSerializer messages = new MeshplaneMessageSerializer(null);
    ServiceEntity.ServiceChanged change = new ServiceEntity.ServiceChanged(state, 1234L);
    assertThat(messages.fromBinary(messages.toBinary(change), messages.manifest(change))).isEqualTo(change);
  }

  @Test
  void a_spec_written_before_gateways_reads_as_no_gateway() throws Exception {
    byte[] old = io.meshplane.proto.v1.ServiceSpecSet.newBuilder().setClusterId("east")
        .setSpec(io.meshplane.proto.v1.ServiceSpec.newBuilder().setName("reviews").setNamespace("bookinfo"))
        .build().toByteArray();
    ServiceEntity.SpecSet back = (ServiceEntity.SpecSet) serializer.fromBinary(old, "SS");
    assertThat(back.spec().gateway()).isEmpty();
  }

  @Test
  void service_state_snapshot_survives_a_round_trip_with_absent_spec_and_unknown_locality() throws Exception {
    ServiceState state = state();
    ServiceState back = (ServiceState) roundTrip(state);
    assertThat(back).isEqualTo(state);
    assertThat(back.share("west").spec()).isEmpty();
    assertThat(back.share("east").endpoints().get(1).locality()).isEqualTo(Locality.UNKNOWN);
    assertThat(back.share("east").endpoints().get(0).labels()).containsEntry("version", "v2");
  }

  @Test
  void a_snapshot_keeps_the_write_fences_and_one_written_before_fences_reads_as_unfenced() throws Exception {
    ServiceState fenced = new ServiceState(state().hostname(), state().version(), state().clusters(),
        Map.of("east", new WriteFence(4, 17), "gone", new WriteFence(2, 9)));
    ServiceState back = (ServiceState) roundTrip(fenced);
    assertThat(back).isEqualTo(fenced);
    assertThat(back.fence("gone")).as("kept for a cluster without a share").isEqualTo(new WriteFence(2, 9));

    byte[] old = ModelProtos.toProto(state()).toBuilder().clearFences().build().toByteArray();
    ServiceState unfenced = (ServiceState) serializer.fromBinary(old, "SVS");
    assertThat(unfenced.fence("east")).isEqualTo(WriteFence.NONE);
  }

  @Test
  void cluster_watch_events_and_state_survive_a_round_trip() throws Exception {
    List<Object> values = List.of(
        new ClusterWatch.ServiceTracked("reviews.bookinfo.svc.cluster.local"),
        new ClusterWatch.ServiceUntracked("ratings.bookinfo.svc.cluster.local"),
        new ClusterWatch.State(Set.of("a.x.svc.cluster.local", "b.y.svc.cluster.local", "c.z.svc.cluster.local")),
        new ClusterWatch.State(Set.of()),
        new ClusterWatch.State(Set.of("a.x.svc.cluster.local"), true),
        ClusterWatch.WatchForgotten.INSTANCE,
        ClusterWatch.WatchResumed.INSTANCE,
        ClusterWatch.WatchStarted.INSTANCE);
    for (Object value : values) {
      assertThat(roundTrip(value)).isEqualTo(value);
    }
  }

  @Test
  void manifests_are_the_short_stable_names() {
    assertThat(serializer.identifier()).isEqualTo(7411);
    assertThat(serializer.manifest(new ServiceEntity.SpecSet("c", spec()))).isEqualTo("SS");
    assertThat(serializer.manifest(new ServiceEntity.EndpointsReplaced("c", List.of()))).isEqualTo("ER");
    assertThat(serializer.manifest(new ServiceEntity.ClusterRemoved("c"))).isEqualTo("CR");
    assertThat(serializer.manifest(state())).isEqualTo("SVS");
    assertThat(serializer.manifest(new ClusterWatch.ServiceTracked("h"))).isEqualTo("CT");
    assertThat(serializer.manifest(new ClusterWatch.ServiceUntracked("h"))).isEqualTo("CU");
    assertThat(serializer.manifest(new ClusterWatch.State(Set.of()))).isEqualTo("CWS");
    assertThat(serializer.manifest(ClusterWatch.WatchForgotten.INSTANCE)).isEqualTo("CWF");
    assertThat(serializer.manifest(ClusterWatch.WatchResumed.INSTANCE)).isEqualTo("CWR");
    assertThat(serializer.manifest(ClusterWatch.WatchStarted.INSTANCE)).isEqualTo("CWI");
    assertThat(serializer.manifest(new ServiceEntity.ShareFenced("c", new WriteFence(1, 1)))).isEqualTo("SF");
  }

  @Test
  void bytes_are_the_protobuf_schema_messages() throws Exception {
    ServiceSpecSet specSet = ServiceSpecSet.parseFrom(serializer.toBinary(new ServiceEntity.SpecSet("east", spec())));
    assertThat(specSet.getClusterId()).isEqualTo("east");
    assertThat(specSet.getSpec().getPortsList()).extracting(p -> p.getTargetPort()).containsExactly(9080, 0, 443);

    ServiceSnapshot snapshot = ServiceSnapshot.parseFrom(serializer.toBinary(state()));
    assertThat(snapshot.getVersion()).isEqualTo(4711);
    assertThat(snapshot.getClustersList()).extracting(c -> c.getClusterId()).containsExactly("east", "north", "west");
    assertThat(snapshot.getClustersList()).extracting(c -> c.getHasSpec()).containsExactly(true, true, false);
  }

  @Test
  void unknown_manifest_fails_naming_it() {
    assertThatThrownBy(() -> serializer.fromBinary(new byte[0], "XYZ"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("'XYZ'");
  }

  @Test
  void corrupt_bytes_fail_as_not_serializable() {
    assertThatThrownBy(() -> serializer.fromBinary(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}, "SVS"))
        .isInstanceOf(NotSerializableException.class)
        .hasMessageContaining("'SVS'");
  }

  @Test
  void foreign_objects_are_rejected() {
    assertThatThrownBy(() -> serializer.manifest("a string"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String");
  }

  @Test
  void reference_conf_binds_every_persisted_type_to_this_serializer() {
    ActorTestKit kit = ActorTestKit.create("serializer-bindings");
    try {
      var serialization = SerializationExtension.get(kit.system());
      List<Object> persisted = List.of(new ServiceEntity.SpecSet("c", spec()),
          new ServiceEntity.EndpointsReplaced("c", List.of()), new ServiceEntity.ClusterRemoved("c"), state(),
          new ClusterWatch.ServiceTracked("h"), new ClusterWatch.ServiceUntracked("h"),
          new ClusterWatch.State(Set.of("h")), ClusterWatch.WatchForgotten.INSTANCE,
          ClusterWatch.WatchResumed.INSTANCE);
      for (Object value : persisted) {
        assertThat(serialization.findSerializerFor(value).identifier())
            .as("serializer of %s", value.getClass().getName())
            .isEqualTo(MeshplaneEventSerializer.IDENTIFIER);
      }
    } finally {
      kit.shutdownTestKit();
    }
  }
}
