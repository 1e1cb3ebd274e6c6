package io.meshplane.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.InvalidInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads mesh config from YAML into a validated {@link MeshConfig}. The form:
 *
 * <pre>
 * meshId: mesh1                      # a name
 * trustDomain: cluster.local         # a DNS name
 * networks:                          # by name
 *   network-1:
 *     gateways:
 *     - address: 192.0.2.10          # an IP address or a DNS name
 *       port: 15443                  # 1-65535
 * defaultExportTo: ["*"]             # "*", "." , "~" (alone) or namespace names
 * clusterLocalHosts:                 # hostnames or *.namespace.svc.cluster.local patterns
 * - "*.kube-system.svc.cluster.local"
 * localityFailover: true
 * </pre>
 *
 * Every key is optional (missing ones take {@link MeshConfig#DEFAULT}'s values); unknown keys are
 * errors, so a typo is not silently ignored. Every problem is reported at once, each naming the
 * field and the expected form. Stateless.
 */
public final class MeshConfigs {

  static final Set<String> KEYS = Set.of("meshId", "trustDomain", "networks", "defaultExportTo",
      "clusterLocalHosts", "localityFailover");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern DNS_NAME = Pattern.compile(
      "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern HOST_PATTERN = Pattern.compile(
      "(\\*\\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private MeshConfigs() {}

  /**
   * Parses and validates {@code yaml}.
   *
   * @param source where it came from, for messages (a file path, a ConfigMap)
   * @throws InvalidInputException naming the source, every bad field and the expected form
   */
  public static MeshConfig parse(String yaml, String source) {
    return fromTree(tree(yaml, source), source);
  }

  /**
   * Parses YAML into a mapping, unvalidated: the form in which sources are layered.
   *
   * @throws InvalidInputException when it is not YAML or not a mapping
   */
  public static ObjectNode tree(String yaml, String source) {
    JsonNode root;
    try {
      root = yaml == null || yaml.isBlank() ? null : YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("mesh config " + source + " is not valid YAML (" + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()) + "); expected a mapping with "
          + "the keys " + String.join(", ", sorted(KEYS)));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new InvalidInputException("mesh config " + source + " is empty; expected a mapping with the keys "
          + String.join(", ", sorted(KEYS)));
    }
    if (!root.isObject()) {
      throw new InvalidInputException("mesh config " + source + " is a " + kind(root)
          + "; expected a mapping with the keys " + String.join(", ", sorted(KEYS)));
    }
    return (ObjectNode) root;
  }

  /** Validates a mapping (see {@link #tree}) into a config. */
  public static MeshConfig fromTree(ObjectNode root, String source) {
    List<String> errors = new ArrayList<>();
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) {
        errors.add(key + ": unknown key; expected one of " + String.join(", ", sorted(KEYS)));
      }
    }
    MeshConfig d = MeshConfig.DEFAULT;
    String meshId = string(root, "meshId", d.meshId(), NAME, "a name of letters, digits, '-', '_' or '.'", errors);
    String trustDomain = string(root, "trustDomain", d.trustDomain(), DNS_NAME,
        "a DNS name such as cluster.local (lower case, no scheme or port)", errors);
    Map<String, MeshConfig.Network> networks = networks(root.get("networks"), errors);
    List<String> exportTo = exportTo(root.get("defaultExportTo"), d.defaultExportTo(), errors);
    List<String> local = strings(root.get("clusterLocalHosts"), "clusterLocalHosts", d.clusterLocalHosts(),
        HOST_PATTERN, "a hostname such as db.shop.svc.cluster.local or a pattern such as *.shop.svc.cluster.local",
        errors);
    boolean failover = d.localityFailover();
    JsonNode f = root.get("localityFailover");
    if (f != null) {
      if (f.isBoolean()) {
        failover = f.booleanValue();
      } else {
        errors.add("localityFailover: " + show(f) + " is not a boolean; expected true or false");
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidInputException("mesh config " + source + " is invalid: " + String.join("; ", errors));
    }
    return new MeshConfig(meshId, trustDomain, networks, exportTo, local, failover);
  }

  private static String string(JsonNode root, String key, String fallback, Pattern form, String expected,
      List<String> errors) {
    JsonNode v = root.get(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isTextual() || !form.matcher(v.textValue()).matches()) {
      errors.add(key + ": " + show(v) + " is not valid; expected " + expected);
      return fallback;
    }
    return v.textValue();
  }

  private static Map<String, MeshConfig.Network> networks(JsonNode v, List<String> errors) {
    Map<String, MeshConfig.Network> out = new LinkedHashMap<>();
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isObject()) {
      errors.add("networks: " + show(v) + " is not a mapping; expected network names, each with a list of gateways");
      return out;
    }
    v.fields().forEachRemaining(e -> {
      String name = e.getKey();
      String at = "networks." + name;
      if (!NAME.matcher(name).matches()) {
        errors.add(at + ": '" + name + "' is not a network name; expected letters, digits, '-', '_' or '.'");
        return;
      }
      JsonNode n = e.getValue();
      List<MeshConfig.Gateway> gateways = new ArrayList<>();
      if (n != null && !n.isNull()) {
        if (!n.isObject()) {
          errors.add(at + ": " + show(n) + " is not a mapping; expected 'gateways: [{address, port}]'");
          return;
        }
        n.fieldNames().forEachRemaining(k -> {
          if (!k.equals("gateways")) {
            errors.add(at + "." + k + ": unknown key; expected gateways");
          }
        });
        JsonNode g = n.get("gateways");
        if (g != null && !g.isNull()) {
          if (!g.isArray()) {
            errors.add(at + ".gateways: " + show(g) + " is not a list; expected a list of {address, port}");
          } else {
            for (int i = 0; i < g.size(); i++) {
              gateway(g.get(i), at + ".gateways[" + i + "]", errors, gateways);
            }
          }
        }
      }
      out.put(name, new MeshConfig.Network(name, gateways));
    });
    return out;
  }

  private static void gateway(JsonNode g, String at, List<String> errors, List<MeshConfig.Gateway> out) {
    if (!g.isObject()) {
      errors.add(at + ": " + show(g) + " is not a mapping; expected {address: <IP or DNS name>, port: <1-65535>}");
      return;
    }
    boolean ok = true;
    JsonNode address = g.get("address");
    if (address == null || !address.isTextual() || !validAddress(address.textValue())) {
      errors.add(at + ".address: " + (address == null ? "missing" : show(address) + " is not valid")
          + "; expected an IP address or a DNS name");
      ok = false;
    }
    JsonNode port = g.get("port");
    if (port == null || !port.canConvertToInt() || !port.isIntegralNumber() || port.intValue() < 1
        || port.intValue() > 65535) {
      errors.add(at + ".port: " + (port == null ? "missing" : show(port) + " is not a port")
          + "; expected a number 1-65535");
      ok = false;
    }
    g.fieldNames().forEachRemaining(k -> {
      if (!k.equals("address") && !k.equals("port")) {
        errors.add(at + "." + k + ": unknown key; expected address and port");
      }
    });
    if (ok) {
      out.add(new MeshConfig.Gateway(address.textValue(), port.intValue()));
    }
  }

  private static boolean validAddress(String a) {
    var ipv4 = IPV4.matcher(a);
    if (ipv4.matches()) {
      for (int i = 1; i <= 4; i++) {
        if (Integer.parseInt(ipv4.group(i)) > 255) {
          return false;
        }
      }
      return true;
    }
    if (a.contains(":")) {
      return a.matches("[0-9A-Fa-f:.]+") && a.chars().filter(ch -> ch == ':').count() >= 2;
    }
    return DNS_NAME.matcher(a).matches() && !a.matches("[0-9.]+");
  }

  private static List<String> exportTo(JsonNode v, List<String> fallback, List<String> errors) {
    List<String> values = strings(v, "defaultExportTo", fallback, Pattern.compile("\\*|\\.|~|" + NAMESPACE.pattern()),
        "'*' (everyone), '.' (own namespace), '~' (no one) or a namespace name", errors);
    if (values.contains("~") && values.size() > 1) {
      errors.add("defaultExportTo: " + values + " mixes '~' with other values; expected '~' alone");
    }
    if (v != null && values.isEmpty() && errors.stream().noneMatch(e -> e.startsWith("defaultExportTo"))) {
      errors.add("defaultExportTo: empty; expected at least one of '*', '.', '~' or namespace names");
    }
    return values;
  }

  private static List<String> strings(JsonNode v, String key, List<String> fallback, Pattern form, String expected,
      List<String> errors) {
    if (v == null) {
      return fallback;
    }
    if (!v.isArray()) {
      errors.add(key + ": " + show(v) + " is not a list; expected a list of " + expected);
      return fallback;
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (!item.isTextual() || !form.matcher(item.textValue()).matches()) {
        errors.add(key + "[" + i + "]: " + show(item) + " is not valid; expected " + expected);
      } else {
        out.add(item.textValue());
      }
    }
    return out;
  }

  private static String show(JsonNode v) {
    return v.isTextual() ? "'" + v.textValue() + "'" : v.toString();
  }

  private static String kind(JsonNode v) {
    return v.isArray() ? "list" : v.isTextual() ? "string" : v.isNumber() ? "number" : v.getNodeType().toString()
        .toLowerCase(java.util.Locale.ROOT);
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
