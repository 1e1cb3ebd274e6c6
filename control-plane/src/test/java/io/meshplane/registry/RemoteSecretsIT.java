package io.meshplane.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.grpc.ManagedChannel;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.registry.kube.RemoteSecrets;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A member cluster that joins and leaves through its remote secret, with real components: a real
 * Cassandra, an in-process node whose config cluster and member cluster are fabric8 mock API
 * servers, a real gRPC backend and grpc-java's xDS client. The member's API server dies between
 * join and leave: its endpoints stay served and it is shown unreachable, readiness unaffected.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RemoteSecretsIT {

  static final String NS = "meshplane-system";
  static final String B1 = "127.0.0.31";
  static final String TARGET = "greeter.default.svc.cluster.local:50051";
  static final String GREETER = "greeter.default.svc.cluster.local";

  static Path dir;
  static CassandraSpace cassandra;
  static MockCluster config;
  static MockCluster east;
  static Greeters greeters;
  static ControlPlaneNode node;
  static ManagedChannel channel;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    dir = TestDirs.fresh("remote-secrets");
    cassandra = CassandraSpace.of(RemoteSecretsIT.class);
    config = MockCluster.start(0);
    config.namespace(NS);
    east = MockCluster.start(0);
    greeters = Greeters.start(Ports.free(), List.of(B1));
    east.namespace("default");
    east.service("default", "greeter", 50051, greeters.port());
    east.endpoints("default", "greeter", greeters.port(), List.of(B1));
    node = InProcessNode.start(cassandra, config.writeKubeconfig(dir.resolve("config-kubeconfig")), 0, List.of(),
        ConfigFactory.parseMap(Map.of("meshplane.cluster-id", "config-1")));
    XdsClients.bootstrap(dir.resolve("bootstrap.json"), node.xdsPort(),
        "proxyless~10.0.0.1~client.default~default.svc", "default");
    channel = XdsClients.channel(TARGET);
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      XdsClients.shutdown(channel);
    }
    for (AutoCloseable c : new AutoCloseable[] {node, greeters, east, config}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + c + ": " + e);
      }
    }
  }

  static String admin(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  static int status(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  @Order(1)
  void a_cluster_added_by_its_secret_serves_its_endpoints() throws Exception {
    String kubeconfig = java.nio.file.Files.readString(east.writeKubeconfig(dir.resolve("east-kubeconfig")));
    config.client().secrets().inNamespace(NS).resource(new SecretBuilder()
            .withNewMetadata().withName("remote-east").withNamespace(NS)
            .addToLabels(RemoteSecrets.LABEL, "true").addToAnnotations(RemoteSecrets.CLUSTER_ID, "east")
            .endMetadata().addToStringData(RemoteSecrets.KUBECONFIG, kubeconfig).build())
        .create();

    Awaitility.await("an answer from " + B1 + " of cluster east").atMost(Duration.ofSeconds(60))
        .ignoreExceptions().until(() -> Greeters.call(channel).equals(B1));
    assertThat(admin("/debug/clusters").replaceAll("\\s", ""))
        .contains("\"clusterId\":\"east\",\"connected\":true,\"state\":\"connected\"")
        .contains("\"secret\":\"meshplane-system/remote-east\"");
  }

  @Test
  @Order(2)
  void an_unreachable_member_keeps_its_endpoints_served_and_is_shown_stale() throws Exception {
    east.close();

    Awaitility.await("east shown unreachable").atMost(Duration.ofSeconds(60))
        .until(() -> admin("/debug/clusters").replaceAll("\\s", "")
            .contains("\"clusterId\":\"east\",\"connected\":false,\"state\":\"unreachable\",\"stale\":true"));
    assertThat(status("/readyz")).isEqualTo(200);
    assertThat(Greeters.call(channel)).isEqualTo(B1);
    assertThat(admin("/debug/services")).contains(B1 + " east");
  }

  @Test
  @Order(3)
  void removing_the_secret_removes_the_clusters_endpoints() throws Exception {
    config.client().secrets().inNamespace(NS).withName("remote-east").delete();

    Awaitility.await("east's endpoints gone").atMost(Duration.ofSeconds(60))
        .until(() -> !admin("/debug/services").contains(B1 + " east"));
    Awaitility.await("east no longer listed").atMost(Duration.ofSeconds(30))
        .until(() -> !admin("/debug/clusters").contains("\"east\""));
    Awaitility.await("RPCs fail: no endpoint left").atMost(Duration.ofSeconds(60)).until(() -> {
      try {
        Greeters.call(channel, 5);
        return false;
      } catch (RuntimeException e) {
        return true;
      }
    });
  }
}
