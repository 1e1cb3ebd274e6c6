package io.meshplane.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CassandraFilesTest {

  @TempDir
  Path dir;

  @Test
  void a_broadcast_host_is_advertised_and_is_the_nodes_own_seed() throws Exception {
    Path yaml = CassandraFiles.writeConfig(dir, "127.0.0.1", 9042, 7000, "eu", List.of("127.0.0.4:7001"),
        Optional.of("127.0.0.3"));

    List<String> lines = Files.readAllLines(yaml);
    assertThat(lines).contains("listen_address: \"127.0.0.1\"", "broadcast_address: \"127.0.0.3\"",
        "      - seeds: \"127.0.0.4:7001,127.0.0.3:7000\"");
  }

  @Test
  void without_a_broadcast_host_the_listen_address_is_advertised() throws Exception {
    Path yaml = CassandraFiles.writeConfig(dir, "127.0.0.1", 9042, 7000, "eu", List.of(), Optional.empty());

    String text = Files.readString(yaml);
    assertThat(text).doesNotContain("broadcast_address").contains("seeds: \"127.0.0.1:7000\"");
  }

  @Test
  void the_seed_of_a_node_with_a_broadcast_host_is_that_host() {
    LocalCassandra.Settings s = LocalCassandra.Settings.defaults(dir).withBroadcastHost("127.0.0.3");

    assertThat(s.advertisedHost()).isEqualTo("127.0.0.3");
    assertThat(LocalCassandra.Settings.defaults(dir).advertisedHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void rejects_a_broadcast_host_with_a_port() {
    assertThatThrownBy(() -> LocalCassandra.Settings.defaults(dir).withBroadcastHost("127.0.0.3:7000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("broadcastHost must be a host name or IP address without a port");
  }
}
