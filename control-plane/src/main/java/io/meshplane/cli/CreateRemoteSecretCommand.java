package io.meshplane.cli;

import io.fabric8.kubernetes.api.model.AuthInfo;
import io.fabric8.kubernetes.api.model.Cluster;
import io.fabric8.kubernetes.api.model.NamedAuthInfo;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.meshplane.model.InvalidInputException;
import io.meshplane.registry.kube.KubeClients;
import io.meshplane.registry.kube.RemoteSecrets;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshplane create-remote-secret}: prints the remote secret (a Secret's YAML, to apply to
 * the config cluster) that makes the cluster of a kubeconfig a member of the mesh. The kubeconfig
 * is reduced to its current context, whose credentials must be inline: the secret is read on
 * another machine, where the kubeconfig's files do not exist.
 */
@Command(name = "create-remote-secret", mixinStandardHelpOptions = true,
    description = "Prints a remote secret (Secret YAML) that makes the cluster of a kubeconfig a member of the mesh; "
        + "apply it to the config cluster.")
public final class CreateRemoteSecretCommand implements Callable<Integer> {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final String NAME_FORM = "letters, digits, '-', '_' or '.', at most 63 characters";

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--kubeconfig", required = true, paramLabel = "FILE",
      description = "Kubeconfig of the member cluster; its current context is used.")
  Path kubeconfig;

  @Option(names = "--cluster-id", required = true, paramLabel = "ID", description = "The member cluster's id.")
  String clusterId;

  @Option(names = "--network", paramLabel = "NAME",
      description = "The cluster's default network (default: the control plane's meshplane.network).")
  String network = "";

  @Option(names = "--region", paramLabel = "NAME", description = "The cluster's home region.")
  String region = "";

  @Option(names = "--namespace", paramLabel = "NS",
      description = "Namespace of the remote secrets in the config cluster (default meshplane-system).")
  String namespace = "meshplane-system";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      out.print(yaml());
      out.flush();
      return 0;
    } catch (InvalidInputException e) {
      err.println("meshplane create-remote-secret: " + e.getMessage());
      return 2;
    }
  }

  /**
   * The Secret's YAML.
   *
   * @throws InvalidInputException naming the bad argument and the expected form
   */
  String yaml() {
    check("--cluster-id", clusterId, NAME, NAME_FORM);
    if (!network.isEmpty()) {
      check("--network", network, NAME, NAME_FORM);
    }
    if (!region.isEmpty()) {
      check("--region", region, NAME, NAME_FORM);
    }
    check("--namespace", namespace, NAMESPACE, "a namespace name: lower-case letters, digits and '-'");
    String kubeconfigText = minimal(read(kubeconfig));
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(RemoteSecrets.CLUSTER_ID, clusterId);
    if (!network.isEmpty()) {
      annotations.put(RemoteSecrets.NETWORK, network);
    }
    if (!region.isEmpty()) {
      annotations.put(RemoteSecrets.REGION, region);
    }
    Secret secret = new SecretBuilder()
        .withNewMetadata().withName(secretName(clusterId)).withNamespace(namespace)
        .addToLabels(RemoteSecrets.LABEL, "true").withAnnotations(annotations).endMetadata()
        .withType("Opaque")
        .addToStringData(RemoteSecrets.KUBECONFIG, kubeconfigText)
        .build();
    return Serialization.asYaml(secret);
  }

  /** {@code meshplane-remote-<id>}, made a valid object name (lower case, '-' for anything else). */
  static String secretName(String clusterId) {
    String s = clusterId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    return "meshplane-remote-" + s;
  }

  private static void check(String option, String value, Pattern form, String expected) {
    if (value == null || !form.matcher(value).matches()) {
      throw new InvalidInputException(option + " '" + value + "' is not valid; expected " + expected);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("--kubeconfig " + file + " cannot be read (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); expected a readable kubeconfig file");
    }
  }

  /**
   * The kubeconfig reduced to its current context, its cluster and user.
   *
   * @throws InvalidInputException when it is malformed or refers to files for credentials
   */
  private String minimal(String text) {
    String source = "--kubeconfig " + kubeconfig;
    io.fabric8.kubernetes.api.model.Config config = KubeClients.parseKubeconfig(text, source);
    NamedContext context = config.getContexts().stream()
        .filter(c -> c != null && config.getCurrentContext().equals(c.getName())).findFirst().orElseThrow();
    NamedCluster cluster = config.getClusters().stream()
        .filter(c -> c != null && context.getContext().getCluster().equals(c.getName())).findFirst().orElseThrow();
    String userName = context.getContext().getUser();
    NamedAuthInfo user = config.getUsers() == null || userName == null ? null : config.getUsers().stream()
        .filter(u -> u != null && userName.equals(u.getName())).findFirst().orElse(null);
    List<String> files = new ArrayList<>();
    Cluster c = cluster.getCluster();
    if (c.getCertificateAuthority() != null && !c.getCertificateAuthority().isEmpty()) {
      files.add("certificate-authority " + c.getCertificateAuthority());
    }
    if (user != null && user.getUser() != null) {
      AuthInfo u = user.getUser();
      if (u.getClientCertificate() != null && !u.getClientCertificate().isEmpty()) {
        files.add("client-certificate " + u.getClientCertificate());
      }
      if (u.getClientKey() != null && !u.getClientKey().isEmpty()) {
        files.add("client-key " + u.getClientKey());
      }
      if (u.getTokenFile() != null && !u.getTokenFile().isEmpty()) {
        files.add("tokenFile " + u.getTokenFile());
      }
      if (u.getExec() != null || u.getAuthProvider() != null) {
        files.add("an exec or auth-provider plugin");
      }
    }
    if (!files.isEmpty()) {
      throw new InvalidInputException(source + ": context '" + context.getName() + "' uses " + String.join(", ", files)
          + "; a remote secret is read on other machines, so expected inline credentials (certificate-authority-data, "
          + "client-certificate-data and client-key-data, or token)");
    }
    io.fabric8.kubernetes.api.model.Config reduced = new io.fabric8.kubernetes.api.model.ConfigBuilder()
        .withApiVersion("v1").withKind("Config")
        .withClusters(cluster).withContexts(context).withUsers(user == null ? List.of() : List.of(user))
        .withCurrentContext(context.getName()).build();
    return Serialization.asYaml(reduced);
  }
}
