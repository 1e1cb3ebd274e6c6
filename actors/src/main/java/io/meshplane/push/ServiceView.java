package io.meshplane.push;

import static java.util.Objects.requireNonNull;

import io.meshplane.mesh.Mesh;
import io.meshplane.model.ServiceState;
import io.meshplane.xds.Visibility;
import io.meshplane.xds.generator.EndpointGenerator;
import io.meshplane.xds.generator.EndpointViewKey;
import io.meshplane.xds.generator.ProxyView;
import io.meshplane.xds.generator.Resource;
import io.meshplane.xds.generator.ServiceResources;
import io.meshplane.xds.generator.TypeUrls;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One version of a service under one {@link Mesh}, with its xDS resources, computed once per node
 * and shared by every proxy stream of that node. Listeners, routes and clusters are shared as
 * they are; load assignments depend on the proxy, so they are generated once per
 * {@link EndpointViewKey} (what EDS reads of a proxy) and memoized here: proxies with equal keys
 * share the same resources, and a new service version or mesh is a new view with an empty memo.
 *
 * <p>The service state, mesh and shared resources are immutable; the memo is a concurrent map,
 * because the streams that read a view run on their own actors. It only grows with the distinct
 * keys of the proxies that asked, a handful per mesh in practice.
 */
public final class ServiceView {

  private final ServiceState state;
  private final Mesh mesh;
  private final ServiceResources resources;
  private final ConcurrentMap<EndpointViewKey, Map<String, Resource>> endpointsByKey = new ConcurrentHashMap<>();
  /** Keys whose assignments come out byte-equal (say, localities that change no priority) share one copy. */
  private final ConcurrentMap<String, Resource> byVersion = new ConcurrentHashMap<>();

  private ServiceView(ServiceState state, Mesh mesh, ServiceResources resources) {
    this.state = requireNonNull(state, "state");
    this.mesh = requireNonNull(mesh, "mesh");
    this.resources = requireNonNull(resources, "resources");
  }

  public static ServiceView of(ServiceState state, Mesh mesh) {
    return new ServiceView(state, mesh, ServiceResources.of(state, mesh));
  }

  /** A view under {@link Mesh#DEFAULT}. */
  public static ServiceView of(ServiceState state) {
    return of(state, Mesh.DEFAULT);
  }

  /**
   * The same service version under another mesh; the shared resources are reused when neither
   * the locality failover switch (clusters) nor the networks (the neutral load assignments) change.
   */
  public ServiceView withMesh(Mesh next) {
    if (next.equals(mesh)) {
      return this;
    }
    boolean sameShared = next.config().localityFailover() == mesh.config().localityFailover()
        && next.networks().equals(mesh.networks());
    return new ServiceView(state, next, sameShared ? resources : ServiceResources.of(state, next));
  }

  public ServiceState state() {
    return state;
  }

  public Mesh mesh() {
    return mesh;
  }

  /** The resources every proxy shares; their load assignments are those of {@link EndpointViewKey#NEUTRAL}. */
  public ServiceResources resources() {
    return resources;
  }

  public String hostname() {
    return state.hostname();
  }

  public long version() {
    return state.version();
  }

  /** Whether a proxy in {@code namespace} may see this service at all (exportTo, or the mesh default). */
  public boolean visibleTo(String namespace) {
    return Visibility.visible(state, namespace, mesh.config());
  }

  /** What EDS of this service reads of {@code proxy}. */
  public EndpointViewKey endpointKey(ProxyView proxy) {
    return EndpointViewKey.of(proxy, mesh, state.hostname());
  }

  /** This service's load assignments as {@code proxy} sees them, by name; generated once per key. */
  public Map<String, Resource> endpoints(ProxyView proxy) {
    return endpoints(endpointKey(proxy));
  }

  /** The load assignments of one key, by name, sorted. */
  public Map<String, Resource> endpoints(EndpointViewKey key) {
    if (key.equals(EndpointViewKey.NEUTRAL)) {
      return resources.resources(TypeUrls.CLUSTER_LOAD_ASSIGNMENT);
    }
    return endpointsByKey.computeIfAbsent(key, k -> {
      Map<String, Resource> byName = new TreeMap<>();
      for (Resource r : EndpointGenerator.generate(state, mesh.networks(), k)) {
        byName.put(r.name(), byVersion.computeIfAbsent(r.name() + "@" + r.version(), v -> r));
      }
      return Collections.unmodifiableMap(byName);
    });
  }

  /** How many distinct keys have been generated so far (the shared neutral one not counted). */
  public int memoizedKeys() {
    return endpointsByKey.size();
  }

  @Override
  public String toString() {
    return "ServiceView[" + hostname() + " v" + version() + ", " + memoizedKeys() + " EDS views]";
  }
}
