package io.meshplane.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.meshplane.model.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a node reads from its config cluster (the cluster of {@code meshplane.cluster-id}) and
 * beside it: whether remote secrets are followed and in which namespace, and where the mesh config
 * comes from (a file, a ConfigMap in that namespace, or both). Read from {@code meshplane.remote-secrets}
 * and {@code meshplane.mesh-config}. Immutable.
 *
 * @param remoteSecrets whether remote secrets make member clusters
 * @param namespace the namespace of the remote secrets and the mesh-config ConfigMap
 * @param meshConfigFile a YAML file of mesh config, re-read when it changes
 * @param meshConfigMap the name of a ConfigMap whose key {@code mesh} holds mesh config
 * @param meshConfigPoll how often the file is checked for changes
 */
public record ConfigClusterSettings(boolean remoteSecrets, String namespace, Optional<Path> meshConfigFile,
    Optional<String> meshConfigMap, Duration meshConfigPoll) {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

  /**
   * Reads and validates the settings.
   *
   * @throws InvalidInputException naming the setting, its value and the expected form
   */
  public static ConfigClusterSettings from(Config root) {
    Config c = root.getConfig("meshplane");
    try {
      String namespace = c.getString("remote-secrets.namespace").trim();
      if (!DNS_LABEL.matcher(namespace).matches()) {
        throw new InvalidInputException("meshplane.remote-secrets.namespace: '" + namespace + "' is not a namespace "
            + "name; expected lower-case letters, digits and '-', at most 63 characters");
      }
      String file = c.getString("mesh-config.file").trim();
      String map = c.getString("mesh-config.configmap").trim();
      if (!map.isEmpty() && !DNS_SUBDOMAIN.matcher(map).matches()) {
        throw new InvalidInputException("meshplane.mesh-config.configmap: '" + map + "' is not a ConfigMap name; "
            + "expected lower-case letters, digits, '-' and '.'");
      }
      Duration poll;
      try {
        poll = c.getDuration("mesh-config.poll-interval");
      } catch (ConfigException.BadValue | ConfigException.WrongType e) {
        throw new InvalidInputException("meshplane.mesh-config.poll-interval: '"
            + c.getValue("mesh-config.poll-interval").unwrapped() + "' is not a duration; expected for example 5s");
      }
      if (poll.isNegative() || poll.isZero()) {
        throw new InvalidInputException("meshplane.mesh-config.poll-interval: " + poll + " must be positive");
      }
      return new ConfigClusterSettings(c.getBoolean("remote-secrets.enabled"), namespace,
          file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file)),
          map.isEmpty() ? Optional.empty() : Optional.of(map), poll);
    } catch (ConfigException e) {
      throw new InvalidInputException("bad configuration: " + e.getMessage());
    }
  }
}
