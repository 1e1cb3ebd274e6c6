package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.meshplane.model.Endpoint;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.service.ServiceEntity;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.Blackhole;
import io.meshplane.testing.Closer;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.Ports;
import io.meshplane.testing.ServiceStates;
import io.meshplane.testing.TestDirs;
import io.meshplane.testing.Timeline;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Shard moves after a node crash, in one JVM: three control-plane nodes form one Pekko cluster
 * over real Artery TCP, share one real Cassandra and watch one simulated member cluster with
 * {@value #SERVICES} services. The crash is imitated with Artery's test-mode blackhole: every
 * message between the victim and each survivor is dropped, both directions, on both sides. The
 * survivors must down the victim (keep-majority); the victim's Service entities must answer from a
 * survivor with the state they had persisted; the ClusterWatch must run on a survivor and apply an
 * endpoint change made after the crash; no change may be lost or applied twice (service versions
 * grow by exactly the number of changes, endpoints equal the API server's). Once with an ordinary
 * victim, once with the oldest node, which hosts the shard coordinators and, as the first node to
 * tick, the ClusterWatch. Prints each failover's timeline.
 *
 * <p>What a blackhole does not imitate: the victim keeps running, and still reaches Cassandra and
 * the API server, until its own Split Brain Resolver downs it (it is the minority) and its actor
 * system terminates. The change "after the crash" is made once that has happened, so that only a
 * survivor can apply it. {@link ChaosIT} kills real processes.
 */
class ShardFailoverIT {

  static final int SERVICES = 12;
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(1);

  static Path dir;
  static CassandraSpace cassandra;

  private final Closer closer = new Closer();

  @BeforeAll
  static void useSharedCassandra() {
    dir = TestDirs.fresh("shard-failover");
    cassandra = CassandraSpace.of(ShardFailoverIT.class);
  }

  @AfterEach
  void stop() {
    closer.close();
  }

  @Test
  void services_of_a_crashed_node_answer_from_survivors_with_their_state_and_take_new_changes() throws Exception {
    failover("ordinary", false);
  }

  @Test
  void the_cluster_watch_and_services_of_the_crashed_oldest_node_resume_on_survivors() throws Exception {
    failover("oldest", true);
  }

  /** One failover: each scenario has its own member cluster id and namespace, so nothing is shared in Cassandra. */
  private void failover(String scenario, boolean oldestIsVictim) throws Exception {
    String clusterId = "failover-" + scenario;
    String namespace = "ns-" + scenario;
    MockCluster kube = closer.keep(MockCluster.start(0));
    kube.namespace(namespace);
    Path kubeconfig = kube.writeKubeconfig(dir.resolve(scenario + "-kubeconfig"));
    List<ControlPlaneNode> nodes = startNodes(scenario, clusterId, kubeconfig);
    // Services appear once all three nodes are members, so that their shards spread over all three.
    Map<String, Set<String>> truth = writeServices(kube, namespace);
    ActorSystem<Void> first = nodes.get(0).system();
    Awaitility.await("every service written and the watch idle").atMost(Duration.ofSeconds(60))
        .ignoreExceptions().until(() -> addressesOf(states(first, truth.keySet())).equals(truth)
            && idle(watchStatus(first, clusterId), SERVICES) && hubsHold(nodes, states(first, truth.keySet())));

    Map<Integer, Set<String>> services = new TreeMap<>();
    int watchOn = -1;
    for (int i = 0; i < 3; i++) {
      services.put(i, new TreeSet<>(localEntities(nodes.get(i).system(), ServiceEntity.ENTITY_KEY)));
      if (localEntities(nodes.get(i).system(), ClusterWatch.ENTITY_KEY).contains(clusterId)) {
        watchOn = i;
      }
    }
    assertThat(services.values().stream().mapToInt(Set::size).sum()).as("services running, by node: " + services)
        .isEqualTo(SERVICES);
    assertThat(watchOn).as("the node running the ClusterWatch").isNotNegative();
    int oldestNode = oldest(nodes);
    int victim = oldestIsVictim ? oldestNode : chooseOrdinaryVictim(services, watchOn, oldestNode);
    Set<String> moved = services.get(victim);
    assertThat(moved).as("Service entities on the victim node-" + victim + " (by node: " + services + ")")
        .isNotEmpty();
    List<Integer> survivors = IntStream.range(0, 3).filter(i -> i != victim).boxed().toList();
    ActorSystem<Void> survivor = nodes.get(survivors.get(0)).system();
    ActorSystem<Void> victimSystem = nodes.get(victim).system();
    Address victimAddress = Blackhole.address(victimSystem);
    Map<String, ServiceState> before = states(survivor, truth.keySet());
    System.out.printf("[failover %s] services by node %s, ClusterWatch on node-%d, oldest node-%d; crashing node-%d"
        + " (%d services%s)%n", scenario, services, watchOn, oldestNode, victim, moved.size(),
        watchOn == victim ? ", the ClusterWatch" : "");

    Timeline timeline = closer.keep(new Timeline());
    for (int s : survivors) {
      Blackhole.cut(nodes.get(s).system(), victimSystem);
    }
    timeline.mark("blackhole: Artery between the victim and both survivors, both ways");
    victimSystem.getWhenTerminated().thenRun(() ->
        timeline.mark("victim downed itself (minority) and its actor system terminated"));
    timeline.step("victim unreachable on both survivors", null, () -> survivors.stream().allMatch(s ->
        Cluster.get(nodes.get(s).system()).state().getUnreachable().stream()
            .anyMatch(m -> m.address().equals(victimAddress))));
    timeline.step("victim downed by the survivors", "victim unreachable on both survivors", () -> survivors.stream()
        .allMatch(s -> member(nodes.get(s).system(), victimAddress)
            .map(m -> m.status() == MemberStatus.down()).orElse(true)));
    timeline.step("victim removed on both survivors", "victim downed by the survivors", () -> survivors.stream()
        .allMatch(s -> member(nodes.get(s).system(), victimAddress).isEmpty()));
    String answering = "the victim's " + moved.size() + " services answer from a survivor with their persisted state";
    timeline.step(answering, "victim removed on both survivors", () -> {
      Map<String, ServiceState> now = states(survivor, moved);
      return moved.stream().allMatch(h -> now.get(h) != null && content(before.get(h)).equals(content(now.get(h))));
    });
    String watching = watchOn == victim ? "ClusterWatch running again on a survivor"
        : "ClusterWatch still on node-" + watchOn + " (it did not move)";
    timeline.step(watching, "victim removed on both survivors", () -> survivors.stream()
        .anyMatch(s -> localEntities(nodes.get(s).system(), ClusterWatch.ENTITY_KEY).contains(clusterId)));
    Duration failoverDeadline = Duration.ofSeconds(60);
    timeline.await(answering, failoverDeadline);
    timeline.await(watching, failoverDeadline);
    Awaitility.await("victim actor system terminated").atMost(failoverDeadline)
        .until(() -> victimSystem.getWhenTerminated().toCompletableFuture().isDone());

    // The change after the crash: one more endpoint for a service that lived on the victim.
    String changed = moved.iterator().next();
    String changedName = changed.substring(0, changed.indexOf('.'));
    Set<String> next = new TreeSet<>(truth.get(changed));
    next.add("10.0.99.1");
    truth.put(changed, next);
    kube.endpoints(namespace, changedName, 8080, List.copyOf(next));
    timeline.mark("endpoint change made on the API server: " + changedName + " + 10.0.99.1");
    String visible = "change applied by the Service entity and in both survivors' push hubs";
    timeline.step(visible, null, () -> {
      ServiceState s = states(survivor, Set.of(changed)).get(changed);
      return s != null && addresses(s).equals(next)
          && survivors.stream().allMatch(i -> hubAddresses(nodes.get(i), changed).equals(next));
    });
    timeline.await(visible, failoverDeadline);
    Awaitility.await("ClusterWatch idle again").atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> idle(watchStatus(survivor, clusterId), SERVICES));
    timeline.print("[failover " + scenario + ", victim node-" + victim + "]");

    // Nothing lost, nothing applied twice: one version more for the changed service, the same state for the others.
    Map<String, ServiceState> after = states(survivor, truth.keySet());
    assertThat(addressesOf(after)).as("endpoints after the failover").isEqualTo(truth);
    Map<String, Long> expectedVersions = new TreeMap<>();
    before.forEach((h, s) -> expectedVersions.put(h, s.version() + (h.equals(changed) ? 1 : 0)));
    Map<String, Long> versions = new TreeMap<>();
    after.forEach((h, s) -> versions.put(h, s.version()));
    assertThat(versions).as("service versions after the failover: as before it, plus one for " + changed)
        .isEqualTo(expectedVersions);
    for (String host : truth.keySet()) {
      if (!host.equals(changed)) {
        // The write fences move on (a restarted watch re-sends its shares under a new epoch); the content may not.
        assertThat(content(after.get(host))).as("state of " + host).isEqualTo(content(before.get(host)));
      }
    }
    for (int s : survivors) {
      JsonNode hub = hubServices(nodes.get(s));
      for (String host : truth.keySet()) {
        assertThat(hub.path(host).path("version").asLong()).as("push hub version of " + host + " on node-" + s)
            .isEqualTo(after.get(host).version());
      }
    }
    Set<String> hostedBySurvivors = new TreeSet<>();
    survivors.forEach(s -> hostedBySurvivors.addAll(localEntities(nodes.get(s).system(), ServiceEntity.ENTITY_KEY)));
    assertThat(hostedBySurvivors).as("Service entities on the survivors").containsAll(moved);
    assertThat(survivors).as("survivors running the ClusterWatch").anyMatch(s ->
        localEntities(nodes.get(s).system(), ClusterWatch.ENTITY_KEY).contains(clusterId));
    for (int s : survivors) {
      assertThat(members(nodes.get(s).system())).as("members seen by node-" + s)
          .hasSize(2).allMatch(m -> m.status() == MemberStatus.up() && !m.address().equals(victimAddress));
    }
  }

  /** Three nodes with Artery test mode, once all are Up members of one cluster. */
  private List<ControlPlaneNode> startNodes(String scenario, String clusterId, Path kubeconfig) {
    int seedPort = Ports.free();
    List<String> seeds = List.of("pekko://meshplane@127.0.0.1:" + seedPort);
    List<ControlPlaneNode> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(closer.keep(InProcessNode.start(cassandra, kubeconfig, i == 0 ? seedPort : 0, seeds,
          ConfigFactory.parseMap(Map.of("meshplane.cluster-id", clusterId,
                  "meshplane.node-name", scenario + "-node-" + i, "meshplane.push.refresh", "2s"))
              .withFallback(Blackhole.TEST_MODE))));
    }
    Awaitility.await("3 members up").atMost(Duration.ofSeconds(60)).until(() -> nodes.stream()
        .allMatch(n -> members(n.system()).stream().filter(m -> m.status() == MemberStatus.up()).count() == 3));
    return nodes;
  }

  /** {@value #SERVICES} services with two endpoints each; returns the addresses by hostname. */
  private static Map<String, Set<String>> writeServices(MockCluster kube, String namespace) {
    Map<String, Set<String>> truth = new TreeMap<>();
    for (int k = 0; k < SERVICES; k++) {
      String name = "svc-" + k;
      List<String> addresses = List.of("10.0." + k + ".1", "10.0." + k + ".2");
      kube.service(namespace, name, 8080, 8080);
      kube.endpoints(namespace, name, 8080, addresses);
      truth.put(ServiceSpec.hostname(name, namespace), new TreeSet<>(addresses));
    }
    return truth;
  }

  /** A node other than the oldest, preferably the one running the ClusterWatch, else the one with most services. */
  private static int chooseOrdinaryVictim(Map<Integer, Set<String>> services, int watchOn, int oldest) {
    if (watchOn != oldest && !services.get(watchOn).isEmpty()) {
      return watchOn;
    }
    return services.keySet().stream().filter(i -> i != oldest)
        .max(Comparator.comparingInt(i -> services.get(i).size())).orElseThrow();
  }

  private static int oldest(List<ControlPlaneNode> nodes) {
    Member oldest = members(nodes.get(0).system()).stream()
        .reduce((a, b) -> a.isOlderThan(b) ? a : b).orElseThrow();
    for (int i = 0; i < nodes.size(); i++) {
      if (Blackhole.address(nodes.get(i).system()).equals(oldest.address())) {
        return i;
      }
    }
    throw new IllegalStateException("the oldest member " + oldest + " is none of the nodes");
  }

  private static Optional<Member> member(ActorSystem<?> system, Address address) {
    return members(system).stream().filter(m -> m.address().equals(address)).findFirst();
  }

  private static List<Member> members(ActorSystem<?> system) {
    List<Member> out = new ArrayList<>();
    Cluster.get(system).state().getMembers().forEach(out::add);
    return out;
  }

  /** Ids of the entities of this type running on this node, asked of its own shard region (starts none). */
  private static Set<String> localEntities(ActorSystem<?> system, EntityTypeKey<?> key) {
    ShardRegion.CurrentShardRegionState state = AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(), replyTo -> new GetShardRegionState(key, replyTo),
            Duration.ofSeconds(3), system.scheduler())
        .toCompletableFuture().join();
    return state.getShards().stream().flatMap(s -> s.getEntityIds().stream()).collect(Collectors.toSet());
  }

  /** What a service is: its version and its clusters' shares, without the entity's write fences. */
  private static ServiceState content(ServiceState state) {
    return new ServiceState(state.hostname(), state.version(), state.clusters());
  }

  /** The current state of these services, asked of their entities through {@code via}; missing if one did not answer. */
  private static Map<String, ServiceState> states(ActorSystem<?> via, Set<String> hostnames) {
    return ServiceStates.of(via, hostnames, ASK_TIMEOUT);
  }

  private static ClusterWatch.Status watchStatus(ActorSystem<?> via, String clusterId) {
    return ClusterSharding.get(via).entityRefFor(ClusterWatch.ENTITY_KEY, clusterId)
        .<ClusterWatch.Status>ask(ClusterWatch.GetStatus::new, ASK_TIMEOUT).toCompletableFuture().join();
  }

  private static boolean idle(ClusterWatch.Status status, int services) {
    return status.synced() && status.pending() == 0 && status.services() == services;
  }

  private static Set<String> addresses(ServiceState state) {
    return state.endpoints().stream().map(Endpoint::address).collect(Collectors.toCollection(TreeSet::new));
  }

  private static Map<String, Set<String>> addressesOf(Map<String, ServiceState> states) {
    Map<String, Set<String>> out = new TreeMap<>();
    states.forEach((h, s) -> out.put(h, addresses(s)));
    return out;
  }

  /** This node's push hub view of every service ({@code /debug/services}). */
  /**
   * Whether every node's push hub holds every service at its entity's version. A change published
   * before a node's topic subscription had reached the publisher is missed by that node until its
   * next refresh (2 s here).
   */
  private static boolean hubsHold(List<ControlPlaneNode> nodes, Map<String, ServiceState> states) throws Exception {
    for (ControlPlaneNode node : nodes) {
      JsonNode hub = hubServices(node);
      for (ServiceState s : states.values()) {
        if (hub.path(s.hostname()).path("version").asLong() != s.version()) {
          return false;
        }
      }
    }
    return true;
  }

  private static JsonNode hubServices(ControlPlaneNode node) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.adminPort() + "/debug/services")).timeout(Duration.ofSeconds(5))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    return new ObjectMapper().readTree(body);
  }

  private static Set<String> hubAddresses(ControlPlaneNode node, String hostname) {
    try {
      Set<String> out = new TreeSet<>();
      // Each endpoint is rendered as "<address> <cluster id>".
      hubServices(node).path(hostname).path("endpoints").forEach(e -> out.add(e.asText().split(" ")[0]));
      return out;
    } catch (Exception e) {
      return Set.of();
    }
  }
}
