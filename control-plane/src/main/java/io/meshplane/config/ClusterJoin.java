package io.meshplane.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import io.meshplane.model.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a node becomes a member of the control plane's Pekko cluster: by a fixed list of seed
 * nodes, or by Pekko Cluster Bootstrap, which finds the other nodes' management servers through
 * discovery (a static list on one machine, the Kubernetes API in Kubernetes) and lets the node
 * with the lowest address form the cluster when none exists yet. Immutable.
 */
public sealed interface ClusterJoin permits ClusterJoin.SeedNodes, ClusterJoin.Bootstrap {

  /** The Pekko configuration that makes a node join this way. */
  Config pekkoConfig();

  /**
   * Reads and validates how to join from a {@code meshplane} section; {@code advertisedHost} is
   * where peers reach this node (its remoting host), {@code bindHost} where its servers listen.
   *
   * @throws InvalidInputException naming the setting, its value and the expected form
   */
  static ClusterJoin from(Config c, String advertisedHost, String bindHost) {
    List<String> seeds = c.getStringList("seed-nodes");
    List<String> contactPoints = c.getStringList("bootstrap.contact-points");
    int managementPort = NodeSettings.port(c, "management.port", false);
    String mode = c.getString("join").trim();
    switch (mode) {
      case "seed-nodes":
        if (!contactPoints.isEmpty()) {
          throw new InvalidInputException("meshplane.bootstrap.contact-points (--contact-point) " + contactPoints
              + " given, but meshplane.join (--join) is seed-nodes; expected --join bootstrap to use contact points");
        }
        return new SeedNodes(seeds);
      case "bootstrap":
        if (!seeds.isEmpty()) {
          throw new InvalidInputException("meshplane.seed-nodes (--seed-node) " + seeds + " given, but "
              + "meshplane.join (--join) is bootstrap; expected either seed nodes (--join seed-nodes) or "
              + "bootstrap, not both");
        }
        String serviceName = NodeSettings.name(c, "bootstrap.service-name");
        Discovery discovery = discovery(c, contactPoints);
        int required = requiredContactPoints(c, discovery);
        return new Bootstrap(advertisedHost, bindHost, managementPort, serviceName, discovery, required);
      default:
        throw new InvalidInputException("meshplane.join (--join): '" + mode + "' is not a join mode; expected "
            + "seed-nodes (a fixed list of seed nodes) or bootstrap (Pekko Cluster Bootstrap)");
    }
  }

  private static Discovery discovery(Config c, List<String> contactPoints) {
    String method = c.getString("bootstrap.discovery").trim();
    switch (method) {
      case "config":
        if (contactPoints.isEmpty()) {
          throw new InvalidInputException("meshplane.bootstrap.contact-points (--contact-point): none given; "
              + "discovery config expects the management address host:port of every node, for example "
              + "--contact-point 127.0.0.1:7626 --contact-point 127.0.0.1:7627");
        }
        List<HostPort> parsed = new ArrayList<>();
        for (String cp : contactPoints) {
          HostPort hp = HostPort.parse("meshplane.bootstrap.contact-points (--contact-point)", cp);
          if (parsed.contains(hp)) {
            throw new InvalidInputException("meshplane.bootstrap.contact-points (--contact-point): " + hp
                + " is listed twice; expected each node's management address once");
          }
          parsed.add(hp);
        }
        return new StaticContactPoints(parsed);
      case "kubernetes-api":
        if (!contactPoints.isEmpty()) {
          throw new InvalidInputException("meshplane.bootstrap.contact-points (--contact-point) " + contactPoints
              + " given, but discovery is kubernetes-api, which finds the pods itself; expected contact points "
              + "only with --discovery config");
        }
        String selector = c.getString("bootstrap.kubernetes.pod-label-selector").trim();
        if (selector.isEmpty()) {
          throw new InvalidInputException("meshplane.bootstrap.kubernetes.pod-label-selector (--pod-label-selector):"
              + " empty; expected a label selector of the control plane's pods, for example app=meshplane");
        }
        String namespace = c.getString("bootstrap.kubernetes.namespace").trim();
        if (!namespace.isEmpty()) {
          NodeSettings.name(c, "bootstrap.kubernetes.namespace");
        }
        return new KubernetesApi(selector, namespace, c.getString("bootstrap.kubernetes.port-name").trim());
      default:
        throw new InvalidInputException("meshplane.bootstrap.discovery (--discovery): '" + method + "' is not a "
            + "discovery method; expected config (a static list of contact points) or kubernetes-api");
    }
  }

  private static int requiredContactPoints(Config c, Discovery discovery) {
    String path = "meshplane.bootstrap.required-contact-points (--required-contact-points)";
    int n;
    try {
      n = c.getInt("bootstrap.required-contact-points");
    } catch (com.typesafe.config.ConfigException.WrongType e) {
      throw new InvalidInputException(path + ": '" + c.getValue("bootstrap.required-contact-points").unwrapped()
          + "' is not a number; expected how many nodes must be found before a new cluster forms");
    }
    if (n < 0) {
      throw new InvalidInputException(path + ": " + n + " is negative; expected at least 1 (0: the default)");
    }
    if (discovery instanceof StaticContactPoints s) {
      if (n > s.contactPoints().size()) {
        throw new InvalidInputException(path + ": " + n + " but only " + s.contactPoints().size()
            + " contact points are listed, so no cluster could ever form; expected at most "
            + s.contactPoints().size());
      }
      return n == 0 ? s.contactPoints().size() : n;
    }
    if (n == 0) {
      throw new InvalidInputException(path + ": not set; discovery kubernetes-api expects the number of pods "
          + "that form a new cluster (the Deployment's replicas), for example --required-contact-points 3");
    }
    return n;
  }

  /** Joins {@code seedNodes} ({@code pekko://meshplane@host:port}); none: the node forms a cluster of its own. */
  record SeedNodes(List<String> seedNodes) implements ClusterJoin {
    public SeedNodes {
      seedNodes = List.copyOf(seedNodes);
    }

    @Override
    public Config pekkoConfig() {
      return ConfigFactory.parseMap(Map.of("pekko.cluster.seed-nodes", seedNodes));
    }
  }

  /**
   * Cluster Bootstrap: the node serves Pekko Management on {@code managementHost:managementPort}
   * (bound on {@code bindHost}), discovers the management servers of its peers under
   * {@code serviceName}, and forms a new cluster only once {@code requiredContactPoints} of them
   * answer and none is a member of a cluster yet.
   */
  record Bootstrap(String managementHost, String bindHost, int managementPort, String serviceName,
      Discovery discovery, int requiredContactPoints) implements ClusterJoin {
    public Bootstrap {
      requireNonNull(managementHost);
      requireNonNull(bindHost);
      requireNonNull(serviceName);
      requireNonNull(discovery);
      if (requiredContactPoints < 1) {
        throw new IllegalArgumentException("requiredContactPoints must be positive: " + requiredContactPoints);
      }
    }

    @Override
    public Config pekkoConfig() {
      Map<String, Object> m = new HashMap<>();
      // Peers find this node's management server at the address its remoting advertises: the
      // join decider recognises itself among the discovered contact points by this host and port.
      m.put("pekko.management.http.hostname", managementHost);
      m.put("pekko.management.http.port", managementPort);
      m.put("pekko.management.http.bind-hostname", bindHost);
      m.put("pekko.management.http.bind-port", managementPort);
      String bootstrap = "pekko.management.cluster.bootstrap.";
      m.put(bootstrap + "contact-point-discovery.service-name", serviceName);
      m.put(bootstrap + "contact-point-discovery.required-contact-point-nr", requiredContactPoints);
      m.put(bootstrap + "contact-point-discovery.discovery-method", discovery.method());
      if (discovery instanceof StaticContactPoints s) {
        List<Map<String, Object>> endpoints = new ArrayList<>();
        for (HostPort cp : s.contactPoints()) {
          endpoints.add(Map.of("host", cp.host(), "port", cp.port()));
        }
        m.put(ConfigUtil.joinPath("pekko", "discovery", "config", "services", serviceName, "endpoints"), endpoints);
        // The listed ports are management ports that differ per node when nodes share a host:
        // keep every one of them instead of only those on this node's own management port.
        m.put(bootstrap + "contact-point.filter-on-fallback-port", false);
      } else if (discovery instanceof KubernetesApi k) {
        m.put("pekko.discovery.kubernetes-api.pod-label-selector", k.podLabelSelector());
        // Probe pods at their IP rather than at a pod DNS name: no dependency on the cluster DNS
        // serving pod records.
        m.put("pekko.discovery.kubernetes-api.use-raw-ip", true);
        if (!k.namespace().isEmpty()) {
          m.put("pekko.discovery.kubernetes-api.pod-namespace", k.namespace());
        }
        m.put(bootstrap + "contact-point-discovery.port-name", k.portName());
      }
      return ConfigFactory.parseMap(m);
    }
  }

  /** Where Cluster Bootstrap looks for the management servers of the other nodes. */
  sealed interface Discovery permits StaticContactPoints, KubernetesApi {
    /** The Pekko Discovery method's name. */
    String method();
  }

  /** Discovery method {@code config}: a fixed list of management addresses, for one machine or fixed hosts. */
  record StaticContactPoints(List<HostPort> contactPoints) implements Discovery {
    public StaticContactPoints {
      contactPoints = List.copyOf(contactPoints);
      if (contactPoints.isEmpty()) {
        throw new IllegalArgumentException("no contact points");
      }
    }

    @Override
    public String method() {
      return "config";
    }
  }

  /**
   * Discovery method {@code kubernetes-api}: the running pods that match {@code podLabelSelector}
   * ({@code %s} stands for the service name) in {@code namespace} (empty: the pod's own). Their
   * management port is the container port named {@code portName}, or this node's management port
   * when it is empty.
   */
  record KubernetesApi(String podLabelSelector, String namespace, String portName) implements Discovery {
    public KubernetesApi {
      requireNonNull(podLabelSelector);
      requireNonNull(namespace);
      requireNonNull(portName);
    }

    @Override
    public String method() {
      return "kubernetes-api";
    }
  }

  /** A contact point: the host and management port of a node. */
  record HostPort(String host, int port) {
    private static final Pattern FORM = Pattern.compile("([^:\\s]+):(\\d{1,5})");

    public HostPort {
      requireNonNull(host);
    }

    /** Parses {@code host:port}, or throws naming {@code setting} and the expected form. */
    static HostPort parse(String setting, String value) {
      Matcher m = FORM.matcher(value.trim());
      if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
        throw new InvalidInputException(setting + ": '" + value + "' is not host:port; expected the host and "
            + "management port (1-65535) of a node, for example 127.0.0.1:7626");
      }
      return new HostPort(m.group(1), Integer.parseInt(m.group(2)));
    }

    @Override
    public String toString() {
      return host + ":" + port;
    }
  }
}
