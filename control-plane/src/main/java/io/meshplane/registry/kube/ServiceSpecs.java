package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Service;
import io.meshplane.model.InvalidInputException;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Validates a core/v1 Service and turns it into a {@link ServiceSpec}. Stateless. */
final class ServiceSpecs {

  static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

  private ServiceSpecs() {}

  /**
   * The spec of a Service that is not of type ExternalName.
   *
   * @throws InvalidInputException naming the field and the expected form
   */
  static ServiceSpec parse(Service service) {
    ObjectMeta meta = service.getMetadata();
    String name = meta == null ? null : meta.getName();
    String namespace = meta == null ? null : meta.getNamespace();
    requireDnsLabel("metadata.name", name);
    requireDnsLabel("metadata.namespace", namespace);
    List<ServicePort> ports = new ArrayList<>();
    List<io.fabric8.kubernetes.api.model.ServicePort> declared =
        service.getSpec() == null || service.getSpec().getPorts() == null
            ? List.of() : service.getSpec().getPorts();
    for (int i = 0; i < declared.size(); i++) {
      ports.add(port("spec.ports[" + i + "]", declared.get(i)));
    }
    Map<String, String> annotations = meta.getAnnotations();
    String exportTo = annotations == null ? null : annotations.get(KubeTranslator.EXPORT_TO_ANNOTATION);
    return new ServiceSpec(name, namespace, ports, parseExportTo(exportTo));
  }

  private static ServicePort port(String field, io.fabric8.kubernetes.api.model.ServicePort p) {
    if (p == null) {
      throw new InvalidInputException(field + " is null; expected a port object");
    }
    Integer port = p.getPort();
    if (port == null || port < 1 || port > 65535) {
      throw new InvalidInputException(field + ".port is " + port + "; expected 1-65535");
    }
    int targetPort = port;
    IntOrString target = p.getTargetPort();
    if (target != null && target.getIntVal() != null) {
      targetPort = target.getIntVal();
      if (targetPort < 1 || targetPort > 65535) {
        throw new InvalidInputException(field + ".targetPort is " + targetPort
            + "; expected 1-65535 or a port name");
      }
    } else if (target != null && target.getStrVal() != null) {
      targetPort = 0;
    }
    String protocol = p.getProtocol() == null || p.getProtocol().isBlank()
        ? "TCP" : p.getProtocol().trim().toUpperCase(Locale.ROOT);
    if (!PROTOCOLS.contains(protocol)) {
      throw new InvalidInputException(field + ".protocol is '" + p.getProtocol()
          + "'; expected TCP, UDP or SCTP");
    }
    return new ServicePort(p.getName() == null ? "" : p.getName(), port, targetPort, protocol);
  }

  /**
   * Parses the {@code networking.istio.io/exportTo} annotation; absent or blank means the mesh
   * default (an empty list).
   *
   * @throws InvalidInputException naming the annotation and the expected form
   */
  static List<String> parseExportTo(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    Set<String> entries = new LinkedHashSet<>();
    for (String raw : value.split(",", -1)) {
      String entry = raw.trim();
      if (!entry.equals("*") && !entry.equals(".") && !entry.equals("~")
          && !DNS_LABEL.matcher(entry).matches()) {
        throw new InvalidInputException("annotation " + KubeTranslator.EXPORT_TO_ANNOTATION + " is '"
            + value + "'; entry '" + entry + "' is not valid: expected a comma-separated list of '*', '.', "
            + "'~' or namespace names (DNS labels)");
      }
      entries.add(entry);
    }
    if (entries.contains("~") && entries.size() > 1) {
      throw new InvalidInputException("annotation " + KubeTranslator.EXPORT_TO_ANNOTATION + " is '"
          + value + "'; expected '~' (exported nowhere) alone, not combined with other entries");
    }
    return List.copyOf(entries);
  }

  private static void requireDnsLabel(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidInputException(field + " is missing; expected a DNS label");
    }
    if (!DNS_LABEL.matcher(value).matches()) {
      throw new InvalidInputException(field + " '" + value
          + "' is not a DNS label; expected lower-case letters, digits and '-', at most 63 characters");
    }
  }
}
