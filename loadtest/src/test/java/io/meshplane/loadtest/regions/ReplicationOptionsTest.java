package io.meshplane.loadtest.regions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationOptionsTest {

  @Test
  void defaults_run_both_designs_with_1000_services() {
    ReplicationOptions o = ReplicationOptions.parse(List.of());
    assertThat(o.services()).isEqualTo(1000);
    assertThat(o.designs()).containsExactly("res", "stream");
    assertThat(o.refreshInterval()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void parses_every_option() {
    ReplicationOptions o = ReplicationOptions.parse(List.of("--services", "10000", "--rate", "12.5", "--duration",
        "90", "--design", "stream", "--idle", "15", "--refresh-interval", "500"));
    assertThat(o).isEqualTo(new ReplicationOptions(10000, 12.5, Duration.ofSeconds(90), List.of("stream"),
        Duration.ofSeconds(15), Duration.ofMillis(500)));
  }

  @Test
  void rejects_an_unknown_design_naming_the_choices() {
    assertThatThrownBy(() -> ReplicationOptions.parse(List.of("--design", "crdt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--design expects res, stream or both, got 'crdt'");
  }

  @Test
  void rejects_non_positive_and_malformed_numbers() {
    assertThatThrownBy(() -> ReplicationOptions.parse(List.of("--services", "0")))
        .hasMessage("--services expects a whole number >= 1, got '0'");
    assertThatThrownBy(() -> ReplicationOptions.parse(List.of("--rate", "-3")))
        .hasMessage("--rate expects a number > 0, got '-3'");
    assertThatThrownBy(() -> ReplicationOptions.parse(List.of("--duration", "1m")))
        .hasMessage("--duration expects a whole number >= 1, got '1m'");
  }

  @Test
  void rejects_unknown_options_and_missing_values_with_the_usage() {
    assertThatThrownBy(() -> ReplicationOptions.parse(List.of("--proxies", "5")))
        .hasMessageStartingWith("unknown option '--proxies'").hasMessageContaining(ReplicationOptions.USAGE);
    assertThatThrownBy(() -> ReplicationOptions.parse(List.of("--rate")))
        .hasMessageStartingWith("option --rate needs a value");
  }

  @Test
  void the_payload_is_ten_endpoints_of_about_200_bytes() {
    String payload = ReplicationBench.payload(300, 7);
    assertThat(payload.split(";")).hasSize(11).startsWith("v7").contains("10.1.44.10:8080");
    assertThat(payload.length()).isBetween(150, 250);
  }
}
