package io.meshplane.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Persistence with real processes: the control plane is killed with SIGKILL and started again
 * while the Kubernetes API server is down. It must serve the endpoints it had persisted in
 * Cassandra to a fresh client, then catch up once the API server is back.
 */
class WarmStartIT {

  static final String B1 = "127.0.0.31";
  static final String B2 = "127.0.0.32";
  static final String B3 = "127.0.0.33";
  static final String TARGET = "greeter.default.svc.cluster.local:50051";

  private final Closer closer = new Closer();

  @AfterEach
  void stop() {
    closer.close();
  }

  private <T extends AutoCloseable> T keep(T resource) {
    return closer.keep(resource);
  }

  @Test
  void serves_persisted_endpoints_after_kill_9_while_the_api_server_is_down_then_catches_up() {
    Path dir = TestDirs.fresh("warm-start");
    CassandraSpace cassandra = CassandraSpace.of(WarmStartIT.class);
    int apiPort = Ports.free();
    MockCluster kube = MockCluster.start(apiPort);
    Greeters greeters = keep(Greeters.start(Ports.free(), List.of(B1, B2, B3)));
    seed(kube, greeters.port(), List.of(B1, B2));
    kube.service("default", "legacy", 8080, 8080);
    kube.endpoints("default", "legacy", 8080, List.of(B3));
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));
    int xdsPort = Ports.free();
    List<String> flags = new ArrayList<>(cassandra.runFlags());
    flags.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    XdsClients.bootstrap(dir.resolve("bootstrap.json"), xdsPort, "proxyless~10.0.0.2~warm.default~default.svc",
        "default");

    ControlPlaneProcess first = closer.keepKilled(ControlPlaneProcess.start(dir.resolve("cp-1.log"), xdsPort,
        Ports.free(), cassandra.jvmOptions(), flags));
    ManagedChannel channel = XdsClients.channel(TARGET);
    awaitAnswersFrom(channel, Set.of(B1, B2));
    Awaitility.await("legacy persisted").atMost(Duration.ofSeconds(20))
        .until(() -> first.admin("/debug/services").contains("legacy.default.svc.cluster.local"));
    XdsClients.shutdown(channel);

    first.kill9();
    kube.close();

    ControlPlaneProcess second = closer.keepKilled(ControlPlaneProcess.start(dir.resolve("cp-2.log"), xdsPort,
        Ports.free(), cassandra.jvmOptions(), flags));
    ManagedChannel fresh = XdsClients.channel(TARGET);
    try {
      awaitAnswersFrom(fresh, Set.of(B1, B2));
      assertThat(second.admin("/debug/clusters")).contains("\"connected\" : false");

      MockCluster back = keep(MockCluster.start(apiPort));
      seed(back, greeters.port(), List.of(B1, B3));
      awaitAnswersFrom(fresh, Set.of(B3));
      Awaitility.await("10 answers in a row without " + B2).atMost(Duration.ofSeconds(30)).until(() -> {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          answers.add(Greeters.call(fresh));
        }
        return !answers.contains(B2);
      });
      Awaitility.await("legacy, deleted while the API server was down, no longer exists").atMost(Duration.ofSeconds(30)).until(() -> {
        String services = second.admin("/debug/services").replaceAll("\\s", "");
        int at = services.indexOf("\"legacy.default.svc.cluster.local\"");
        return at >= 0 && services.substring(at).contains("\"exists\":false");
      });
      Awaitility.await("the cluster reported reachable again").atMost(Duration.ofSeconds(30))
          .until(() -> second.admin("/debug/clusters").contains("\"connected\" : true"));
      assertThat(second.admin("/debug/clusters")).contains("\"synced\" : true");
    } finally {
      XdsClients.shutdown(fresh);
    }
  }

  private static void seed(MockCluster kube, int port, List<String> addresses) {
    kube.namespace("default");
    kube.service("default", "greeter", 50051, port);
    kube.endpoints("default", "greeter", port, addresses);
  }

  private static void awaitAnswersFrom(ManagedChannel channel, Set<String> expected) {
    Set<String> seen = new HashSet<>();
    Awaitility.await("answers from " + expected).atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
      seen.add(Greeters.call(channel));
      return seen.containsAll(expected);
    });
  }
}
