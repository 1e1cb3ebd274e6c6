package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalPortsTest {

  @Test
  void free_ports_are_below_the_ephemeral_range_and_never_handed_out_twice() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 500; i++) {
      int port = LocalPorts.free();
      assertThat(port).isBetween(20_000, 31_999);
      assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
    }
  }

  @Test
  void a_port_something_listens_on_is_neither_free_nor_handed_out() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", LocalPorts.free()));
      int port = taken.getLocalPort();
      assertThat(LocalPorts.isFree(port)).isFalse();
      assertThat(LocalPorts.preferredOrFree(port)).isNotEqualTo(port);
    }
  }
}
