package io.meshplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshplane.node.ControlPlaneNode;
import io.meshplane.registry.kube.KubeTranslator;
import io.meshplane.testing.CassandraSpace;
import io.meshplane.testing.AdsClient;
import io.meshplane.testing.InProcessNode;
import io.meshplane.testing.MockCluster;
import io.meshplane.testing.TestDirs;
import io.meshplane.xds.generator.ResourceNames;
import io.meshplane.xds.generator.TypeUrls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * exportTo end to end, with a real Cassandra, an in-process node and a fabric8 mock cluster:
 * {@code team-b/vault} is exported to its own namespace only ({@code .}), {@code team-b/api} and
 * {@code team-a/web} to everyone. A proxy of team-a never receives anything of vault, not even its
 * name, in SotW or delta, even when it asks for it by name; a proxy of team-b does. Every response
 * the team-a proxies receive is kept and checked, so a leak in any of them fails the test. The
 * tests run in order: the second changes the services the first expects.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportToIT {

  static final int PORT = 8080;
  static final String VAULT = "vault.team-b.svc.cluster.local";
  static final String API = "api.team-b.svc.cluster.local";
  static final String WEB = "web.team-a.svc.cluster.local";
  static final String VAULT_IP = "10.20.0.1";
  static final String VAULT_IP_2 = "10.20.0.2";
  static final String VAULT_IP_3 = "10.20.0.3";

  static CassandraSpace cassandra;
  static MockCluster kube;
  static ControlPlaneNode node;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    Path dir = TestDirs.fresh("export-to");
    cassandra = CassandraSpace.of(ExportToIT.class);
    kube = MockCluster.start(0);
    kube.namespace("team-a");
    kube.namespace("team-b");
    service("team-b", "vault", ".");
    service("team-b", "api", null);
    service("team-a", "web", null);
    kube.endpoints("team-b", "vault", PORT, List.of(VAULT_IP));
    kube.endpoints("team-b", "api", PORT, List.of("10.21.0.1"));
    kube.endpoints("team-a", "web", PORT, List.of("10.10.0.1"));
    node = InProcessNode.start(cassandra, kube.writeKubeconfig(dir.resolve("kubeconfig")));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", node.xdsPort()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : new AutoCloseable[] {node, kube}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + c + ": " + e);
      }
    }
  }

  static void service(String namespace, String name, String exportTo) {
    ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewSpec().addNewPort().withName("grpc").withPort(PORT).withNewTargetPort(PORT).withProtocol("TCP")
        .endPort().endSpec();
    if (exportTo != null) {
      b.editMetadata().addToAnnotations(KubeTranslator.EXPORT_TO_ANNOTATION, exportTo).endMetadata();
    }
    kube.client().services().inNamespace(namespace).resource(b.build()).createOr(r -> r.update());
  }

  static Node proxy(String id, String namespace) {
    return Node.newBuilder().setId(id).setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build())
        .putFields("PROXY_KIND", Value.newBuilder().setStringValue("sidecar").build())).build();
  }

  static String cds(String host) {
    return ResourceNames.cluster(host, PORT);
  }

  static String eds(String host) {
    return ResourceNames.clusterLoadAssignment(host, PORT);
  }

  static List<String> clusterNames(DiscoveryResponse r) throws Exception {
    List<String> out = new ArrayList<>();
    for (Any any : r.getResourcesList()) {
      out.add(any.unpack(Cluster.class).getName());
    }
    return out;
  }

  static List<String> edsAddresses(DiscoveryResponse r, String name) throws Exception {
    List<String> out = new ArrayList<>();
    for (Any any : r.getResourcesList()) {
      ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
      if (cla.getClusterName().equals(name)) {
        cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
            out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
      }
    }
    return out;
  }

  static DiscoveryRequest ack(DiscoveryResponse r, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setVersionInfo(r.getVersionInfo())
        .setResponseNonce(r.getNonce()).addAllResourceNames(List.of(names)).build();
  }

  static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse r) {
    return DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build();
  }

  /** The next SotW response of {@code type} that satisfies {@code until}, acknowledging each; all kept. */
  static DiscoveryResponse nextSotw(AdsClient<DiscoveryRequest, DiscoveryResponse> c, String type,
      List<DiscoveryResponse> kept, Predicate<DiscoveryResponse> until, String... names) {
    while (true) {
      DiscoveryResponse r = c.next();
      kept.add(r);
      c.send(ack(r, r.getTypeUrl().equals(type) ? names : new String[0]));
      if (r.getTypeUrl().equals(type) && until.test(r)) {
        return r;
      }
    }
  }

  static DeltaDiscoveryResponse nextDelta(AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> c, String type,
      List<DeltaDiscoveryResponse> kept) {
    while (true) {
      DeltaDiscoveryResponse r = c.next();
      kept.add(r);
      c.send(ack(r));
      if (r.getTypeUrl().equals(type)) {
        return r;
      }
    }
  }

  static boolean contains(DiscoveryResponse r, String host) throws Exception {
    return r.getTypeUrl().equals(TypeUrls.CLUSTER) && clusterNames(r).contains(cds(host));
  }

  /** Everything a response carries, names included, as text: no trace of vault may be in it. */
  static String text(com.google.protobuf.MessageOrBuilder m) {
    return m.toString();
  }

  @Test
  @Order(1)
  void a_private_service_reaches_its_own_namespace_and_never_another_in_sotw() throws Exception {
    try (AdsClient<DiscoveryRequest, DiscoveryResponse> b = AdsClient.sotw(channel);
        AdsClient<DiscoveryRequest, DiscoveryResponse> a = AdsClient.sotw(channel)) {
      // team-b's proxy sees vault in CDS and its endpoints in EDS.
      List<DiscoveryResponse> bSeen = new ArrayList<>();
      b.send(DiscoveryRequest.newBuilder().setNode(proxy("sidecar~10.0.0.2~b.team-b~team-b.svc", "team-b"))
          .setTypeUrl(TypeUrls.CLUSTER).build());
      nextSotw(b, TypeUrls.CLUSTER, bSeen, r -> {
        try {
          return contains(r, VAULT) && contains(r, API) && contains(r, WEB);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      b.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNames(eds(VAULT))
          .build());
      // Its first answer may come before vault's endpoints are known: wait for them.
      DiscoveryResponse bEds = nextSotw(b, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, bSeen, r -> {
        try {
          return !edsAddresses(r, eds(VAULT)).isEmpty();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, eds(VAULT));
      assertThat(edsAddresses(bEds, eds(VAULT))).containsExactly(VAULT_IP);

      // team-a's proxy: the same catalog without vault, whatever it asks for.
      List<DiscoveryResponse> aSeen = new ArrayList<>();
      a.send(DiscoveryRequest.newBuilder().setNode(proxy("sidecar~10.0.0.1~a.team-a~team-a.svc", "team-a"))
          .setTypeUrl(TypeUrls.CLUSTER).build());
      DiscoveryResponse aCds = nextSotw(a, TypeUrls.CLUSTER, aSeen, r -> true);
      assertThat(clusterNames(aCds)).contains(cds(API), cds(WEB)).doesNotContain(cds(VAULT));
      a.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.LISTENER).build());
      nextSotw(a, TypeUrls.LISTENER, aSeen, r -> true);
      a.send(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNames(eds(VAULT)).addResourceNames(eds(WEB)).build());
      DiscoveryResponse aEds = nextSotw(a, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, aSeen, r -> {
        try {
          return !edsAddresses(r, eds(WEB)).isEmpty();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, eds(VAULT), eds(WEB));
      assertThat(edsAddresses(aEds, eds(WEB))).containsExactly("10.10.0.1");
      assertThat(edsAddresses(aEds, eds(VAULT))).isEmpty();

      // vault changes (team-b is told), then web changes: team-a hears of web only.
      kube.endpoints("team-b", "vault", PORT, List.of(VAULT_IP_2));
      nextSotw(b, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, bSeen, r -> {
        try {
          return edsAddresses(r, eds(VAULT)).equals(List.of(VAULT_IP_2));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, eds(VAULT));
      kube.endpoints("team-a", "web", PORT, List.of("10.10.0.2"));
      nextSotw(a, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, aSeen, r -> {
        try {
          return edsAddresses(r, eds(WEB)).equals(List.of("10.10.0.2"));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }, eds(VAULT), eds(WEB));

      assertThat(aSeen).hasSizeGreaterThanOrEqualTo(4)
          .allSatisfy(r -> assertThat(text(r)).doesNotContain("vault").doesNotContain(VAULT_IP)
              .doesNotContain(VAULT_IP_2));
    }
  }

  @Test
  @Order(2)
  void a_private_service_asked_for_by_name_in_delta_is_answered_as_if_it_did_not_exist() throws Exception {
    try (AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> b = AdsClient.delta(channel);
        AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> a = AdsClient.delta(channel)) {
      List<DeltaDiscoveryResponse> bSeen = new ArrayList<>();
      b.send(DeltaDiscoveryRequest.newBuilder().setNode(proxy("sidecar~10.0.0.4~b2.team-b~team-b.svc", "team-b"))
          .setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT).addResourceNamesSubscribe(eds(VAULT)).build());
      DeltaDiscoveryResponse bEds = nextDelta(b, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, bSeen);
      assertThat(bEds.getResourcesList()).extracting(Resource::getName).containsExactly(eds(VAULT));

      List<DeltaDiscoveryResponse> aSeen = new ArrayList<>();
      // Wildcard CDS plus vault's cluster by name.
      a.send(DeltaDiscoveryRequest.newBuilder().setNode(proxy("sidecar~10.0.0.3~a2.team-a~team-a.svc", "team-a"))
          .setTypeUrl(TypeUrls.CLUSTER).addResourceNamesSubscribe("*").addResourceNamesSubscribe(cds(VAULT)).build());
      DeltaDiscoveryResponse aCds = nextDelta(a, TypeUrls.CLUSTER, aSeen);
      assertThat(aCds.getResourcesList()).extracting(Resource::getName).contains(cds(API), cds(WEB))
          .doesNotContain(cds(VAULT));
      a.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER_LOAD_ASSIGNMENT)
          .addResourceNamesSubscribe(eds(VAULT)).build());
      DeltaDiscoveryResponse aEds = nextDelta(a, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, aSeen);
      assertThat(aEds.getResourcesList()).isEmpty();
      assertThat(aEds.getRemovedResourcesList()).containsExactly(eds(VAULT));

      // A change of vault reaches team-b and nothing of it reaches team-a.
      kube.endpoints("team-b", "vault", PORT, List.of(VAULT_IP_3));
      DeltaDiscoveryResponse bChange = nextDelta(b, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, bSeen);
      while (!text(bChange).contains(VAULT_IP_3)) {
        bChange = nextDelta(b, TypeUrls.CLUSTER_LOAD_ASSIGNMENT, bSeen);
      }
      // api turns private at run time: team-a's wildcard CDS loses it (a barrier for the above, too).
      service("team-b", "api", ".");
      DeltaDiscoveryResponse removal = nextDelta(a, TypeUrls.CLUSTER, aSeen);
      while (removal.getRemovedResourcesList().isEmpty()) {
        removal = nextDelta(a, TypeUrls.CLUSTER, aSeen);
      }
      assertThat(removal.getRemovedResourcesList()).containsExactly(cds(API));

      assertThat(aSeen).allSatisfy(r -> {
        assertThat(r.getResourcesList()).allSatisfy(res -> assertThat(text(res)).doesNotContain("vault")
            .doesNotContain(VAULT_IP).doesNotContain(VAULT_IP_2).doesNotContain(VAULT_IP_3));
        // The only trace of vault is the name the proxy itself asked for, answered as unknown.
        assertThat(r.getRemovedResourcesList()).allSatisfy(name -> assertThat(name).satisfiesAnyOf(
            n -> assertThat(n).doesNotContain("vault"), n -> assertThat(List.of(cds(VAULT), eds(VAULT))).contains(n)));
      });
    }
  }
}
