package io.meshplane.demo;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Edits the demo's EndpointSlice {@value DemoWorkloads#SLICE} the way a Kubernetes endpoint
 * controller would when pods come and go: one entry per registered backend address. Holds no
 * state of its own; each call reads the slice from the API server.
 */
public final class EndpointSliceEditor {

  private final KubernetesClient kube;

  public EndpointSliceEditor(KubernetesClient kube) {
    this.kube = Objects.requireNonNull(kube, "kube");
  }

  /** The addresses the slice lists, in its order. */
  public List<String> addresses() {
    return addresses(current());
  }

  /** Adds {@code backend}'s address; false when it was already listed. */
  public boolean add(DemoInfo.Backend backend) {
    if (addresses().contains(backend.address())) {
      return false;
    }
    slice().edit(s -> new EndpointSliceBuilder(s)
        .addToEndpoints(DemoWorkloads.endpoint(backend.name(), backend.address())).build());
    return true;
  }

  /** Removes {@code backend}'s address; false when it was not listed. */
  public boolean remove(DemoInfo.Backend backend) {
    if (!addresses().contains(backend.address())) {
      return false;
    }
    slice().edit(s -> {
      List<Endpoint> kept = new ArrayList<>(s.getEndpoints());
      kept.removeIf(e -> e.getAddresses() != null && e.getAddresses().contains(backend.address()));
      return new EndpointSliceBuilder(s).withEndpoints(kept).build();
    });
    return true;
  }

  private EndpointSlice current() {
    EndpointSlice slice = slice().get();
    if (slice == null) {
      throw new IllegalStateException("EndpointSlice " + DemoWorkloads.NAMESPACE + "/" + DemoWorkloads.SLICE
          + " does not exist; the demo creates it when it starts");
    }
    return slice;
  }

  private Resource<EndpointSlice> slice() {
    return kube.discovery().v1().endpointSlices().inNamespace(DemoWorkloads.NAMESPACE).withName(DemoWorkloads.SLICE);
  }

  private static List<String> addresses(EndpointSlice slice) {
    return slice.getEndpoints() == null ? List.of() : slice.getEndpoints().stream()
        .filter(e -> e.getAddresses() != null).flatMap(e -> e.getAddresses().stream()).toList();
  }
}
