package io.meshplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.meshplane.registry.kube.RemoteSecrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CreateRemoteSecretCommandTest {

  private static final String KUBECONFIG = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: east
        cluster:
          server: https://east.example.com:6443
          certificate-authority-data: Q0EK
      - name: other
        cluster:
          server: https://other.example.com
      users:
      - name: east-reader
        user:
          token: s3cret
      - name: other-user
        user:
          token: other
      contexts:
      - name: east
        context:
          cluster: east
          user: east-reader
      - name: other
        context:
          cluster: other
          user: other-user
      current-context: east
      """;

  @TempDir
  Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private Path kubeconfig(String text) throws Exception {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void prints_a_remote_secret_that_the_control_plane_reads_back() throws Exception {
    int code = run("create-remote-secret", "--kubeconfig", kubeconfig(KUBECONFIG).toString(), "--cluster-id",
        "East_1", "--network", "net-east", "--region", "eu-west");

    assertThat(code).as(err.toString()).isZero();
    Secret secret = Serialization.unmarshal(out.toString(), Secret.class);
    assertThat(secret.getMetadata().getName()).isEqualTo("meshplane-remote-east-1");
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("meshplane-system");
    assertThat(secret.getMetadata().getLabels()).containsEntry(RemoteSecrets.LABEL, "true");
    RemoteSecrets.RemoteCluster cluster = RemoteSecrets.read(secret, "default-net");
    assertThat(cluster.clusterId()).isEqualTo("East_1");
    assertThat(cluster.network()).isEqualTo("net-east");
    assertThat(cluster.region()).isEqualTo("eu-west");
    assertThat(cluster.problem()).isEmpty();
    assertThat(cluster.kubeconfig()).as("only the current context is kept")
        .contains("east.example.com", "s3cret").doesNotContain("other");
  }

  @Test
  void bad_arguments_get_a_clear_error_and_exit_code_2() throws Exception {
    Path good = kubeconfig(KUBECONFIG);
    assertThat(run("create-remote-secret", "--kubeconfig", good.toString(), "--cluster-id", "a/b")).isEqualTo(2);
    assertThat(err.toString()).contains("--cluster-id 'a/b' is not valid; expected letters, digits");

    assertThat(run("create-remote-secret", "--kubeconfig", good.toString(), "--cluster-id", "x", "--namespace",
        "Mesh")).isEqualTo(2);
    assertThat(err.toString()).contains("--namespace 'Mesh' is not valid; expected a namespace name");

    assertThat(run("create-remote-secret", "--kubeconfig", dir.resolve("missing").toString(), "--cluster-id", "x"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("cannot be read").contains("expected a readable kubeconfig file");

    assertThat(run("create-remote-secret", "--cluster-id", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--kubeconfig=FILE'");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void a_kubeconfig_with_credentials_in_files_is_refused() throws Exception {
    Path file = kubeconfig(KUBECONFIG.replace("certificate-authority-data: Q0EK", "certificate-authority: /etc/ca.crt")
        .replace("token: s3cret", "client-certificate: /home/me/me.crt\n    client-key: /home/me/me.key"));

    assertThat(run("create-remote-secret", "--kubeconfig", file.toString(), "--cluster-id", "east")).isEqualTo(2);

    assertThat(err.toString()).contains("context 'east' uses certificate-authority /etc/ca.crt, client-certificate "
        + "/home/me/me.crt, client-key /home/me/me.key").contains("expected inline credentials");
  }
}
