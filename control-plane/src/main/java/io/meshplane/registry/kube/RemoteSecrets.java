package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.meshplane.model.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The remote-secret format, and the resolution of a set of remote secrets into member clusters.
 * A remote secret is a Secret in the control plane's namespace of the config cluster, labelled
 * {@value #LABEL}{@code =true}, whose annotations (or data keys of the same short names) give the
 * cluster id ({@value #CLUSTER_ID}, required), its default network ({@value #NETWORK}) and region
 * ({@value #REGION}), and whose data key {@value #KUBECONFIG} holds a kubeconfig with inline
 * credentials. {@code meshplane create-remote-secret} writes one. Stateless.
 */
public final class RemoteSecrets {

  /** The label that makes a Secret a remote secret (value {@code "true"}). */
  public static final String LABEL = "meshplane.io/remote-cluster";
  public static final String CLUSTER_ID = "meshplane.io/cluster-id";
  public static final String NETWORK = "meshplane.io/network";
  public static final String REGION = "meshplane.io/region";
  /** The data key of the kubeconfig. */
  public static final String KUBECONFIG = "kubeconfig";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final String NAME_FORM = "letters, digits, '-', '_' or '.', at most 63 characters";

  private RemoteSecrets() {}

  /**
   * One member cluster from a remote secret. {@code problem} is empty when the kubeconfig is
   * usable, else it says what is wrong and what was expected (the cluster then cannot be
   * watched until the secret is fixed). Immutable.
   *
   * @param secret the secret as namespace/name
   * @param fingerprint a digest of the kubeconfig and network: a new one means the watch must
   *     restart (rotated credentials, or a new default network)
   */
  public record RemoteCluster(String clusterId, String network, String region, String kubeconfig,
      String secret, String createdAt, String fingerprint, Optional<String> problem) {

    public boolean usable() {
      return problem.isEmpty();
    }
  }

  /**
   * What became of one remote secret: {@code clusterId} is empty when it names none; {@code state}
   * is {@code active}, {@code broken} (the cluster is a member but its kubeconfig is unusable),
   * {@code kept} (its new kubeconfig is unusable; the previous one stays in use) or
   * {@code rejected} (not used at all); {@code detail} says why.
   */
  public record SecretStatus(String secret, String clusterId, String state, String detail) {}

  /** The result of {@link #resolve}: the member clusters by id, and every secret's status. */
  public record Resolution(Map<String, RemoteCluster> clusters, List<SecretStatus> secrets) {
    public Resolution {
      clusters = Map.copyOf(clusters);
      secrets = List.copyOf(secrets);
    }
  }

  /**
   * Reads one secret.
   *
   * @throws InvalidInputException when it names no valid cluster id (naming the secret and the
   *     expected form)
   */
  public static RemoteCluster read(Secret secret, String defaultNetwork) {
    ObjectMeta meta = secret.getMetadata();
    String where = ref(secret);
    String clusterId = value(secret, CLUSTER_ID);
    if (clusterId.isEmpty()) {
      throw new InvalidInputException("remote secret " + where + " names no cluster: expected the annotation "
          + CLUSTER_ID + " (or data key cluster-id) with the member cluster's id");
    }
    if (!NAME.matcher(clusterId).matches()) {
      throw new InvalidInputException("remote secret " + where + ": " + CLUSTER_ID + " '" + clusterId
          + "' is not a valid cluster id; expected " + NAME_FORM);
    }
    String network = value(secret, NETWORK);
    String region = value(secret, REGION);
    String kubeconfig = data(secret, KUBECONFIG);
    Optional<String> problem = Optional.empty();
    if (!network.isEmpty() && !NAME.matcher(network).matches()) {
      problem = Optional.of("remote secret " + where + ": " + NETWORK + " '" + network + "' is not a valid network "
          + "name; expected " + NAME_FORM);
    } else if (kubeconfig.isEmpty()) {
      problem = Optional.of("remote secret " + where + " has no data key '" + KUBECONFIG
          + "'; expected a kubeconfig with inline credentials there");
    } else {
      try {
        KubeClients.kubeconfigConfig(kubeconfig, "remote secret " + where + ", key " + KUBECONFIG);
      } catch (InvalidInputException e) {
        problem = Optional.of(e.getMessage());
      }
    }
    String created = meta.getCreationTimestamp() == null ? "" : meta.getCreationTimestamp();
    return new RemoteCluster(clusterId, network.isEmpty() ? defaultNetwork : network, region, kubeconfig, where,
        created, digest((network.isEmpty() ? defaultNetwork : network) + "\n" + kubeconfig), problem);
  }

  /**
   * Resolves secrets into member clusters: a secret without a cluster id, or claiming the config
   * cluster's id, is rejected; of several secrets claiming one id the oldest (then the first by
   * name) wins; a winner whose kubeconfig is unusable keeps {@code previous}'s usable one for that
   * id if there is one, else the cluster is a member whose watch cannot start.
   */
  public static Resolution resolve(List<Secret> secrets, String configClusterId, String defaultNetwork,
      Map<String, RemoteCluster> previous) {
    List<SecretStatus> statuses = new ArrayList<>();
    Map<String, List<RemoteCluster>> claims = new TreeMap<>();
    List<Secret> sorted = new ArrayList<>(secrets);
    sorted.sort(Comparator.comparing(RemoteSecrets::ref));
    for (Secret secret : sorted) {
      RemoteCluster cluster;
      try {
        cluster = read(secret, defaultNetwork);
      } catch (InvalidInputException e) {
        statuses.add(new SecretStatus(ref(secret), "", "rejected", e.getMessage()));
        continue;
      }
      if (cluster.clusterId().equals(configClusterId)) {
        statuses.add(new SecretStatus(cluster.secret(), cluster.clusterId(), "rejected", "remote secret "
            + cluster.secret() + " claims cluster " + configClusterId + ", which is this control plane's own config "
            + "cluster (meshplane.cluster-id); expected the id of another cluster"));
        continue;
      }
      claims.computeIfAbsent(cluster.clusterId(), k -> new ArrayList<>()).add(cluster);
    }
    Map<String, RemoteCluster> clusters = new LinkedHashMap<>();
    claims.forEach((id, claimants) -> {
      // Oldest first; creationTimestamp is RFC 3339 in UTC, so text order is time order.
      claimants.sort(Comparator.comparing(RemoteCluster::createdAt).thenComparing(RemoteCluster::secret));
      RemoteCluster winner = claimants.get(0);
      for (RemoteCluster loser : claimants.subList(1, claimants.size())) {
        statuses.add(new SecretStatus(loser.secret(), id, "rejected", "remote secrets " + winner.secret() + " and "
            + loser.secret() + " both claim cluster " + id + "; the oldest, " + winner.secret()
            + ", is used; expected one secret per cluster id"));
      }
      RemoteCluster before = previous.get(id);
      if (winner.usable()) {
        clusters.put(id, winner);
        statuses.add(new SecretStatus(winner.secret(), id, "active", ""));
      } else if (before != null && before.usable()) {
        clusters.put(id, before);
        statuses.add(new SecretStatus(winner.secret(), id, "kept", winner.problem().get()
            + "; the previous kubeconfig (from " + before.secret() + ") stays in use"));
      } else {
        clusters.put(id, winner);
        statuses.add(new SecretStatus(winner.secret(), id, "broken", winner.problem().get()));
      }
    });
    statuses.sort(Comparator.comparing(SecretStatus::secret).thenComparing(SecretStatus::clusterId));
    return new Resolution(clusters, statuses);
  }

  static String ref(Secret secret) {
    ObjectMeta meta = secret.getMetadata();
    if (meta == null) {
      return "<no metadata>";
    }
    return (meta.getNamespace() == null ? "" : meta.getNamespace() + "/") + meta.getName();
  }

  /** The annotation, else the data key of the annotation's short name ("meshplane.io/x" -> "x"). */
  private static String value(Secret secret, String annotation) {
    Map<String, String> annotations = secret.getMetadata() == null || secret.getMetadata().getAnnotations() == null
        ? Map.of() : secret.getMetadata().getAnnotations();
    String v = annotations.get(annotation);
    if (v == null || v.isBlank()) {
      v = data(secret, annotation.substring(annotation.indexOf('/') + 1));
    }
    return v == null ? "" : v.trim();
  }

  /** A data key (base64) or, as written by hand and not yet converted by an API server, stringData. */
  private static String data(Secret secret, String key) {
    Map<String, String> data = secret.getData() == null ? new HashMap<>() : secret.getData();
    String encoded = data.get(key);
    if (encoded != null) {
      try {
        return new String(Base64.getMimeDecoder().decode(encoded), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return "";
      }
    }
    Map<String, String> plain = secret.getStringData() == null ? Map.of() : secret.getStringData();
    return plain.getOrDefault(key, "");
  }

  private static String digest(String content) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
