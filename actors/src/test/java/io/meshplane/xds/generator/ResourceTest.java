package io.meshplane.xds.generator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ResourceTest {

  @Test
  void versions_are_equal_for_equal_content_and_differ_otherwise() {
    Resource a = Resource.of("c", Cluster.newBuilder().setName("c").build());
    Resource same = Resource.of("c", Cluster.newBuilder().setName("c").build());
    Resource other = Resource.of("c", Cluster.newBuilder().setName("c").setConnectTimeout(
        com.google.protobuf.Duration.newBuilder().setSeconds(1)).build());

    assertThat(same.version()).isEqualTo(a.version());
    assertThat(same).isEqualTo(a);
    assertThat(other.version()).isNotEqualTo(a.version());
    assertThat(a.version()).matches("[0-9a-f]{16}");
  }

  @Test
  void map_insertion_order_does_not_change_bytes_or_version() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      keys.add("key-" + i);
    }
    Resource first = Resource.of("c", clusterWithMetadata(keys));
    Collections.shuffle(keys, new Random(42));
    Resource shuffled = Resource.of("c", clusterWithMetadata(keys));

    assertThat(shuffled.body().getValue()).isEqualTo(first.body().getValue());
    assertThat(shuffled.version()).isEqualTo(first.version());
  }

  @Test
  void body_packs_the_message_under_its_type_url() throws Exception {
    Cluster cluster = Cluster.newBuilder().setName("c").build();
    Resource r = Resource.of("c", cluster);

    assertThat(r.typeUrl()).isEqualTo(TypeUrls.CLUSTER);
    assertThat(r.body().unpack(Cluster.class)).isEqualTo(cluster);
  }

  @Test
  void a_body_of_another_type_is_refused() {
    Any body = Protos.pack(Cluster.getDefaultInstance());
    assertThatThrownBy(() -> new Resource("c", TypeUrls.LISTENER, body, "0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(TypeUrls.CLUSTER);
  }

  private static Cluster clusterWithMetadata(List<String> keys) {
    Struct.Builder fields = Struct.newBuilder();
    Metadata.Builder metadata = Metadata.newBuilder();
    for (String k : keys) {
      fields.putFields(k, Value.newBuilder().setStringValue("v-" + k).build());
      metadata.putFilterMetadata(k, Struct.newBuilder().putFields(k, Value.newBuilder().setNumberValue(1).build()).build());
    }
    metadata.putFilterMetadata("all", fields.build());
    return Cluster.newBuilder().setName("c").setMetadata(metadata).build();
  }
}
