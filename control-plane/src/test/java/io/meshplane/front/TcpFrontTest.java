package io.meshplane.front;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TCP front against plain sockets: each "node" answers every connection with its name. */
class TcpFrontTest {

  private ActorTestKit testKit;
  private final List<ServerSocket> nodes = new ArrayList<>();
  private final ExecutorService acceptors = Executors.newCachedThreadPool();

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create("TcpFrontTest");
  }

  @AfterEach
  void stop() throws IOException {
    acceptors.shutdownNow();
    for (ServerSocket node : nodes) {
      node.close();
    }
    testKit.shutdownTestKit();
  }

  /** A node that writes {@code name} to every connection and closes it. */
  private InetSocketAddress node(String name) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    nodes.add(server);
    acceptors.execute(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          s.getOutputStream().write(name.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          return;
        }
      }
    });
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  /** An address where nothing listens: a node that died. */
  private static InetSocketAddress deadNode() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
  }

  private static String callThrough(TcpFront front) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void connections_go_round_robin_to_the_nodes() throws IOException {
    TcpFront front = TcpFront.start(testKit.system(), List.of(node("a"), node("b")), 0);
    try {
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(callThrough(front));
      }
      assertThat(answers).containsOnly("a", "b").contains("a", "b");
    } finally {
      front.close();
    }
  }

  @Test
  void a_dead_node_gets_no_connection() throws IOException {
    TcpFront front = TcpFront.start(testKit.system(), List.of(deadNode(), node("alive"), deadNode()), 0);
    try {
      for (int i = 0; i < 6; i++) {
        assertThat(callThrough(front)).isEqualTo("alive");
      }
    } finally {
      front.close();
    }
  }

  @Test
  void a_region_front_prefers_its_own_nodes_fails_over_to_the_other_region_and_comes_back() throws IOException {
    ServerSocket localServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int localPort = localServer.getLocalPort();
    localServer.close();
    InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort);
    TcpFront front = TcpFront.start(testKit.system(), List.of(local), List.of(node("remote")), 0);
    try {
      // The local region is down: every connection goes to the other region.
      for (int i = 0; i < 4; i++) {
        assertThat(callThrough(front)).isEqualTo("remote");
      }
      // The local node is back on its address: connections return to it.
      ServerSocket back = new ServerSocket(localPort, 50, InetAddress.getLoopbackAddress());
      nodes.add(back);
      acceptors.execute(() -> {
        while (!back.isClosed()) {
          try (Socket s = back.accept()) {
            s.getOutputStream().write("local".getBytes(StandardCharsets.UTF_8));
          } catch (IOException e) {
            return;
          }
        }
      });
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> callThrough(front).equals("local"));
      for (int i = 0; i < 4; i++) {
        assertThat(callThrough(front)).isEqualTo("local");
      }
    } finally {
      front.close();
    }
  }

  @Test
  void many_connections_at_once_are_all_routed() throws Exception {
    TcpFront front = TcpFront.start(testKit.system(), List.of(node("a"), deadNode(), node("b")), 0);
    ExecutorService clients = Executors.newFixedThreadPool(32);
    try {
      List<java.util.concurrent.Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(clients.submit(() -> callThrough(front)));
      }
      for (java.util.concurrent.Future<String> call : calls) {
        assertThat(call.get()).isIn("a", "b");
      }
    } finally {
      clients.shutdownNow();
      front.close();
    }
  }

  @Test
  void a_front_needs_a_node() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TcpFront.start(testKit.system(), List.of(), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one node");
  }
}
