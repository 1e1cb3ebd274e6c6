package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Turns the EndpointSlices of one service into endpoints: one per address, attributes from the
 * target Pod, its Node and Namespace. A bad address or port is reported and skipped; the rest of
 * the slice still flows. Stateless apart from its configuration.
 */
final class SliceEndpoints {

  private static final Pattern IPV4 = Pattern.compile(
      "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
  private static final Comparator<EndpointPort> PORT_ORDER =
      Comparator.comparing(EndpointPort::name).thenComparingInt(EndpointPort::port);
  private static final String ADDRESS_FORM = "expected an IPv4 or IPv6 literal such as 10.0.0.1 or fd00::1";

  private final String clusterId;
  private final String defaultNetwork;

  SliceEndpoints(String clusterId, String defaultNetwork) {
    this.clusterId = clusterId;
    this.defaultNetwork = defaultNetwork;
  }

  /**
   * The endpoints of the given slices (all of one service), each address once, sorted by address.
   * Problems go to {@code problems} as (slice, message) and the offending part is skipped.
   */
  List<Endpoint> translate(Collection<EndpointSlice> slices, KubeLookup lookup,
      BiConsumer<EndpointSlice, String> problems) {
    List<EndpointSlice> ordered = new ArrayList<>(slices);
    ordered.sort(Comparator.comparing((EndpointSlice s) -> s.getMetadata().getName(),
        Comparator.nullsFirst(Comparator.naturalOrder())));
    Map<String, Endpoint> byAddress = new TreeMap<>();
    for (EndpointSlice slice : ordered) {
      Optional<List<EndpointPort>> ports = ports(slice, problems);
      if (ports.isEmpty()) {
        continue;
      }
      List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints =
          slice.getEndpoints() == null ? List.of() : slice.getEndpoints();
      for (int i = 0; i < endpoints.size(); i++) {
        io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e = endpoints.get(i);
        List<String> addresses = e == null || e.getAddresses() == null ? List.of() : e.getAddresses();
        if (addresses.isEmpty()) {
          problems.accept(slice, "endpoints[" + i + "].addresses is empty; " + ADDRESS_FORM);
        }
        for (int j = 0; j < addresses.size(); j++) {
          String address = addresses.get(j);
          if (!isIpLiteral(address)) {
            problems.accept(slice, "endpoints[" + i + "].addresses[" + j + "] '" + address
                + "' is not an IP address; " + ADDRESS_FORM);
            continue;
          }
          Endpoint endpoint = endpoint(slice, e, address.toLowerCase(Locale.ROOT), ports.get(), lookup);
          byAddress.merge(endpoint.address(), endpoint, SliceEndpoints::merge);
        }
      }
    }
    return List.copyOf(byAddress.values());
  }

  /** The slice's valid ports; empty when it declared ports and none was valid. */
  private static Optional<List<EndpointPort>> ports(EndpointSlice slice,
      BiConsumer<EndpointSlice, String> problems) {
    List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> declared =
        slice.getPorts() == null ? List.of() : slice.getPorts();
    List<EndpointPort> valid = new ArrayList<>();
    for (int i = 0; i < declared.size(); i++) {
      io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort p = declared.get(i);
      Integer port = p == null ? null : p.getPort();
      if (port == null || port < 1 || port > 65535) {
        problems.accept(slice, "ports[" + i + "].port is " + port + "; expected 1-65535");
        continue;
      }
      valid.add(new EndpointPort(p.getName() == null ? "" : p.getName(), port));
    }
    if (!declared.isEmpty() && valid.isEmpty()) {
      return Optional.empty();
    }
    valid.sort(PORT_ORDER);
    return Optional.of(valid);
  }

  private Endpoint endpoint(EndpointSlice slice, io.fabric8.kubernetes.api.model.discovery.v1.Endpoint e,
      String address, List<EndpointPort> ports, KubeLookup lookup) {
    String sliceNamespace = slice.getMetadata().getNamespace();
    ObjectReference ref = e.getTargetRef();
    String refNamespace = ref != null && notEmpty(ref.getNamespace()) ? ref.getNamespace() : sliceNamespace;
    Optional<Pod> pod = ref != null && "Pod".equals(ref.getKind()) && notEmpty(ref.getName())
        ? lookup.pod(refNamespace, ref.getName()) : Optional.empty();
    String nodeName = notEmpty(e.getNodeName()) ? e.getNodeName()
        : pod.map(p -> p.getSpec() == null ? null : p.getSpec().getNodeName()).orElse(null);
    Optional<Node> node = notEmpty(nodeName) ? lookup.node(nodeName) : Optional.empty();
    Map<String, String> nodeLabels = node.map(n -> labels(n.getMetadata())).orElse(Map.of());
    Map<String, String> podLabels = pod.map(p -> labels(p.getMetadata())).orElse(Map.of());

    String network = podLabels.get(KubeTranslator.NETWORK_LABEL);
    if (!notEmpty(network)) {
      network = lookup.namespace(refNamespace).map(Namespace::getMetadata).map(SliceEndpoints::labels)
          .map(l -> l.get(KubeTranslator.NETWORK_LABEL)).orElse(null);
    }
    if (!notEmpty(network)) {
      network = defaultNetwork;
    }
    String zone = notEmpty(e.getZone()) ? e.getZone() : nodeLabels.getOrDefault(KubeTranslator.ZONE_LABEL, "");
    Locality locality = new Locality(nodeLabels.getOrDefault(KubeTranslator.REGION_LABEL, ""), zone,
        nodeLabels.getOrDefault(KubeTranslator.SUBZONE_LABEL, ""));
    String serviceAccount = pod.map(p -> p.getSpec() == null ? null : p.getSpec().getServiceAccountName())
        .filter(SliceEndpoints::notEmpty).orElse(pod.isPresent() ? "default" : "");
    boolean ready = e.getConditions() == null || e.getConditions().getReady() == null
        || e.getConditions().getReady();
    String workload = ref != null && notEmpty(ref.getName()) ? ref.getName() : address;
    return new Endpoint(address, ports, clusterId, network, locality, podLabels, serviceAccount, ready, workload);
  }

  /** The same address in two slices (a slice being split or merged): one endpoint, all its ports. */
  private static Endpoint merge(Endpoint first, Endpoint second) {
    TreeSet<EndpointPort> ports = new TreeSet<>(PORT_ORDER);
    ports.addAll(first.ports());
    ports.addAll(second.ports());
    return new Endpoint(first.address(), List.copyOf(ports), first.clusterId(), first.network(),
        first.locality(), first.labels(), first.serviceAccount(), first.ready() || second.ready(),
        first.workloadName());
  }

  static boolean isIpLiteral(String address) {
    if (address == null) {
      return false;
    }
    if (IPV4.matcher(address).matches()) {
      return true;
    }
    if (!IPV6_CHARS.matcher(address).matches()) {
      return false;
    }
    try {
      // Only hex digits, ':' and '.', with a ':': InetAddress parses it as a literal, never resolves it.
      InetAddress.getByName(address);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static Map<String, String> labels(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
    return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
  }

  private static boolean notEmpty(String s) {
    return s != null && !s.isEmpty();
  }
}
