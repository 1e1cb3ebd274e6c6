package io.meshplane.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegionsOptionsTest {

  @Test
  void defaults_are_one_node_per_region_and_200_then_1000_services() {
    RegionsOptions o = RegionsOptions.parse(List.of());
    assertThat(o).isEqualTo(new RegionsOptions(1, 200, 1000, 100, 5, 20, Duration.ofSeconds(60),
        Duration.ofSeconds(30), true));
  }

  @Test
  void parses_every_option() {
    RegionsOptions o = RegionsOptions.parse(List.of("--nodes", "2", "--services", "100", "--grow-to", "3000",
        "--proxies", "40", "--per-proxy", "3", "--rate", "12.5", "--duration", "30", "--idle", "15",
        "--hand-back", "no"));
    assertThat(o).isEqualTo(new RegionsOptions(2, 100, 3000, 40, 3, 12.5, Duration.ofSeconds(30),
        Duration.ofSeconds(15), false));
  }

  @Test
  void rejects_a_second_size_that_adds_no_idle_services() {
    assertThatThrownBy(() -> RegionsOptions.parse(List.of("--services", "500", "--grow-to", "500")))
        .isInstanceOf(Options.Bad.class)
        .hasMessage("--grow-to 500 must be greater than --services 500 (the second size adds idle services)");
  }

  @Test
  void rejects_a_hand_back_other_than_yes_or_no() {
    assertThatThrownBy(() -> RegionsOptions.parse(List.of("--hand-back", "true")))
        .isInstanceOf(Options.Bad.class).hasMessage("--hand-back expects yes or no, got 'true'");
  }

  @Test
  void rejects_non_positive_and_malformed_numbers_naming_the_option() {
    assertThatThrownBy(() -> RegionsOptions.parse(List.of("--nodes", "0")))
        .hasMessage("--nodes expects a whole number >= 1, got '0'");
    assertThatThrownBy(() -> RegionsOptions.parse(List.of("--rate", "fast")))
        .hasMessage("--rate expects a number > 0, got 'fast'");
  }

  @Test
  void rejects_unknown_options_and_missing_values() {
    assertThatThrownBy(() -> RegionsOptions.parse(List.of("--regions", "3")))
        .isInstanceOf(Options.Bad.class).hasMessage("unknown option '--regions'");
    assertThatThrownBy(() -> RegionsOptions.parse(List.of("--idle"))).hasMessage("option --idle needs a value");
  }

  @Test
  void usage_lists_every_option_with_its_default() {
    assertThat(RegionsOptions.usage()).startsWith("usage: ./meshplane bench regions [--nodes 1]")
        .contains("[--grow-to 1000]", "[--hand-back yes]");
  }
}
