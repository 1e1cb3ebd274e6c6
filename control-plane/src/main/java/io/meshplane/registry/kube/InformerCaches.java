package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The informer caches of one member cluster, read two ways: as the {@link KubeLookup} of the
 * translator, and as an index from any changed object to the services it affects (a Service or
 * slice affects its own service; a Pod, Node or Namespace affects the services whose slices refer
 * to it). Reads go to fabric8's thread-safe indexers; the event handlers run on informer threads
 * and only compute service keys ({@code namespace/name}).
 */
final class InformerCaches implements KubeLookup {

  private final KubeTranslator translator;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<EndpointSlice> slices;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<Node> nodes;
  private final SharedIndexInformer<Namespace> namespaces;

  InformerCaches(KubeTranslator translator, SharedIndexInformer<Service> services,
      SharedIndexInformer<EndpointSlice> slices, SharedIndexInformer<Pod> pods,
      SharedIndexInformer<Node> nodes, SharedIndexInformer<Namespace> namespaces) {
    this.translator = translator;
    this.services = services;
    this.slices = slices;
    this.pods = pods;
    this.nodes = nodes;
    this.namespaces = namespaces;
  }

  Service service(String serviceKey) {
    return services.getStore().getByKey(serviceKey);
  }

  List<EndpointSlice> slicesOf(String serviceKey) {
    return slices.getIndexer().byIndex(KubeRegistry.SLICES_BY_SERVICE, serviceKey);
  }

  /** Every service that has a Service object or a slice. */
  Set<String> allServiceKeys() {
    Set<String> keys = new HashSet<>(services.getStore().listKeys());
    keys.addAll(serviceKeys(slices.getStore().list()));
    return keys;
  }

  @Override
  public Optional<Pod> pod(String namespace, String name) {
    return Optional.ofNullable(pods.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)));
  }

  @Override
  public Optional<Node> node(String name) {
    return Optional.ofNullable(nodes.getStore().getByKey(name));
  }

  @Override
  public Optional<Namespace> namespace(String name) {
    return Optional.ofNullable(namespaces.getStore().getByKey(name));
  }

  ResourceEventHandler<Service> onService(Consumer<Set<String>> affected) {
    return handler(s -> Set.of(Cache.metaNamespaceKeyFunc(s)), (a, b) -> true, affected);
  }

  ResourceEventHandler<EndpointSlice> onSlice(Consumer<Set<String>> affected) {
    return handler(s -> serviceKeys(List.of(s)), (a, b) -> true, affected);
  }

  ResourceEventHandler<Pod> onPod(Consumer<Set<String>> affected) {
    return handler(this::affectedByPod, InformerCaches::podAttributesDiffer, affected);
  }

  ResourceEventHandler<Node> onNode(Consumer<Set<String>> affected) {
    return handler(this::affectedByNode, (a, b) -> labelsDiffer(a, b, KubeTranslator.REGION_LABEL,
        KubeTranslator.ZONE_LABEL, KubeTranslator.SUBZONE_LABEL), affected);
  }

  ResourceEventHandler<Namespace> onNamespace(Consumer<Set<String>> affected) {
    return handler(this::affectedByNamespace, (a, b) -> labelsDiffer(a, b, KubeTranslator.NETWORK_LABEL), affected);
  }

  private Set<String> affectedByPod(Pod pod) {
    String key = Cache.metaNamespaceKeyFunc(pod);
    return serviceKeys(slices.getIndexer().byIndex(KubeRegistry.SLICES_BY_POD, key));
  }

  private Set<String> affectedByNode(Node node) {
    String name = node.getMetadata().getName();
    Set<String> keys = serviceKeys(slices.getIndexer().byIndex(KubeRegistry.BY_NODE, name));
    pods.getIndexer().byIndex(KubeRegistry.BY_NODE, name).forEach(p -> keys.addAll(affectedByPod(p)));
    return keys;
  }

  private Set<String> affectedByNamespace(Namespace namespace) {
    String name = namespace.getMetadata().getName();
    Set<String> keys = serviceKeys(slices.getIndexer().byIndex(Cache.NAMESPACE_INDEX, name));
    services.getIndexer().byIndex(Cache.NAMESPACE_INDEX, name)
        .forEach(s -> keys.add(Cache.metaNamespaceKeyFunc(s)));
    return keys;
  }

  private Set<String> serviceKeys(Collection<EndpointSlice> of) {
    return of.stream().flatMap(s -> translator.serviceKey(s).stream()).collect(Collectors.toCollection(HashSet::new));
  }

  /** Index function: the Pods a slice's endpoints target, as namespace/name. */
  static List<String> podKeys(EndpointSlice slice) {
    if (slice.getEndpoints() == null) {
      return List.of();
    }
    return slice.getEndpoints().stream()
        .filter(e -> e != null && e.getTargetRef() != null && "Pod".equals(e.getTargetRef().getKind())
            && e.getTargetRef().getName() != null)
        .map(e -> {
          ObjectReference ref = e.getTargetRef();
          String ns = ref.getNamespace() == null || ref.getNamespace().isEmpty()
              ? slice.getMetadata().getNamespace() : ref.getNamespace();
          return Cache.namespaceKeyFunc(ns, ref.getName());
        })
        .distinct()
        .collect(Collectors.toList());
  }

  /** Index function: the Nodes a slice's endpoints name. */
  static List<String> nodeNames(EndpointSlice slice) {
    if (slice.getEndpoints() == null) {
      return List.of();
    }
    return slice.getEndpoints().stream()
        .filter(e -> e != null && e.getNodeName() != null && !e.getNodeName().isEmpty())
        .map(e -> e.getNodeName())
        .distinct()
        .collect(Collectors.toList());
  }

  /** Index function: the Node a Pod is scheduled on. */
  static List<String> nodeName(Pod pod) {
    String node = podField(pod, p -> p.getSpec().getNodeName());
    return node == null || node.isEmpty() ? List.of() : List.of(node);
  }

  /** Pods change often (status); only what endpoints carry matters. */
  private static boolean podAttributesDiffer(Pod a, Pod b) {
    return !Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
        || !Objects.equals(podField(a, p -> p.getSpec().getServiceAccountName()),
            podField(b, p -> p.getSpec().getServiceAccountName()))
        || !Objects.equals(podField(a, p -> p.getSpec().getNodeName()), podField(b, p -> p.getSpec().getNodeName()));
  }

  private static String podField(Pod pod, Function<Pod, String> field) {
    return pod.getSpec() == null ? null : field.apply(pod);
  }

  private static boolean labelsDiffer(HasMetadata a, HasMetadata b, String... keys) {
    Map<String, String> la = a.getMetadata().getLabels() == null ? Map.of() : a.getMetadata().getLabels();
    Map<String, String> lb = b.getMetadata().getLabels() == null ? Map.of() : b.getMetadata().getLabels();
    for (String key : keys) {
      if (!Objects.equals(la.get(key), lb.get(key))) {
        return true;
      }
    }
    return false;
  }

  private static <T> ResourceEventHandler<T> handler(Function<T, Set<String>> affected,
      BiPredicate<T, T> relevantUpdate, Consumer<Set<String>> sink) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        sink.accept(affected.apply(object));
      }

      @Override
      public void onUpdate(T before, T after) {
        if (relevantUpdate.test(before, after)) {
          Set<String> keys = new HashSet<>(affected.apply(before));
          keys.addAll(affected.apply(after));
          sink.accept(keys);
        }
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        sink.accept(affected.apply(object));
      }
    };
  }
}
