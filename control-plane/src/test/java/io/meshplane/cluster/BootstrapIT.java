package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster Bootstrap with real processes: three control-plane JVMs started at the same time with
 * {@code --join bootstrap --discovery config} and the three management addresses as contact
 * points, and no seed node anywhere. They must find each other and form ONE cluster (not three
 * clusters of one), and a grpc-java xDS client connected to one of them must be served. Prints
 * how long the cluster took to form.
 */
class BootstrapIT {

  static final String BACKEND = "127.0.0.51";
  static final String TARGET = "greeter.default.svc.cluster.local:50051";

  private final Closer closer = new Closer();
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  @AfterEach
  void stop() {
    closer.close();
  }

  @Test
  void three_nodes_form_one_cluster_from_contact_points_alone_and_serve_xds() throws Exception {
    Path dir = TestDirs.fresh("bootstrap");
    CassandraSpace cassandra = CassandraSpace.of(BootstrapIT.class);
    MockCluster kube = closer.keep(MockCluster.start(0));
    Greeters greeters = closer.keep(Greeters.start(Ports.free(), List.of(BACKEND)));
    kube.namespace("default");
    kube.service("default", "greeter", 50051, greeters.port());
    kube.endpoints("default", "greeter", greeters.port(), List.of(BACKEND));
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));

    int n = 3;
    int[] xds = new int[n];
    int[] admin = new int[n];
    int[] remoting = new int[n];
    int[] management = new int[n];
    List<String> contactPoints = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      xds[i] = Ports.free();
      admin[i] = Ports.free();
      remoting[i] = Ports.free();
      management[i] = Ports.free();
      contactPoints.add("--contact-point");
      contactPoints.add("127.0.0.1:" + management[i]);
    }

    // All three at once, as a Deployment's replicas start: the join decider must not let more
    // than one of them form a cluster.
    long launched = System.nanoTime();
    ExecutorService starter = Executors.newFixedThreadPool(n);
    closer.keep(starter::shutdownNow);
    List<Future<ControlPlaneProcess>> starting = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int node = i;
      List<String> flags = new ArrayList<>(cassandra.runFlags());
      flags.addAll(List.of("--kubeconfig", kubeconfig.toString(),
          "--node-name", "node-" + node, "--remoting-port", String.valueOf(remoting[node]),
          "--join", "bootstrap", "--discovery", "config", "--management-port", String.valueOf(management[node])));
      flags.addAll(contactPoints);
      starting.add(starter.submit(() -> ControlPlaneProcess.start(dir.resolve("node-" + node + ".log"), xds[node],
          admin[node], cassandra.jvmOptions(), flags)));
    }
    Set<String> expected = new TreeSet<>();
    for (int port : remoting) {
      expected.add("pekko://meshplane@127.0.0.1:" + port);
    }
    // The management servers answer before the nodes are ready (they must, for bootstrap to
    // progress): they tell when the cluster has formed, while the nodes are still starting.
    long[] allAnswering = {0};
    Awaitility.await("every management server reports the same " + n + " members Up")
        .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
          boolean oneCluster = true;
          int answering = 0;
          for (int port : management) {
            try {
              oneCluster &= seedNodes(port).equals(expected);
              answering++;
            } catch (IOException e) {
              oneCluster = false;
            }
          }
          if (answering == n && allAnswering[0] == 0) {
            allAnswering[0] = System.nanoTime();
          }
          return oneCluster;
        });
    long formed = System.nanoTime();
    List<ControlPlaneProcess> nodes = collect(starting);
    long allReady = System.nanoTime();
    System.out.printf("[bootstrap] %d nodes launched together: every management server answering after %d ms, one "
        + "cluster of %d formed after %d ms (%d ms later), all nodes ready after %d ms%n", n,
        (allAnswering[0] - launched) / 1_000_000, n, (formed - launched) / 1_000_000,
        (formed - allAnswering[0]) / 1_000_000, (allReady - launched) / 1_000_000);

    for (ControlPlaneProcess node : nodes) {
      assertThat(upMembers(node)).as("members Up seen by the admin API").isEqualTo(expected);
    }

    Set<String> leaders = new TreeSet<>();
    for (ControlPlaneProcess node : nodes) {
      leaders.add(json.readTree(node.admin("/debug/members")).get("leader").asText());
    }
    assertThat(leaders).as("one cluster, one leader").hasSize(1).isSubsetOf(expected);

    XdsClients.bootstrap(dir.resolve("xds-bootstrap.json"), xds[2], "proxyless~10.0.0.9~bootstrap.default~default.svc",
        "default");
    ManagedChannel channel = XdsClients.channel(TARGET);
    closer.keep(() -> XdsClients.shutdown(channel));
    Awaitility.await("the xDS client of node-2 reaches the greeter").atMost(Duration.ofSeconds(60))
        .ignoreExceptions().until(() -> Greeters.call(channel).equals(BACKEND));
  }

  /** Waits for every start; keeps each started node for closing, also when another failed to start. */
  private List<ControlPlaneProcess> collect(List<Future<ControlPlaneProcess>> starting) throws InterruptedException {
    List<ControlPlaneProcess> nodes = new ArrayList<>();
    RuntimeException failure = null;
    for (Future<ControlPlaneProcess> f : starting) {
      try {
        nodes.add(closer.keepKilled(f.get()));
      } catch (ExecutionException e) {
        failure = failure != null ? failure : new IllegalStateException("a node did not start", e.getCause());
      }
    }
    if (failure != null) {
      throw failure;
    }
    return nodes;
  }

  /** The members a node sees as Up. */
  private Set<String> upMembers(ControlPlaneProcess node) {
    Set<String> up = new TreeSet<>();
    try {
      for (JsonNode m : json.readTree(node.admin("/debug/members")).get("members")) {
        if (m.get("status").asText().equals("Up")) {
          up.add(m.get("address").asText());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return up;
  }

  /** The members Up that a node's management server tells bootstrapping nodes about. */
  private Set<String> seedNodes(int managementPort) throws IOException {
    Set<String> seeds = new TreeSet<>();
    json.readTree(get("http://127.0.0.1:" + managementPort + "/bootstrap/seed-nodes")).get("seedNodes")
        .forEach(s -> seeds.add(s.get("node").asText()));
    return seeds;
  }

  private String get(String url) throws IOException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException(url + " answered " + r.statusCode() + ": " + r.body());
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

}
