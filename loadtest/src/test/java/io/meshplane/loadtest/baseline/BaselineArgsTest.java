package io.meshplane.loadtest.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineArgsTest {

  @TempDir
  Path dir;

  @Test
  void parses_every_flag() throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
    BaselineArgs args = BaselineArgs.parse(List.of("--kubeconfig", kubeconfig.toString(), "--xds-port", "15010",
        "--admin-port", "15014", "--exit-with-parent"));
    assertThat(args).isEqualTo(new BaselineArgs(kubeconfig, 15010, 15014, true));
  }

  @Test
  void admin_port_is_optional() throws Exception {
    Path kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n");
    assertThat(BaselineArgs.parse(List.of("--kubeconfig", kubeconfig.toString(), "--xds-port", "15010")).adminPort())
        .isZero();
  }

  @Test
  void rejects_missing_and_malformed_flags_naming_what_was_expected() throws IOException {
    String kubeconfig = Files.writeString(dir.resolve("kubeconfig"), "apiVersion: v1\n").toString();
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--xds-port", "1")))
        .hasMessage("--kubeconfig is required");
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--kubeconfig", kubeconfig)))
        .hasMessage("--xds-port is required");
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--kubeconfig", kubeconfig, "--xds-port", "70000")))
        .hasMessage("--xds-port is '70000'; expected a port number 1-65535");
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--kubeconfig", kubeconfig, "--xds-port")))
        .hasMessage("--xds-port needs a value");
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--kubeconfig", kubeconfig, "--xds-port", "1", "--verbose")))
        .hasMessage("unknown argument '--verbose'");
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--kubeconfig", dir.resolve("absent").toString(),
        "--xds-port", "1"))).hasMessageContaining("no readable file there; expected a kubeconfig");
    assertThatThrownBy(() -> BaselineArgs.parse(List.of("--kubeconfig", kubeconfig, "--xds-port", "5",
        "--admin-port", "5"))).hasMessageContaining("expected two ports");
  }
}
