package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GreeterClientTest {

  private static final Clock NOON = Clock.fixed(Instant.parse("2024-05-01T12:00:01Z"), ZoneOffset.UTC);
  private final String bootstrapBefore = System.getProperty(GreeterClient.BOOTSTRAP_PROPERTY);

  /** The client sets grpc-java's JVM-wide bootstrap property; other tests in this JVM must not see ours. */
  @AfterEach
  void restoreBootstrapProperty() {
    if (bootstrapBefore == null) {
      System.clearProperty(GreeterClient.BOOTSTRAP_PROPERTY);
    } else {
      System.setProperty(GreeterClient.BOOTSTRAP_PROPERTY, bootstrapBefore);
    }
  }

  @Test
  void reports_which_backend_answered(@TempDir Path tmp) {
    List<String> lines = new CopyOnWriteArrayList<>();
    try (GreeterBackends backends = GreeterBackends.start(2);
        GreeterClient client = GreeterClient.start("dns:///127.0.0.12:" + backends.port(),
            tmp.resolve("unused-bootstrap.json"), "test", lines::add, NOON)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> !lines.isEmpty());
    }
    assertThat(lines.get(0)).isEqualTo("[client 12:00:01] greeter-2 answered: Hello test from greeter-2");
  }

  @Test
  void reports_a_failed_call_with_its_status() {
    List<String> lines = new CopyOnWriteArrayList<>();
    int closedPort = LocalPorts.free();
    try (GreeterClient client = GreeterClient.start("dns:///127.0.0.1:" + closedPort,
        Path.of("unused-bootstrap.json"), "test", lines::add, NOON)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> !lines.isEmpty());
    }
    assertThat(lines.get(0)).startsWith("[client 12:00:01] RPC failed: UNAVAILABLE");
  }
}
