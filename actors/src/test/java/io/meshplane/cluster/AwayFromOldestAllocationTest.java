package io.meshplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.Member$;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.util.Version;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The placement rules of {@link AwayFromOldestAllocation} on a membership the test sets; regions
 * are named by their node's port ("1" is the region of the node on port 1).
 */
class AwayFromOldestAllocationTest {

  private static final Function<String, Address> ADDRESS = region -> address(Integer.parseInt(region));

  private final List<Member> members = new ArrayList<>();
  private final Set<Member> unreachable = new HashSet<>();
  private final AwayFromOldestAllocation strategy =
      new AwayFromOldestAllocation(() -> address(1), () -> members, () -> unreachable);

  private static Address address(int port) {
    return new Address("pekko", "meshplane", "127.0.0.1", port);
  }

  /** A member of the default data center that became Up as the {@code upNumber}-th. */
  private void up(int port, int upNumber) {
    members.add(joining(port).copyUp(upNumber));
  }

  private static Member joining(int port) {
    scala.collection.immutable.Set<String> roles =
        CollectionConverters.asScala(Set.of("dc-default")).toSet();
    return Member$.MODULE$.apply(UniqueAddress.apply(address(port), (long) port), roles, Version.Zero());
  }

  private static Map<String, List<String>> allocations(String... regionAndShards) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (String entry : regionAndShards) {
      String[] parts = entry.split("=", -1);
      m.put(parts[0], parts[1].isEmpty() ? List.of() : List.of(parts[1].split(",")));
    }
    return m;
  }

  @Test
  void a_lone_node_gets_the_shard_though_it_is_the_oldest() {
    up(1, 1);

    assertThat(strategy.allocate("1", allocations("1="), ADDRESS)).isEqualTo("1");
    assertThat(strategy.toMove(allocations("1=s1"), ADDRESS)).isEmpty();
  }

  @Test
  void a_new_shard_goes_to_the_least_loaded_node_that_is_not_the_oldest() {
    up(1, 1);
    up(2, 2);
    up(3, 3);

    // The oldest asks and has nothing; it is still not chosen.
    assertThat(strategy.allocate("1", allocations("1=", "2=s1,s2", "3=s3"), ADDRESS)).isEqualTo("3");
    assertThat(strategy.allocate("1", allocations("1=", "2=", "3="), ADDRESS)).isEqualTo("2");
  }

  @Test
  void age_not_address_decides_which_node_is_the_oldest() {
    up(1, 3);
    up(2, 1);
    up(3, 2);

    assertThat(strategy.allocate("2", allocations("1=s1", "2=", "3=s2,s3"), ADDRESS)).isEqualTo("1");
    assertThat(strategy.toMove(allocations("1=s1", "2=s2", "3=s3"), ADDRESS)).containsExactly("s2");
  }

  @Test
  void a_shard_on_the_oldest_moves_once_another_node_is_up_one_at_a_time() {
    up(1, 1);
    up(2, 2);

    assertThat(strategy.toMove(allocations("1=s1,s2", "2="), ADDRESS)).hasSize(1).isSubsetOf("s1", "s2");
  }

  @Test
  void members_that_are_not_up_are_not_chosen_and_their_shards_are_left_to_pekko() {
    up(1, 1);
    up(2, 2);
    members.add(joining(3).copyUp(3).copy(MemberStatus.leaving()));

    assertThat(strategy.allocate("3", allocations("1=", "2=s1", "3="), ADDRESS)).isEqualTo("2");
    assertThat(strategy.toMove(allocations("1=", "2=", "3=s2,s3,s4"), ADDRESS)).isEmpty();
  }

  @Test
  void an_unreachable_member_gets_no_new_shard_and_its_shards_are_never_handed_off() {
    // A crashed node is unreachable (then downed) for seconds before it is removed: a hand-off
    // from it would wait for the hand-off timeout, stopping its watches that long.
    up(1, 1);
    up(2, 2);
    up(3, 3);
    unreachable.add(members.get(2));

    assertThat(strategy.allocate("1", allocations("1=", "2=s1", "3="), ADDRESS)).isEqualTo("2");
    assertThat(strategy.toMove(allocations("1=", "2=", "3=s1,s2,s3"), ADDRESS)).isEmpty();
    members.set(2, members.get(2).copy(MemberStatus.down()));
    assertThat(strategy.toMove(allocations("1=", "2=", "3=s1,s2,s3"), ADDRESS)).isEmpty();
  }

  @Test
  void otherwise_balances_only_when_two_nodes_differ_by_two_shards_or_more() {
    up(1, 1);
    up(2, 2);
    up(3, 3);

    assertThat(strategy.toMove(allocations("1=", "2=s1,s2", "3=s3"), ADDRESS)).isEmpty();
    assertThat(strategy.toMove(allocations("1=", "2=s1,s2,s3", "3=s4"), ADDRESS)).containsExactly("s1");
  }
}
