package io.meshplane.loadtest.baseline;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.meshplane.model.ClusterShare;
import io.meshplane.registry.kube.KubeLookup;
import io.meshplane.registry.kube.KubeTranslator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * fabric8 informers on the Services and EndpointSlices (discovery.k8s.io/v1) of all namespaces,
 * reporting the {@code namespace/name} of every service whose objects changed, and answering a
 * service's current share from the informer caches through Meshplane's {@link KubeTranslator}
 * (the same parsing and bad-input rules). Pods, Nodes and Namespaces are not watched: endpoints
 * get the default network and no locality, as they do in Meshplane when those objects are absent.
 *
 * <p>Event handlers run on fabric8's informer threads and only compute keys; {@link #share} reads
 * fabric8's thread-safe stores and may be called from any thread.
 */
final class MeshInformers implements AutoCloseable {

  private static final String SLICES_BY_SERVICE = "baseline.meshplane.io/service";

  private final KubernetesClient client;
  private final KubeTranslator translator;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<EndpointSlice> slices;

  MeshInformers(KubernetesClient client, KubeTranslator translator) {
    this.client = client;
    this.translator = translator;
    this.services = client.services().inAnyNamespace().runnableInformer(0);
    this.slices = client.discovery().v1().endpointSlices().inAnyNamespace().runnableInformer(0);
    slices.addIndexers(Map.of(SLICES_BY_SERVICE, s -> translator.serviceKey(s).map(List::of).orElse(List.of())));
  }

  /**
   * Starts both informers; {@code changed} gets service keys from now on.
   *
   * @return completes when both have listed everything once
   */
  CompletableFuture<Void> start(Consumer<String> changed) {
    services.addEventHandler(handler(s -> Optional.of(key(s)), changed));
    slices.addEventHandler(handler(translator::serviceKey, changed));
    return CompletableFuture.allOf(services.start().toCompletableFuture(), slices.start().toCompletableFuture());
  }

  /** Every service that has a Service object or a slice. */
  Set<String> allServiceKeys() {
    Set<String> keys = new HashSet<>(services.getStore().listKeys());
    slices.getStore().list().forEach(s -> translator.serviceKey(s).ifPresent(keys::add));
    return keys;
  }

  /** The current share of {@code namespace/name}: its spec and endpoints. */
  ClusterShare share(String namespace, String name) {
    String key = namespace + "/" + name;
    return translator.share(namespace, name, services.getStore().getByKey(key),
        slices.getIndexer().byIndex(SLICES_BY_SERVICE, key), KubeLookup.EMPTY);
  }

  private static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  private static <T> ResourceEventHandler<T> handler(Function<T, Optional<String>> keyOf, Consumer<String> changed) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        keyOf.apply(obj).ifPresent(changed);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        Optional<String> before = keyOf.apply(oldObj);
        Optional<String> after = keyOf.apply(newObj);
        after.ifPresent(changed);
        before.filter(k -> !Objects.equals(Optional.of(k), after)).ifPresent(changed);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        keyOf.apply(obj).ifPresent(changed);
      }
    };
  }

  @Override
  public void close() {
    services.stop();
    slices.stop();
    client.close();
  }
}
