package io.meshplane.e2e;

import static io.meshplane.testing.Closer.killing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshplane.testing.CassandraSpace;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole path with real components: a real Cassandra server, a simulated Kubernetes cluster
 * (fabric8 mock API server), a control-plane JVM, real gRPC backends and grpc-java's xDS client
 * making RPCs through {@code xds:///}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndIT {

  static final String B1 = "127.0.0.21";
  static final String B2 = "127.0.0.22";
  static final String TARGET = "greeter.default.svc.cluster.local:50051";

  static Path dir;
  static CassandraSpace cassandra;
  static MockCluster kube;
  static Greeters greeters;
  static ControlPlaneProcess controlPlane;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    dir = TestDirs.fresh("e2e");
    cassandra = CassandraSpace.of(EndToEndIT.class);
    kube = MockCluster.start(0);
    greeters = Greeters.start(Ports.free(), List.of(B1, B2));
    kube.namespace("default");
    kube.service("default", "greeter", 50051, greeters.port());
    kube.endpoints("default", "greeter", greeters.port(), List.of(B1));
    int xdsPort = Ports.free();
    List<String> flags = new ArrayList<>(cassandra.runFlags());
    flags.addAll(List.of("--kubeconfig", kube.writeKubeconfig(dir.resolve("kubeconfig")).toString(),
        "--cluster-id", "cluster-1"));
    controlPlane = ControlPlaneProcess.start(dir.resolve("control-plane.log"), xdsPort, Ports.free(),
        cassandra.jvmOptions(), flags);
    XdsClients.bootstrap(dir.resolve("bootstrap.json"), xdsPort, "proxyless~10.0.0.1~client.default~default.svc", "default");
    channel = XdsClients.channel(TARGET);
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      XdsClients.shutdown(channel);
    }
    for (AutoCloseable c : new AutoCloseable[] {killing(controlPlane), greeters, kube}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + c + ": " + e);
      }
    }
  }

  @Test
  @Order(1)
  void the_registered_endpoint_receives_calls() {
    Awaitility.await("an answer from " + B1).atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> Greeters.call(channel).equals(B1));
  }

  @Test
  @Order(2)
  void a_new_endpoint_starts_receiving_calls() {
    kube.endpoints("default", "greeter", greeters.port(), List.of(B1, B2));
    Set<String> seen = new HashSet<>();
    Awaitility.await("answers from both backends").atMost(Duration.ofSeconds(30)).until(() -> {
      seen.add(Greeters.call(channel));
      return seen.containsAll(List.of(B1, B2));
    });
  }

  @Test
  @Order(3)
  void a_removed_endpoint_stops_receiving_calls() {
    kube.endpoints("default", "greeter", greeters.port(), List.of(B2));
    Awaitility.await("10 answers in a row from " + B2 + " only").atMost(Duration.ofSeconds(30)).until(() -> {
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        answers.add(Greeters.call(channel));
      }
      return answers.stream().allMatch(B2::equals);
    });
    List<String> after = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      after.add(Greeters.call(channel));
    }
    assertThat(after).containsOnly(B2);
  }

  @Test
  @Order(4)
  void an_unknown_service_fails_the_rpc_with_a_clear_status() {
    ManagedChannel unknown = XdsClients.channel("nope.default.svc.cluster.local:50051");
    try {
      // grpc-java concludes "does not exist" when its resource timer (15 s) fires after an LDS
      // response that lacks the listener; the deadline leaves room for that.
      assertThatThrownBy(() -> Greeters.call(unknown, 40))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.getStatus().getDescription()).contains("nope.default.svc.cluster.local:50051");
          });
    } finally {
      XdsClients.shutdown(unknown);
    }
  }

  @Test
  @Order(5)
  void admin_api_reports_metrics_and_the_service() {
    assertThat(controlPlane.admin("/metrics"))
        .contains("meshplane_xds_connected_proxies{kind=\"proxyless\"} 1")
        .contains("meshplane_xds_pushes_total{trigger=\"service-change\",type=\"EDS\"}")
        .contains("meshplane_xds_convergence_seconds_count");
    assertThat(controlPlane.admin("/debug/services")).contains(TARGET.split(":")[0]).contains(B2)
        .doesNotContain(B1);
    assertThat(controlPlane.admin("/debug/proxies/proxyless~10.0.0.1~client.default~default.svc"))
        .contains("\"connected\" : true").contains("ackedVersion");
  }
}
