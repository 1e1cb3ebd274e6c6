package io.meshplane.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MultiTruthTest {

  private final List<String> writes = new ArrayList<>();

  @Test
  void spreads_each_service_over_consecutive_clusters_on_alternating_networks() {
    MultiTruth truth = new MultiTruth(3, 4, 2);

    assertThat(truth.homes(0)).containsExactly(0, 1);
    assertThat(truth.homes(2)).containsExactly(2, 0);
    assertThat(truth.servicesPerCluster()).isEqualTo(Map.of(0, 3, 1, 3, 2, 2));
    assertThat(List.of(MultiTruth.network(0), MultiTruth.network(1), MultiTruth.network(2)))
        .containsExactly("net-a", "net-b", "net-a");
    assertThat(truth.networks()).containsExactly("net-a", "net-b");
    assertThatThrownBy(() -> new MultiTruth(2, 1, 3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void a_network_sees_its_own_endpoints_and_the_other_networks_gateway() {
    MultiTruth truth = new MultiTruth(2, 1, 2);
    truth.write(0, 0, this::record);
    truth.write(0, 1, this::record);

    Set<String> a = truth.truth("net-a", 0);
    Set<String> b = truth.truth("net-b", 0);

    assertThat(a).hasSize(4).contains("192.0.2.2").doesNotContain("192.0.2.1");
    assertThat(a).filteredOn(x -> x.startsWith("10.100.")).hasSize(3);
    assertThat(b).hasSize(4).contains("192.0.2.1").doesNotContain("192.0.2.2");
    assertThat(b).filteredOn(x -> x.startsWith("10.101.")).hasSize(3);
    assertThat(writes).hasSize(2).allMatch(w -> w.split(",").length == 3);
  }

  @Test
  void a_write_changes_its_own_networks_view_only_and_each_change_differs_from_the_recent_ones() {
    MultiTruth truth = new MultiTruth(2, 1, 2);
    truth.write(0, 0, this::record);
    truth.write(0, 1, this::record);
    Set<String> before = truth.truth("net-b", 0);
    Set<Set<String>> seen = new java.util.HashSet<>();

    for (int i = 0; i < 16; i++) {
      MultiTruth.Change c = truth.write(0, 0, this::record);
      assertThat(c.view).isEqualTo("net-a|" + Fleet.cluster(0));
      assertThat(c.addresses).isEqualTo(truth.truth("net-a", 0));
      assertThat(seen.add(c.addresses)).as("new among the recent ones: %s", c.addresses).isTrue();
    }

    assertThat(truth.truth("net-b", 0)).isEqualTo(before);
  }

  @Test
  void a_proxy_holding_a_newer_view_is_credited_with_the_older_changes() {
    MultiTruth truth = new MultiTruth(2, 1, 2);
    SimProxy proxy = new SimProxy("sidecar~1", SimProxy.Mode.SOTW, List.of(Fleet.cluster(0)), Map.of(), null, null,
        (p, c, a) -> { });
    truth.track("net-a", List.of(proxy));
    truth.write(0, 1, this::record);
    MultiTruth.Change first = truth.write(0, 0, this::record);
    MultiTruth.Change second = truth.write(0, 0, this::record);

    truth.endpoints(proxy, Fleet.cluster(0), truth.truth("net-b", 0));
    assertThat(first.completedAt).as("a view of the other network is no delivery").isZero();
    truth.endpoints(proxy, Fleet.cluster(0), second.addresses);

    assertThat(first.subscribers).isEqualTo(1);
    assertThat(first.completedAt).isNotZero();
    assertThat(second.completedAt).isNotZero();
    assertThat(truth.latency().getTotalCount()).as("first, second and net-b's gateway appearing in net-a's view")
        .isEqualTo(3);
  }

  @Test
  void the_first_endpoints_of_a_cluster_change_the_other_networks_view_which_no_later_write_repeats() {
    MultiTruth truth = new MultiTruth(2, 1, 2);
    SimProxy proxy = new SimProxy("sidecar~1", SimProxy.Mode.SOTW, List.of(Fleet.cluster(0)), Map.of(), null, null,
        (p, c, a) -> { });
    truth.track("net-a", List.of(proxy));
    truth.write(0, 0, this::record);

    truth.write(0, 1, this::record);

    Set<String> held = truth.truth("net-a", 0);
    assertThat(held).as("net-a's view gained net-b's gateway").contains("192.0.2.2");
    assertThat(truth.log()).anySatisfy(c -> {
      assertThat(c.view).isEqualTo("net-a|" + Fleet.cluster(0));
      assertThat(c.addresses).isEqualTo(held);
      assertThat(c.expected).containsExactly("sidecar~1");
    });
    for (int i = 0; i < 15; i++) {
      assertThat(truth.write(0, 0, this::record).addresses).as("a write that would push nothing")
          .isNotEqualTo(held);
    }
  }

  @Test
  void changes_written_before_a_reset_add_no_latency_when_credited_later() {
    MultiTruth truth = new MultiTruth(2, 1, 2);
    SimProxy proxy = new SimProxy("sidecar~1", SimProxy.Mode.SOTW, List.of(Fleet.cluster(0)), Map.of(), null, null,
        (p, c, a) -> { });
    truth.track("net-a", List.of(proxy));
    MultiTruth.Change before = truth.write(0, 0, this::record);
    truth.reset();
    MultiTruth.Change after = truth.write(0, 0, this::record);

    truth.endpoints(proxy, Fleet.cluster(0), after.addresses);

    assertThat(before.completedAt).isNotZero();
    assertThat(truth.log()).containsExactly(after);
    assertThat(truth.latency().getTotalCount()).as("only the change written after the reset").isEqualTo(1);
  }

  @Test
  void latencies_of_a_group_of_proxies_are_kept_apart_and_reset_with_the_rest() {
    MultiTruth truth = new MultiTruth(2, 1, 2);
    SimProxy near = new SimProxy("sidecar~1", SimProxy.Mode.SOTW, List.of(Fleet.cluster(0)), Map.of(), null, null,
        (p, c, a) -> { });
    SimProxy far = new SimProxy("sidecar~2", SimProxy.Mode.SOTW, List.of(Fleet.cluster(0)), Map.of(), null, null,
        (p, c, a) -> { });
    truth.track("net-a", List.of(near), "eu");
    truth.track("net-a", List.of(far), "us");
    MultiTruth.Change change = truth.write(0, 0, this::record);

    truth.endpoints(near, Fleet.cluster(0), change.addresses);
    truth.endpoints(far, Fleet.cluster(0), change.addresses);
    truth.endpoints(far, Fleet.cluster(0), change.addresses);

    assertThat(change.subscribers).isEqualTo(2);
    assertThat(change.completedAt).isNotZero();
    assertThat(truth.latency("eu").getTotalCount()).isEqualTo(1);
    assertThat(truth.latency("us").getTotalCount()).as("one delivery per proxy and change").isEqualTo(1);
    assertThat(truth.latency("asia").getTotalCount()).isZero();
    truth.reset();
    assertThat(truth.latency("us").getTotalCount()).isZero();
  }

  private void record(int cluster, List<String> addresses) {
    writes.add(String.join(",", addresses));
  }
}
