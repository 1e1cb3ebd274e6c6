package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;

/** Test fixtures: small builders for the Kubernetes objects the registry reads. */
final class KubeObjects {

  private KubeObjects() {}

  static ServicePort port(String name, Integer port, Object targetPort, String protocol) {
    ServicePortBuilder b = new ServicePortBuilder().withName(name).withPort(port).withProtocol(protocol);
    if (targetPort instanceof Integer i) {
      b.withTargetPort(new IntOrString(i));
    } else if (targetPort instanceof String s) {
      b.withTargetPort(new IntOrString(s));
    }
    return b.build();
  }

  static Service service(String namespace, String name, ServicePort... ports) {
    return new ServiceBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withUid("uid-" + namespace + "-" + name)
        .withResourceVersion("1").endMetadata()
        .withNewSpec().withPorts(ports).endSpec()
        .build();
  }

  static Service withExportTo(Service service, String exportTo) {
    return new ServiceBuilder(service).editMetadata()
        .addToAnnotations(KubeTranslator.EXPORT_TO_ANNOTATION, exportTo).endMetadata().build();
  }

  static Service withVersion(Service service, String resourceVersion) {
    return new ServiceBuilder(service).editMetadata().withResourceVersion(resourceVersion).endMetadata().build();
  }

  static EndpointPort slicePort(String name, Integer port) {
    return new EndpointPortBuilder().withName(name).withPort(port).withProtocol("TCP").build();
  }

  static Endpoint podEndpoint(String address, String pod, String nodeName, Boolean ready) {
    EndpointBuilder b = new EndpointBuilder().withAddresses(address).withNodeName(nodeName)
        .withNewConditions().withReady(ready).endConditions();
    if (pod != null) {
      b.withNewTargetRef().withKind("Pod").withName(pod).endTargetRef();
    }
    return b.build();
  }

  static EndpointSlice slice(String namespace, String name, String service, List<EndpointPort> ports,
      Endpoint... endpoints) {
    EndpointSliceBuilder b = new EndpointSliceBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withUid("uid-slice-" + namespace + "-" + name)
        .withResourceVersion("1").endMetadata()
        .withAddressType("IPv4").withPorts(ports).withEndpoints(endpoints);
    if (service != null) {
      b.editMetadata().addToLabels(KubeTranslator.SERVICE_NAME_LABEL, service).endMetadata();
    }
    return b.build();
  }

  static Pod pod(String namespace, String name, Map<String, String> labels, String serviceAccount, String node) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(namespace).withName(name).withLabels(labels).endMetadata()
        .withNewSpec().withServiceAccountName(serviceAccount).withNodeName(node)
        .addNewContainer().withName("app").withImage("app:1").endContainer().endSpec()
        .build();
  }

  static Node node(String name, String region, String zone, String subzone) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
    if (region != null) {
      b.editMetadata().addToLabels(KubeTranslator.REGION_LABEL, region).endMetadata();
    }
    if (zone != null) {
      b.editMetadata().addToLabels(KubeTranslator.ZONE_LABEL, zone).endMetadata();
    }
    if (subzone != null) {
      b.editMetadata().addToLabels(KubeTranslator.SUBZONE_LABEL, subzone).endMetadata();
    }
    return b.build();
  }

  static Namespace namespace(String name, String network) {
    NamespaceBuilder b = new NamespaceBuilder().withNewMetadata().withName(name).endMetadata();
    if (network != null) {
      b.editMetadata().addToLabels(KubeTranslator.NETWORK_LABEL, network).endMetadata();
    }
    return b.build();
  }
}
