package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The objects of one member cluster that an endpoint's attributes come from: the Pod an endpoint
 * targets, the Node it runs on and its Namespace. {@link KubeRegistry} answers from its informer
 * caches; tests answer from fixed collections. Implementations must be safe to call from the
 * thread that runs {@link KubeTranslator}.
 */
public interface KubeLookup {

  /** Answers nothing: endpoints get the default network and an unknown locality. */
  KubeLookup EMPTY = of(List.of(), List.of(), List.of());

  Optional<Pod> pod(String namespace, String name);

  Optional<Node> node(String name);

  Optional<Namespace> namespace(String name);

  /** A lookup over fixed collections, keyed by namespace/name (pods) and name (nodes, namespaces). */
  static KubeLookup of(Collection<Pod> pods, Collection<Node> nodes, Collection<Namespace> namespaces) {
    Map<String, Pod> podsByKey = pods.stream().collect(Collectors.toUnmodifiableMap(
        p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), Function.identity()));
    Map<String, Node> nodesByName = nodes.stream().collect(Collectors.toUnmodifiableMap(
        n -> n.getMetadata().getName(), Function.identity()));
    Map<String, Namespace> namespacesByName = namespaces.stream().collect(Collectors.toUnmodifiableMap(
        n -> n.getMetadata().getName(), Function.identity()));
    return new KubeLookup() {
      @Override
      public Optional<Pod> pod(String namespace, String name) {
        return Optional.ofNullable(podsByKey.get(namespace + "/" + name));
      }

      @Override
      public Optional<Node> node(String name) {
        return Optional.ofNullable(nodesByName.get(name));
      }

      @Override
      public Optional<Namespace> namespace(String name) {
        return Optional.ofNullable(namespacesByName.get(name));
      }
    };
  }
}
