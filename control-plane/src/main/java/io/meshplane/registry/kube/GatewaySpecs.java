package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.meshplane.model.InvalidInputException;
import io.meshplane.model.ServiceGateway;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads what a Service labelled {@value KubeTranslator#NETWORK_LABEL}{@code =<network>} says about
 * itself as an east-west gateway of that network (as Istio does for its east-west gateways):
 * addresses from {@code status.loadBalancer.ingress} (IPs and hostnames), else
 * {@code spec.externalIPs}; the port named {@code tls}, else port 15443 if declared, else the
 * first port. Whether the mesh config knows the network is not judged here (the member registry
 * does not know the mesh config): the push hubs warn about that. Stateless.
 */
final class GatewaySpecs {

  /** The port Istio's east-west gateways accept mTLS from other networks on. */
  static final int DEFAULT_PORT = 15443;
  static final String TLS_PORT_NAME = "tls";
  /** A label value, as the mesh config and remote secrets name networks. */
  private static final Pattern NETWORK_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  private GatewaySpecs() {}

  /**
   * The gateway a Service is, or empty when it carries no network label.
   *
   * @throws InvalidInputException when the label is there but not a valid network name, or the
   *     Service declares no port
   */
  static Optional<ServiceGateway> parse(Service service) {
    Map<String, String> labels = service.getMetadata() == null ? null : service.getMetadata().getLabels();
    String network = labels == null ? null : labels.get(KubeTranslator.NETWORK_LABEL);
    if (network == null) {
      return Optional.empty();
    }
    if (!NETWORK_NAME.matcher(network).matches()) {
      throw new InvalidInputException("label " + KubeTranslator.NETWORK_LABEL + " is '" + network
          + "'; expected a network name (letters, digits, '-', '_' or '.') for an east-west gateway Service;"
          + " the Service is served, but not as a gateway");
    }
    List<io.fabric8.kubernetes.api.model.ServicePort> ports =
        service.getSpec() == null || service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
    Integer port = null;
    for (io.fabric8.kubernetes.api.model.ServicePort p : ports) {
      if (p != null && TLS_PORT_NAME.equals(p.getName())) {
        port = p.getPort();
        break;
      }
    }
    if (port == null && ports.stream().anyMatch(p -> p != null && Integer.valueOf(DEFAULT_PORT).equals(p.getPort()))) {
      port = DEFAULT_PORT;
    }
    if (port == null && !ports.isEmpty() && ports.get(0) != null) {
      port = ports.get(0).getPort();
    }
    if (port == null || port < 1 || port > 65535) {
      throw new InvalidInputException("label " + KubeTranslator.NETWORK_LABEL + " makes it an east-west gateway of"
          + " network '" + network + "', but it has no usable port; expected a port named '" + TLS_PORT_NAME
          + "' (or " + DEFAULT_PORT + ")");
    }
    return Optional.of(new ServiceGateway(network, addresses(service), port));
  }

  /** Load-balancer ingress IPs and hostnames, else external IPs, each once, in declared order. */
  private static List<String> addresses(Service service) {
    Set<String> out = new LinkedHashSet<>();
    if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null
        && service.getStatus().getLoadBalancer().getIngress() != null) {
      for (LoadBalancerIngress ingress : service.getStatus().getLoadBalancer().getIngress()) {
        if (ingress == null) {
          continue;
        }
        if (ingress.getIp() != null && !ingress.getIp().isBlank()) {
          out.add(ingress.getIp().trim());
        } else if (ingress.getHostname() != null && !ingress.getHostname().isBlank()) {
          out.add(ingress.getHostname().trim());
        }
      }
    }
    if (out.isEmpty() && service.getSpec() != null && service.getSpec().getExternalIPs() != null) {
      service.getSpec().getExternalIPs().stream().filter(ip -> ip != null && !ip.isBlank())
          .map(String::trim).forEach(out::add);
    }
    return new ArrayList<>(out);
  }
}
