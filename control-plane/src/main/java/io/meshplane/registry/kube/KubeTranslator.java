package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.InvalidInputException;
import io.meshplane.model.ServiceGateway;
import io.meshplane.model.ServiceSpec;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the Kubernetes objects of ONE member cluster into model records: a Service into a
 * {@link ServiceSpec}, its EndpointSlices (with the Pods, Nodes and Namespaces they refer to) into
 * {@link Endpoint}s, both into the cluster's {@link ClusterShare} of the service. No I/O.
 *
 * <p>Bad input (a malformed Service, a slice without its service-name label, a bad address or
 * port) is reported as one WARN per problem and object version, naming the kind, namespace/name
 * and the expected form, and skipped; the good parts of a slice still flow. A Service that turns
 * malformed keeps contributing its last good spec until it is fixed or deleted, so bad input never
 * takes away good state.
 *
 * <p>Thread-safe; {@link KubeRegistry} calls it from its recompute thread and its informer threads.
 */
public final class KubeTranslator {

  public static final String EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
  public static final String NETWORK_LABEL = "topology.istio.io/network";
  public static final String REGION_LABEL = "topology.kubernetes.io/region";
  public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
  public static final String SUBZONE_LABEL = "topology.istio.io/subzone";

  private static final Logger log = LoggerFactory.getLogger(KubeTranslator.class);

  private final String clusterId;
  private final BadInputLog badInput;
  private final SliceEndpoints sliceEndpoints;
  /** Last good spec per namespace/name, with the uid of the Service it came from. */
  private final Map<String, GoodSpec> lastGood = new ConcurrentHashMap<>();

  private record GoodSpec(String uid, ServiceSpec spec) {}

  /** A translator that logs bad input as WARN. */
  public KubeTranslator(String clusterId, String defaultNetwork) {
    this(clusterId, defaultNetwork, message -> log.warn("{}", message));
  }

  /** A translator that hands each bad-input message (already deduplicated) to {@code warnings}. */
  public KubeTranslator(String clusterId, String defaultNetwork, Consumer<String> warnings) {
    this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(defaultNetwork, "defaultNetwork");
    this.badInput = new BadInputLog(clusterId, Objects.requireNonNull(warnings, "warnings"));
    this.sliceEndpoints = new SliceEndpoints(clusterId, defaultNetwork);
  }

  public String clusterId() {
    return clusterId;
  }

  /**
   * The cluster's share of service {@code namespace/name}.
   *
   * @param service the Service object, or null when it does not exist
   * @param slices the EndpointSlices labelled with the service's name (others are ignored)
   */
  public ClusterShare share(String namespace, String name, Service service,
      Collection<EndpointSlice> slices, KubeLookup lookup) {
    String key = namespace + "/" + name;
    Optional<ServiceSpec> spec = Optional.empty();
    if (service == null) {
      lastGood.remove(key);
    } else {
      spec = serviceSpec(service);
      String uid = service.getMetadata() == null ? null : service.getMetadata().getUid();
      if (spec.isPresent()) {
        lastGood.put(key, new GoodSpec(uid, spec.get()));
      } else if (isExternalName(service)) {
        lastGood.remove(key);
      } else {
        GoodSpec good = lastGood.get(key);
        spec = good != null && Objects.equals(good.uid(), uid) ? Optional.of(good.spec()) : Optional.empty();
      }
    }
    List<EndpointSlice> own = slices.stream()
        .filter(s -> serviceKey(s).filter(key::equals).isPresent())
        .collect(Collectors.toList());
    return new ClusterShare(clusterId, spec, endpoints(own, lookup));
  }

  /**
   * The spec of a Service, with its gateway when it is labelled as an east-west gateway; empty
   * for an ExternalName Service (not supported yet) and for a malformed one (reported once). A
   * malformed gateway label or gateway without a port is reported once and leaves a spec without
   * a gateway.
   */
  public Optional<ServiceSpec> serviceSpec(Service service) {
    if (isExternalName(service)) {
      log.debug("cluster {}: ignoring ExternalName Service {}/{}: not supported yet", clusterId,
          service.getMetadata().getNamespace(), service.getMetadata().getName());
      return Optional.empty();
    }
    ServiceSpec spec;
    try {
      spec = ServiceSpecs.parse(service);
    } catch (InvalidInputException e) {
      badInput.skipped(service, "Service", e.getMessage());
      return Optional.empty();
    }
    try {
      Optional<ServiceGateway> gateway = GatewaySpecs.parse(service);
      return Optional.of(gateway.isEmpty() ? spec
          : new ServiceSpec(spec.name(), spec.namespace(), spec.ports(), spec.exportTo(), gateway));
    } catch (InvalidInputException e) {
      // A bad gateway label costs the gateway, never the service itself.
      badInput.skipped(service, "Service", e.getMessage());
      return Optional.of(spec);
    }
  }

  /**
   * The endpoints of the given slices of one service: each address once, sorted by address. Bad
   * addresses and ports are reported once and skipped.
   */
  public List<Endpoint> endpoints(Collection<EndpointSlice> slices, KubeLookup lookup) {
    return sliceEndpoints.translate(slices, lookup,
        (slice, problem) -> badInput.skipped(slice, "EndpointSlice", problem));
  }

  /**
   * The {@code namespace/name} of the Service a slice belongs to; empty (reported once) when the
   * slice lacks a valid {@value #SERVICE_NAME_LABEL} label.
   */
  public Optional<String> serviceKey(EndpointSlice slice) {
    ObjectMeta meta = slice.getMetadata();
    String namespace = meta == null ? null : meta.getNamespace();
    String service = meta == null || meta.getLabels() == null ? null : meta.getLabels().get(SERVICE_NAME_LABEL);
    if (service == null || service.isEmpty()) {
      badInput.skipped(slice, "EndpointSlice", "label " + SERVICE_NAME_LABEL
          + " is missing; expected the name of the Service the slice belongs to");
      return Optional.empty();
    }
    if (!ServiceSpecs.DNS_LABEL.matcher(service).matches()) {
      badInput.skipped(slice, "EndpointSlice", "label " + SERVICE_NAME_LABEL + " is '" + service
          + "'; expected a Service name (a DNS label)");
      return Optional.empty();
    }
    if (namespace == null || namespace.isEmpty()) {
      badInput.skipped(slice, "EndpointSlice", "metadata.namespace is missing; expected a namespace name");
      return Optional.empty();
    }
    return Optional.of(namespace + "/" + service);
  }

  /**
   * Parses the value of {@value #EXPORT_TO_ANNOTATION}: comma-separated {@code *}, {@code .},
   * {@code ~} or namespace names; absent or blank gives an empty list (the mesh default).
   *
   * @throws InvalidInputException naming the annotation and the expected form
   */
  public static List<String> parseExportTo(String value) {
    return ServiceSpecs.parseExportTo(value);
  }

  private static boolean isExternalName(Service service) {
    return service.getSpec() != null && "ExternalName".equals(service.getSpec().getType());
  }
}
