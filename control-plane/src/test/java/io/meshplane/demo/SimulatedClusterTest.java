package io.meshplane.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedClusterTest {

  private SimulatedCluster cluster;
  private GreeterBackends backends;
  private KubernetesClient kube;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.start();
    backends = GreeterBackends.start(3);
    kube = cluster.client();
  }

  @AfterEach
  void stop() {
    kube.close();
    backends.close();
    cluster.close();
  }

  @Test
  void backends_share_one_port_on_distinct_loopback_addresses() {
    assertThat(backends.all()).extracting(b -> b.name() + "@" + b.address() + ":" + b.port()).containsExactly(
        "greeter-1@127.0.0.11:" + backends.port(), "greeter-2@127.0.0.12:" + backends.port(),
        "greeter-3@127.0.0.13:" + backends.port());
  }

  @Test
  void seeds_the_greeter_service_with_the_registered_backends_only_and_can_seed_again() {
    DemoWorkloads.seed(kube, backends.all(), List.of("greeter-1", "greeter-2"));
    DemoWorkloads.seed(kube, backends.all(), List.of("greeter-1", "greeter-2"));

    EndpointSlice slice = kube.discovery().v1().endpointSlices().inNamespace("default").withName("greeter-abc").get();
    assertThat(slice.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "greeter");
    assertThat(slice.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("grpc");
      assertThat(p.getPort()).isEqualTo(backends.port());
    });
    assertThat(new EndpointSliceEditor(kube).addresses()).containsExactly("127.0.0.11", "127.0.0.12");
    assertThat(kube.services().inNamespace("default").withName("greeter").get().getSpec().getPorts())
        .singleElement().satisfies(p -> assertThat(p.getTargetPort().getIntVal()).isEqualTo(backends.port()));
    assertThat(kube.pods().inNamespace("default").list().getItems()).extracting(p -> p.getStatus().getPodIP())
        .containsExactlyInAnyOrder("127.0.0.11", "127.0.0.12", "127.0.0.13");
    assertThat(kube.nodes().withName("demo-node").get().getMetadata().getLabels())
        .containsEntry("topology.kubernetes.io/region", "local").containsEntry("topology.kubernetes.io/zone", "local-a");
  }

  @Test
  void editor_adds_and_removes_backend_addresses_once() {
    DemoWorkloads.seed(kube, backends.all(), List.of("greeter-1", "greeter-2"));
    EndpointSliceEditor editor = new EndpointSliceEditor(kube);
    DemoInfo.Backend one = new DemoInfo.Backend("greeter-1", "127.0.0.11", backends.port(), true);
    DemoInfo.Backend three = new DemoInfo.Backend("greeter-3", "127.0.0.13", backends.port(), false);

    assertThat(editor.add(three)).isTrue();
    assertThat(editor.add(three)).isFalse();
    assertThat(editor.remove(one)).isTrue();
    assertThat(editor.remove(one)).isFalse();

    assertThat(editor.addresses()).containsExactly("127.0.0.12", "127.0.0.13");
    EndpointSlice slice = kube.discovery().v1().endpointSlices().inNamespace("default").withName("greeter-abc").get();
    assertThat(slice.getEndpoints()).filteredOn(e -> e.getAddresses().contains("127.0.0.13")).singleElement()
        .satisfies(e -> assertThat(e.getTargetRef().getName()).isEqualTo("greeter-3"));
  }

  @Test
  void serves_discovery_documents_as_json_for_any_query() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(cluster.apiUrl() + "/apis/discovery.k8s.io/v1?timeout=32s")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).contains("\"name\":\"endpointslices\"", "\"kind\":\"EndpointSlice\"");
  }
}
