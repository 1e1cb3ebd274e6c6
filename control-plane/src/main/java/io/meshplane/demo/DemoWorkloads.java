package io.meshplane.demo;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.meshplane.registry.kube.KubeTranslator;
import java.util.List;

/**
 * The Kubernetes objects of the demo's {@code greeter} service: its namespace, node, pods, Service
 * and the one EndpointSlice {@value #SLICE}. Seeding is idempotent (create, or update what is
 * there). Stateless.
 */
public final class DemoWorkloads {

  public static final String NAMESPACE = "default";
  public static final String SERVICE = "greeter";
  public static final String SLICE = "greeter-abc";
  public static final String NODE = "demo-node";
  public static final String REGION = "local";
  public static final String ZONE = "local-a";
  public static final String PORT_NAME = "grpc";
  public static final int SERVICE_PORT = 50051;

  private DemoWorkloads() {}

  /**
   * Creates or updates every object; the slice lists the backends whose names are in
   * {@code registered}.
   */
  public static void seed(KubernetesClient kube, List<GreeterBackend> backends, List<String> registered) {
    seed(kube, DemoNetworks.EAST, backends, registered);
  }

  /**
   * Seeds {@code site}'s cluster: the same namespace and Service as every site (namespace sameness
   * makes them one service), its own node, pods and slice.
   */
  public static void seed(KubernetesClient kube, DemoNetworks.Site site, List<GreeterBackend> backends,
      List<String> registered) {
    apply(kube, namespace());
    apply(kube, node(site));
    backends.forEach(b -> apply(kube, pod(site, b)));
    apply(kube, service(backends.get(0).port()));
    EndpointSlice slice = slice(site, backends.get(0).port(), backends.stream()
        .filter(b -> registered.contains(b.name())).map(b -> endpoint(site, b.name(), b.address())).toList());
    kube.discovery().v1().endpointSlices().inNamespace(NAMESPACE).resource(slice)
        .createOr(NonDeletingOperation::update);
  }

  private static void apply(KubernetesClient kube, HasMetadata object) {
    kube.resource(object).createOr(NonDeletingOperation::update);
  }

  static Namespace namespace() {
    return new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build();
  }

  static Node node() {
    return node(DemoNetworks.EAST);
  }

  static Node node(DemoNetworks.Site site) {
    return new NodeBuilder().withNewMetadata().withName(site.node())
        .addToLabels(KubeTranslator.REGION_LABEL, REGION)
        .addToLabels(KubeTranslator.ZONE_LABEL, site.zone())
        .endMetadata().build();
  }

  static Pod pod(GreeterBackend backend) {
    return pod(DemoNetworks.EAST, backend);
  }

  static Pod pod(DemoNetworks.Site site, GreeterBackend backend) {
    return new PodBuilder()
        .withNewMetadata().withName(backend.name()).withNamespace(NAMESPACE).addToLabels("app", SERVICE).endMetadata()
        .withNewSpec().withServiceAccountName(SERVICE).withNodeName(site.node())
        .addNewContainer().withName(SERVICE).withImage("meshplane/demo-greeter")
        .addNewPort().withName(PORT_NAME).withContainerPort(backend.port()).endPort().endContainer()
        .endSpec()
        .withNewStatus().withPhase("Running").withPodIP(backend.address()).endStatus()
        .build();
  }

  static Service service(int targetPort) {
    return new ServiceBuilder()
        .withNewMetadata().withName(SERVICE).withNamespace(NAMESPACE).endMetadata()
        .withNewSpec().addToSelector("app", SERVICE)
        .addNewPort().withName(PORT_NAME).withPort(SERVICE_PORT).withTargetPort(new IntOrString(targetPort))
        .withProtocol("TCP").withAppProtocol(PORT_NAME).endPort()
        .endSpec().build();
  }

  static EndpointSlice slice(int port, List<Endpoint> endpoints) {
    return slice(DemoNetworks.EAST, port, endpoints);
  }

  static EndpointSlice slice(DemoNetworks.Site site, int port, List<Endpoint> endpoints) {
    return new EndpointSliceBuilder()
        .withNewMetadata().withName(site.slice()).withNamespace(NAMESPACE)
        .addToLabels(KubeTranslator.SERVICE_NAME_LABEL, SERVICE).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName(PORT_NAME).withPort(port).withProtocol("TCP").endPort()
        .withEndpoints(endpoints)
        .build();
  }

  /** The slice entry of backend pod {@code pod} at {@code address}: ready, on the demo node. */
  public static Endpoint endpoint(String pod, String address) {
    return endpoint(DemoNetworks.EAST, pod, address);
  }

  /** The slice entry of backend pod {@code pod} at {@code address} on {@code site}'s node. */
  public static Endpoint endpoint(DemoNetworks.Site site, String pod, String address) {
    return new EndpointBuilder().withAddresses(address)
        .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
        .withNodeName(site.node()).withZone(site.zone())
        .withNewTargetRef().withKind("Pod").withNamespace(NAMESPACE).withName(pod).endTargetRef()
        .build();
  }
}
