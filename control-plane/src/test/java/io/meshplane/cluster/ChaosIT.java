package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.meshplane.front.TcpFront;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.Closer;
import io.meshplane.testing.ControlPlaneProcess;
import io.meshplane.testing.Greeters;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.XdsClients;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Chaos with real processes: three control-plane JVMs in one Pekko cluster behind a TCP front,
 * a real Cassandra, a simulated Kubernetes cluster with a steady stream of endpoint changes and a
 * grpc-java xDS client calling real backends. A node is killed with SIGKILL (once an ordinary
 * node, once the oldest, which hosts the shard coordinator); the client keeps completing RPCs and
 * converges to the ground truth after each kill. Prints the timeline.
 */
class ChaosIT {

  static final List<String> BACKENDS = List.of("127.0.0.41", "127.0.0.42", "127.0.0.43", "127.0.0.44");
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
  void clients_keep_working_and_converge_when_nodes_are_killed() throws Exception {
    Path dir = TestDirs.fresh("chaos");
    CassandraSpace cassandra = CassandraSpace.of(ChaosIT.class);
    MockCluster kube = keep(MockCluster.start(0));
    Greeters greeters = keep(Greeters.start(Ports.free(), BACKENDS));
    kube.namespace("default");
    kube.service("default", "greeter", 50051, greeters.port());
    List<String> truth = List.of(BACKENDS.get(0), BACKENDS.get(1));
    kube.endpoints("default", "greeter", greeters.port(), truth);
    Path kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"));

    int[] xdsPorts = {Ports.free(), Ports.free(), Ports.free()};
    int[] adminPorts = {Ports.free(), Ports.free(), Ports.free()};
    int[] remotingPorts = {Ports.free(), Ports.free(), Ports.free()};
    String seed = "pekko://meshplane@127.0.0.1:" + remotingPorts[0];
    ControlPlaneProcess[] nodes = new ControlPlaneProcess[3];
    for (int i = 0; i < 3; i++) {
      nodes[i] = closer.keepKilled(startNode(dir, i, xdsPorts, adminPorts, remotingPorts, seed, cassandra, kubeconfig, 1));
    }
    ActorSystem<Void> frontSystem = ActorSystem.create(Behaviors.empty(), "front");
    closer.keep(frontSystem::terminate);
    List<InetSocketAddress> nodeAddresses = new ArrayList<>();
    for (int p : xdsPorts) {
      nodeAddresses.add(new InetSocketAddress("127.0.0.1", p));
    }
    TcpFront front = keep(TcpFront.start(frontSystem, nodeAddresses, 0));
    XdsClients.bootstrap(dir.resolve("bootstrap.json"), front.port(), "proxyless~10.0.0.9~chaos.default~default.svc",
        "default");
    ManagedChannel channel = XdsClients.channel(TARGET);
    closer.keep(() -> XdsClients.shutdown(channel));
    awaitConverged(channel, Set.copyOf(truth), "initial");

    // Calls keep running through both kills; every one must succeed (backends never die).
    AtomicBoolean calling = new AtomicBoolean(true);
    AtomicInteger calls = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicReference<Thread> callerThread = new java.util.concurrent.atomic.AtomicReference<>();
    ExecutorService caller = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "chaos-caller");
      callerThread.set(t);
      return t;
    });
    closer.keep(caller::shutdownNow);
    caller.submit(() -> {
      while (calling.get()) {
        try {
          Greeters.call(channel);
          calls.incrementAndGet();
        } catch (RuntimeException e) {
          failures.add(e.toString());
        }
      }
    });

    Random random = new Random(42);
    // First an ordinary node: the one serving the client if that is not the oldest.
    int serving = servingNode(nodes[2]);
    int victim = serving == 0 ? 1 : serving;
    System.out.printf("[chaos] client served by node-%d; killing node-%d%n", serving, victim);
    Timeline first = new Timeline(survivors(nodes, victim), "node-" + victim, address(remotingPorts, victim),
        serving == victim);
    truth = churnThroughKill(kube, greeters.port(), random, () -> {
      first.killed();
      nodes[victim].kill9();
    }, "kill -9 node-" + victim + " (ordinary)");
    awaitConverged(channel, Set.copyOf(truth), "after killing node-" + victim);
    first.report();

    nodes[victim] = closer.keepKilled(startNode(dir, victim, xdsPorts, adminPorts, remotingPorts, seed, cassandra, kubeconfig, 2));
    int servingBeforeSecond = servingNode(nodes[2]);
    System.out.printf("[chaos] client served by node-%d; killing node-0 (oldest)%n", servingBeforeSecond);
    Timeline second = new Timeline(survivors(nodes, 0), "node-0", address(remotingPorts, 0),
        servingBeforeSecond == 0);
    truth = churnThroughKill(kube, greeters.port(), random, () -> {
      second.killed();
      nodes[0].kill9();
    }, "kill -9 node-0 (oldest: shard coordinator)");
    awaitConverged(channel, Set.copyOf(truth), "after killing node-0");
    second.report();

    calling.set(false);
    caller.shutdown();
    // Each call has a 5 s deadline: a caller still busy after 10 s is stuck; say where.
    assertThat(caller.awaitTermination(10, TimeUnit.SECONDS))
        .as(() -> "the caller stopped within 10 s; it is at " + java.util.Arrays.toString(
            callerThread.get().getStackTrace()).replace(", ", "\n  "))
        .isTrue();
    System.out.printf("[chaos] %d RPCs completed, %d failed%n", calls.get(), failures.size());
    assertThat(failures).as("failed RPCs").isEmpty();
    assertThat(calls.get()).isPositive();
  }

  private ControlPlaneProcess startNode(Path dir, int i, int[] xds, int[] admin, int[] remoting, String seed,
      CassandraSpace cassandra, Path kubeconfig, int incarnation) {
    List<String> flags = new ArrayList<>(cassandra.runFlags());
    flags.addAll(List.of("--kubeconfig", kubeconfig.toString(), "--remoting-port", String.valueOf(remoting[i]),
        "--seed-node", seed, "--node-name", "node-" + i));
    return ControlPlaneProcess.start(dir.resolve("node-" + i + "-" + incarnation + ".log"), xds[i], admin[i],
        cassandra.jvmOptions(), flags);
  }

  /** Changes endpoints every 200 ms (20 changes), kills a node after the fifth, returns the final truth. */
  private static List<String> churnThroughKill(MockCluster kube, int port, Random random, Runnable kill,
      String what) throws InterruptedException {
    List<List<String>> plan = new ArrayList<>();
    for (int step = 0; step < 20; step++) {
      List<String> next = new ArrayList<>();
      for (String b : BACKENDS) {
        if (random.nextBoolean()) {
          next.add(b);
        }
      }
      if (next.isEmpty()) {
        next.add(BACKENDS.get(random.nextInt(BACKENDS.size())));
      }
      plan.add(next);
    }
    AtomicInteger step = new AtomicInteger();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ScheduledExecutorService churn = Executors.newSingleThreadScheduledExecutor();
    churn.scheduleAtFixedRate(() -> {
      int i = step.getAndIncrement();
      if (i >= plan.size()) {
        done.countDown();
        return;
      }
      if (i == 5) {
        long t0 = System.nanoTime();
        kill.run();
        System.out.printf("[chaos] %s took %d ms%n", what, (System.nanoTime() - t0) / 1_000_000);
      }
      kube.endpoints("default", "greeter", port, plan.get(i));
    }, 0, 200, TimeUnit.MILLISECONDS);
    try {
      assertThat(done.await(90, TimeUnit.SECONDS)).as("churn finished").isTrue();
    } finally {
      churn.shutdownNow();
    }
    return plan.get(plan.size() - 1);
  }

  private static void awaitConverged(ManagedChannel channel, Set<String> truth, String when) {
    long t0 = System.nanoTime();
    Awaitility.await("client converged to " + truth + " " + when).atMost(Duration.ofSeconds(60))
        .ignoreExceptions().until(() -> {
          Set<String> seen = new HashSet<>();
          for (int i = 0; i < 20; i++) {
            seen.add(Greeters.call(channel));
          }
          return seen.equals(truth);
        });
    System.out.printf("[chaos] %s: converged to %s in %d ms%n", when, truth, (System.nanoTime() - t0) / 1_000_000);
  }

  static final String PROXY = "proxyless~10.0.0.9~chaos.default~default.svc";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The nodes other than {@code victim}, the first of them the one the timeline asks about the cluster. */
  private static List<ControlPlaneProcess> survivors(ControlPlaneProcess[] nodes, int victim) {
    List<ControlPlaneProcess> out = new ArrayList<>();
    for (int i = nodes.length - 1; i >= 0; i--) {
      if (i != victim) {
        out.add(nodes[i]);
      }
    }
    return out;
  }

  private static String address(int[] remotingPorts, int node) {
    return "pekko://meshplane@127.0.0.1:" + remotingPorts[node];
  }

  /** Which node serves the chaos client, asked of {@code any} node. */
  private static int servingNode(ControlPlaneProcess any) {
    String[] holder = new String[1];
    Awaitility.await("the client's serving node").atMost(Duration.ofSeconds(30)).until(() -> {
      String status = any.admin("/debug/proxies/" + PROXY).replaceAll("\\s", "");
      int at = status.indexOf("\"servingNode\":\"node-");
      if (at < 0 || !status.contains("\"connected\":true")) {
        return false;
      }
      holder[0] = status.substring(at + 20, at + 21);
      return true;
    });
    return Integer.parseInt(holder[0]);
  }

  /**
   * Watches the survivors after a kill and prints the failover timeline: when the killed node is
   * unreachable, downed and removed in the survivors' view, when the client's new stream (if it was
   * on the killed node) got its first answer from a survivor, when a survivor first pushed a service
   * change or the reconnected client's state, when the member cluster's watch answers with its listing done, and when the proxy's
   * status (its sharded Proxy entity) reports it on a live node.
   */
  private static final class Timeline {
    private static final String FIRST_ANSWERS = "meshplane_xds_first_answer_seconds_count";
    private static final String PUSHES = "meshplane_xds_pushes_total";

    private final List<ControlPlaneProcess> survivors;
    private final String killed;
    private final String killedAddress;
    private final boolean clientOnKilled;
    private final ScheduledExecutorService poller = Executors.newScheduledThreadPool(5);
    private volatile long killedAt;
    private volatile double answersBefore;
    private volatile double pushesBefore;
    private volatile long unreachableAt;
    private volatile long downAt;
    private volatile long removedAt;
    private volatile long clientAnsweredAt;
    private volatile long freshPushAt;
    private volatile long proxyBackAt;
    private volatile long watchBackAt;

    Timeline(List<ControlPlaneProcess> survivors, String killed, String killedAddress, boolean clientOnKilled) {
      this.survivors = List.copyOf(survivors);
      this.killed = killed;
      this.killedAddress = killedAddress;
      this.clientOnKilled = clientOnKilled;
    }

    void killed() {
      answersBefore = sum(FIRST_ANSWERS, "");
      pushesBefore = sum(PUSHES, "");
      killedAt = System.nanoTime();
      startPolling();
    }

    /** Sum over the survivors of a metric's samples whose labels contain {@code labels}. */
    private double sum(String metric, String labels) {
      double total = 0;
      for (ControlPlaneProcess node : survivors) {
        for (String line : node.admin("/metrics").split("\n")) {
          if ((line.startsWith(metric + "{") || line.startsWith(metric + " ")) && line.contains(labels)) {
            total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
      }
      return total;
    }

    /** One poller per question, so that a slow answer to one (say, a shard still moving) delays no other. */
    private void poll(Runnable check) {
      poller.scheduleWithFixedDelay(() -> {
        try {
          check.run();
        } catch (RuntimeException e) {
          // The survivor may be busy taking over; the next poll tells.
        }
      }, 20, 50, TimeUnit.MILLISECONDS);
    }

    private void startPolling() {
      poll(() -> {
        if (removedAt != 0) {
          return;
        }
        JsonNode member = null;
        try {
          for (JsonNode m : JSON.readTree(survivors.get(0).admin("/debug/members")).path("members")) {
            if (m.path("address").asText().equals(killedAddress)) {
              member = m;
            }
          }
        } catch (IOException e) {
          return;
        }
        long now = System.nanoTime();
        if (unreachableAt == 0 && (member == null || !member.path("reachable").asBoolean(true))) {
          unreachableAt = now;
        }
        if (downAt == 0 && (member == null || member.path("status").asText().equalsIgnoreCase("down"))) {
          downAt = now;
        }
        if (member == null) {
          removedAt = now;
        }
      });
      if (clientOnKilled) {
        poll(() -> {
          if (clientAnsweredAt == 0 && sum(FIRST_ANSWERS, "") > answersBefore) {
            clientAnsweredAt = System.nanoTime();
          }
        });
      }
      poll(() -> {
        if (freshPushAt == 0 && sum(PUSHES, "") > pushesBefore) {
          freshPushAt = System.nanoTime();
        }
      });
      poll(() -> {
        if (proxyBackAt == 0) {
          String p = survivors.get(0).admin("/debug/proxies/" + PROXY).replaceAll("\\s", "");
          if (p.contains("\"connected\":true") && !p.contains("\"servingNode\":\"" + killed + "\"")) {
            proxyBackAt = System.nanoTime();
          }
        }
      });
      poll(() -> {
        if (watchBackAt == 0) {
          String c = survivors.get(0).admin("/debug/clusters").replaceAll("\\s", "");
          if (c.contains("\"synced\":true") && !c.contains("noanswer")) {
            watchBackAt = System.nanoTime();
          }
        }
      });
    }

    private boolean complete() {
      return removedAt != 0 && freshPushAt != 0 && proxyBackAt != 0 && watchBackAt != 0
          && (!clientOnKilled || clientAnsweredAt != 0);
    }

    private String ms(long at) {
      return at == 0 ? "not seen" : (at - killedAt) / 1_000_000 + " ms";
    }

    /** Prints the timeline once complete, or as far as it got when that takes over 60 s (then fails). */
    void report() {
      try {
        Awaitility.await("failover timeline complete").atMost(Duration.ofSeconds(60)).until(this::complete);
      } finally {
        poller.shutdownNow();
        print();
      }
    }

    private void print() {
      System.out.printf("[chaos] failover timeline after kill -9 %s:%n"
              + "[chaos]   detection: unreachable to the survivors  %s%n"
              + "[chaos]   downed (split brain resolver)           %s%n"
              + "[chaos]   removed: its shards move                %s%n"
              + "[chaos]   client reconnected, answered by a survivor %s%n"
              + "[chaos]   first push by a survivor (a change, or the reconnected client's state) %s%n"
              + "[chaos]   cluster watch answering, listing done   %s%n"
              + "[chaos]   proxy status (Proxy entity) reports the client on a live node %s%n",
          killed, ms(unreachableAt), ms(downAt), ms(removedAt),
          clientOnKilled ? ms(clientAnsweredAt) : "(the client was on a survivor)", ms(freshPushAt),
          ms(watchBackAt), ms(proxyBackAt));
    }
  }
}
