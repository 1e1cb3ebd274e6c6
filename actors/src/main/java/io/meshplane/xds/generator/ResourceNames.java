package io.meshplane.xds.generator;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.ServiceSpec;
import java.util.List;
import java.util.Optional;

/**
 * How xDS resources of a service port are named, and the way back from a requested name to the
 * service. Stateless.
 *
 * <ul>
 *   <li>Listener and RouteConfiguration: {@code <hostname>:<port>}, the name grpc-java asks for
 *       when dialing {@code xds:///<hostname>:<port>}.
 *   <li>Cluster and ClusterLoadAssignment: {@code outbound|<port>||<hostname>}, Istio's
 *       convention (the empty field is the subset, which Meshplane does not generate).
 * </ul>
 *
 * <p>Names come from clients, so parsing never throws: anything that is not one of these forms
 * parses to {@link Optional#empty()}.
 */
public final class ResourceNames {

  /** Longer requested names are rejected without further parsing. */
  public static final int MAX_NAME_LENGTH = 512;

  private static final String OUTBOUND = "outbound|";
  private static final String SVC = "svc";

  private ResourceNames() {}

  /** A service hostname and one of its ports, as named by a resource. Immutable. */
  public record HostPort(String hostname, int port) {

    public HostPort {
      requireNonNull(hostname, "hostname");
      if (hostname.isEmpty()) {
        throw new IllegalArgumentException("hostname is empty");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be 1-65535, was " + port);
      }
    }
  }

  /** The listener of a service port: {@code <hostname>:<port>}. */
  public static String listener(String hostname, int port) {
    return hostname + ":" + port;
  }

  /** The route configuration of a service port; the same name as its listener. */
  public static String route(String hostname, int port) {
    return listener(hostname, port);
  }

  /** The cluster of a service port: {@code outbound|<port>||<hostname>}. */
  public static String cluster(String hostname, int port) {
    return OUTBOUND + port + "||" + hostname;
  }

  /** The ClusterLoadAssignment of a service port; the same name as its cluster. */
  public static String clusterLoadAssignment(String hostname, int port) {
    return cluster(hostname, port);
  }

  /**
   * The shorter listener names a client may dial for a service port, as Kubernetes DNS would
   * resolve them: {@code name.namespace.svc:port}, {@code name.namespace:port} and
   * {@code name:port}. The last one means this service only to proxies in its namespace.
   */
  public static List<String> listenerAliases(String name, String namespace, int port) {
    return List.of(
        name + "." + namespace + "." + SVC + ":" + port,
        name + "." + namespace + ":" + port,
        name + ":" + port);
  }

  /**
   * Parses a listener name: a full hostname ({@code name.namespace.svc.cluster.local:port} or
   * any other host of three or more labels), or the short forms {@code name.namespace:port} and
   * {@code name.namespace.svc:port}, which expand with {@link ServiceSpec#DOMAIN_SUFFIX}. A bare
   * {@code name:port} needs the proxy's namespace: see {@link #parseListener(String, String)}.
   */
  public static Optional<HostPort> parseListener(String name) {
    return parseListener(name, null);
  }

  /**
   * Like {@link #parseListener(String)}, and a bare {@code name:port} expands with the proxy's
   * namespace ({@code null} or an invalid namespace leaves bare names unparsed).
   */
  public static Optional<HostPort> parseListener(String name, String proxyNamespace) {
    if (name == null || name.length() > MAX_NAME_LENGTH) {
      return Optional.empty();
    }
    int colon = name.lastIndexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    String host = name.substring(0, colon);
    int port = parsePort(name.substring(colon + 1));
    if (port == 0 || !isHost(host)) {
      return Optional.empty();
    }
    String[] labels = host.split("\\.", -1);
    String hostname;
    if (labels.length == 1) {
      if (proxyNamespace == null || proxyNamespace.contains(".") || !isHost(proxyNamespace)) {
        return Optional.empty();
      }
      hostname = ServiceSpec.hostname(host, proxyNamespace);
    } else if (labels.length == 2 || (labels.length == 3 && labels[2].equals(SVC))) {
      hostname = ServiceSpec.hostname(labels[0], labels[1]);
    } else {
      hostname = host;
    }
    return Optional.of(new HostPort(hostname, port));
  }

  /**
   * Parses a cluster (or ClusterLoadAssignment) name {@code outbound|<port>||<hostname>}; other
   * directions and named subsets are not generated here, so they parse to empty.
   */
  public static Optional<HostPort> parseCluster(String name) {
    if (name == null || name.length() > MAX_NAME_LENGTH || !name.startsWith(OUTBOUND)) {
      return Optional.empty();
    }
    String[] parts = name.substring(OUTBOUND.length()).split("\\|", -1);
    if (parts.length != 3 || !parts[1].isEmpty()) {
      return Optional.empty();
    }
    int port = parsePort(parts[0]);
    if (port == 0 || !isHost(parts[2])) {
      return Optional.empty();
    }
    return Optional.of(new HostPort(parts[2], port));
  }

  /** 1-65535 in canonical decimal (no sign, no leading zero), else 0. */
  private static int parsePort(String text) {
    if (text.isEmpty() || text.length() > 5 || text.charAt(0) == '0') {
      return 0;
    }
    int port = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535 ? port : 0;
  }

  /** Non-empty dot-separated labels of [A-Za-z0-9_-]; no empty label. */
  private static boolean isHost(String host) {
    if (host.isEmpty() || host.charAt(0) == '.' || host.charAt(host.length() - 1) == '.') {
      return false;
    }
    char previous = 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || (c == '.' && previous != '.');
      if (!ok) {
        return false;
      }
      previous = c;
    }
    return true;
  }
}
