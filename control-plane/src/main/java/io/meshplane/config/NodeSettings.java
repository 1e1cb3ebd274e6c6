package io.meshplane.config;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.meshplane.cluster.Regions;
import io.meshplane.model.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The validated settings of one control-plane node, read from the {@code meshplane} section of a
 * Typesafe Config. Immutable.
 */
public record NodeSettings(
    String nodeName,
    String clusterId,
    String network,
    String region,
    List<String> regions,
    String zone,
    Optional<Path> kubeconfig,
    String bindHost,
    int xdsPort,
    int adminPort,
    List<String> cassandraContactPoints,
    String cassandraDatacenter,
    Path embeddedCassandraDir,
    int embeddedCassandraPort,
    String remotingHost,
    int remotingPort,
    ClusterJoin join,
    Duration quietWindow,
    Duration maxDelay,
    Duration pushRefresh,
    int admissionRate,
    int admissionBurst,
    Duration takeoverStartupGrace) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern REGION = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern HOST_PORT = Pattern.compile("[^:\\s]+:\\d{1,5}");

  public NodeSettings {
    cassandraContactPoints = List.copyOf(cassandraContactPoints);
    regions = List.copyOf(regions);
    requireNonNull(join);
    if (!regions.isEmpty() && !regions.contains(region)) {
      throw new InvalidInputException("meshplane.region: '" + region + "' is not one of meshplane.regions "
          + regions + "; expected this node's region among them");
    }
  }

  /**
   * The Pekko data center of this node: its region in a multi-region control plane, else Pekko's
   * {@code default}.
   */
  public String dataCenter() {
    return regions.isEmpty() ? Regions.DEFAULT : region;
  }

  /** Whether no Cassandra was configured and a local one must be started. */
  public boolean embeddedCassandra() {
    return cassandraContactPoints.isEmpty();
  }

  /**
   * Reads and validates {@code config}'s {@code meshplane} section.
   *
   * @throws InvalidInputException naming the setting, its value and the expected form
   */
  public static NodeSettings from(Config root) {
    Config c = root.getConfig("meshplane");
    try {
      String clusterId = name(c, "cluster-id");
      int xdsPort = port(c, "xds.port", false);
      String nodeName = c.getString("node-name").isBlank()
          ? c.getString("remoting.host") + ":" + xdsPort : c.getString("node-name").trim();
      List<String> contactPoints = c.getStringList("cassandra.contact-points");
      for (String cp : contactPoints) {
        if (!HOST_PORT.matcher(cp).matches()) {
          throw new InvalidInputException("meshplane.cassandra.contact-points: '" + cp
              + "' is not host:port; expected for example 10.0.0.5:9042");
        }
      }
      String kubeconfig = c.getString("kubeconfig").trim();
      String bindHost = c.getString("bind-host");
      ClusterJoin join = ClusterJoin.from(c, c.getString("remoting.host"), bindHost);
      List<String> regions = c.getStringList("regions").stream().map(String::trim).toList();
      for (String r : regions) {
        if (!REGION.matcher(r).matches()) {
          throw new InvalidInputException("meshplane.regions: '" + r + "' is not a valid region name; expected"
              + " lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
      }
      if (regions.size() != regions.stream().distinct().count()) {
        throw new InvalidInputException("meshplane.regions: " + regions + " names a region twice");
      }
      return new NodeSettings(nodeName, clusterId, name(c, "network"), optionalName(c, "region"), regions,
          optionalName(c, "zone"), kubeconfig.isEmpty() ? Optional.empty() : Optional.of(Path.of(kubeconfig)),
          bindHost, xdsPort, port(c, "admin.port", false), contactPoints,
          c.getString("cassandra.local-datacenter"), Path.of(c.getString("cassandra.embedded.data-dir")),
          port(c, "cassandra.embedded.native-port", false), c.getString("remoting.host"),
          port(c, "remoting.port", true), join, duration(c, "push.quiet-window"),
          duration(c, "push.max-delay"), duration(c, "push.refresh"), positive(c, "xds.admission.rate"),
          positive(c, "xds.admission.burst"), durationOrZero(c, "takeover-startup-grace"));
    } catch (ConfigException e) {
      throw new InvalidInputException("bad configuration: " + e.getMessage());
    }
  }

  static String name(Config c, String path) {
    String v = c.getString(path).trim();
    if (!NAME.matcher(v).matches()) {
      throw new InvalidInputException("meshplane." + path + ": '" + v + "' is not a valid name; expected letters, "
          + "digits, '-', '_' or '.', at most 63 characters");
    }
    return v;
  }

  private static String optionalName(Config c, String path) {
    return c.getString(path).isBlank() ? "" : name(c, path);
  }

  static int port(Config c, String path, boolean zeroAllowed) {
    int v;
    try {
      v = c.getInt(path);
    } catch (ConfigException.WrongType e) {
      throw new InvalidInputException("meshplane." + path + ": '" + c.getValue(path).unwrapped()
          + "' is not a port; expected a number 1-65535");
    }
    if (v < (zeroAllowed ? 0 : 1) || v > 65535) {
      throw new InvalidInputException("meshplane." + path + ": " + v + " is not a port; expected "
          + (zeroAllowed ? "0 (any free port) or " : "") + "1-65535");
    }
    return v;
  }

  private static int positive(Config c, String path) {
    int v;
    try {
      v = c.getInt(path);
    } catch (ConfigException.WrongType e) {
      throw new InvalidInputException("meshplane." + path + ": '" + c.getValue(path).unwrapped()
          + "' is not a number; expected a whole number of at least 1");
    }
    if (v < 1) {
      throw new InvalidInputException("meshplane." + path + ": " + v + " must be at least 1");
    }
    return v;
  }

  private static Duration duration(Config c, String path) {
    Duration d = anyDuration(c, path, "100ms or 2s");
    if (d.isNegative() || d.isZero()) {
      throw new InvalidInputException("meshplane." + path + ": " + d + " must be positive");
    }
    return d;
  }

  private static Duration durationOrZero(Config c, String path) {
    Duration d = anyDuration(c, path, "60s, or 0s for none");
    if (d.isNegative()) {
      throw new InvalidInputException("meshplane." + path + ": " + d + " is negative; expected 0s or more");
    }
    return d;
  }

  private static Duration anyDuration(Config c, String path, String example) {
    try {
      return c.getDuration(path);
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw new InvalidInputException("meshplane." + path + ": '" + c.getValue(path).unwrapped()
          + "' is not a duration; expected for example " + example);
    }
  }
}
