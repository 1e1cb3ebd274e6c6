package io.meshplane.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.dispatch.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Shard allocation for {@link ClusterWatch}: keeps the watches off the oldest member whenever
 * another member is up. The oldest member hosts the shard coordinators; if it also ran a member
 * cluster's watch, killing it would stop that cluster's updates until the coordinator had moved
 * AND the watch had restarted and relisted, one after the other. Apart from that rule, a new
 * shard goes to the region with the fewest shards, and rebalancing moves one shard at a time off
 * the oldest member (after the cluster forms, the first watch can only start there) or from the
 * busiest to the idlest region when they differ by two or more.
 *
 * <p>Used by the active coordinator only, from its actor; the cluster state is read at each call.
 */
public final class AwayFromOldestAllocation extends ShardCoordinator.AbstractShardAllocationStrategy {

  private static final Logger log = LoggerFactory.getLogger(AwayFromOldestAllocation.class);

  private final Supplier<Address> selfAddress;
  private final Supplier<Iterable<Member>> members;
  private final Supplier<Set<Member>> unreachable;

  /**
   * Reads membership from {@code cluster}: the members of this node's region only (sharding, and
   * its coordinators, run per region; Pekko refuses to compare the age of members of two regions).
   */
  public AwayFromOldestAllocation(Cluster cluster) {
    this(() -> cluster.selfMember().address(), () -> sameDataCenter(cluster, cluster.state().getMembers()),
        () -> cluster.state().getUnreachable());
  }

  private static Iterable<Member> sameDataCenter(Cluster cluster, Iterable<Member> all) {
    String dc = cluster.selfMember().dataCenter();
    List<Member> out = new ArrayList<>();
    all.forEach(m -> {
      if (m.dataCenter().equals(dc)) {
        out.add(m);
      }
    });
    return out;
  }

  AwayFromOldestAllocation(Supplier<Address> selfAddress, Supplier<Iterable<Member>> members,
      Supplier<Set<Member>> unreachable) {
    this.selfAddress = selfAddress;
    this.members = members;
    this.unreachable = unreachable;
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId,
      Map<ActorRef, IndexedSeq<String>> current) {
    ActorRef region = allocate(requester, javaMap(current), this::addressOf);
    log.info("ClusterWatch shard {} allocated to {} (regions: {})", shardId, addressOf(region),
        current.keySet().stream().map(this::addressOf).toList());
    return Futures.successful(region);
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> inProgress) {
    Set<String> move = inProgress.isEmpty() ? toMove(javaMap(current), this::addressOf) : Set.of();
    if (!move.isEmpty()) {
      log.info("ClusterWatch shard {} moves: kept off the oldest node, or balancing", move);
    }
    return Futures.successful(move);
  }

  /** The region for a new shard: the least loaded preferred one, else {@code requester}. */
  <R> R allocate(R requester, Map<R, List<String>> current, Function<R, Address> addressOf) {
    List<R> candidates = preferred(current, addressOf);
    return candidates.isEmpty() ? requester : candidates.stream().min(byLoad(current)).orElseThrow();
  }

  /**
   * At most one shard to move: off the oldest member, else from the busiest to the idlest preferred
   * region. Shards of members that are unreachable or not up are never moved: their hand-off would
   * wait for a node that cannot answer; Pekko reallocates them once such a member is removed.
   */
  <R> Set<String> toMove(Map<R, List<String>> current, Function<R, Address> addressOf) {
    List<R> candidates = preferred(current, addressOf);
    if (candidates.isEmpty()) {
      return Set.of();
    }
    Optional<Address> oldest = oldestUp().map(Member::address);
    for (Map.Entry<R, List<String>> e : current.entrySet()) {
      if (oldest.isPresent() && addressOf.apply(e.getKey()).equals(oldest.get()) && !e.getValue().isEmpty()) {
        return Set.of(e.getValue().get(0));
      }
    }
    R idlest = candidates.stream().min(byLoad(current)).orElseThrow();
    R busiest = candidates.stream().max(byLoad(current)).orElseThrow();
    if (current.get(busiest).size() - current.get(idlest).size() >= 2) {
      return Set.of(current.get(busiest).get(0));
    }
    return Set.of();
  }

  /**
   * Regions of reachable up members other than the oldest, in address order; empty when there are
   * none (a single node, or only the oldest is up), in which case anything goes.
   */
  private <R> List<R> preferred(Map<R, List<String>> current, Function<R, Address> addressOf) {
    Set<Address> usable = new HashSet<>();
    for (Member m : members.get()) {
      if (isUp(m)) {
        usable.add(m.address());
      }
    }
    unreachable.get().forEach(m -> usable.remove(m.address()));
    oldestUp().ifPresent(m -> usable.remove(m.address()));
    List<R> result = new ArrayList<>();
    for (R region : current.keySet()) {
      if (usable.contains(addressOf.apply(region))) {
        result.add(region);
      }
    }
    result.sort(Comparator.comparing(r -> addressOf.apply(r).toString()));
    return result;
  }

  /** The oldest up member: where the shard coordinators run. */
  private Optional<Member> oldestUp() {
    Optional<Member> oldest = Optional.empty();
    for (Member m : members.get()) {
      if (isUp(m) && (oldest.isEmpty() || m.isOlderThan(oldest.get()))) {
        oldest = Optional.of(m);
      }
    }
    return oldest;
  }

  private static boolean isUp(Member m) {
    return m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
  }

  private Address addressOf(ActorRef region) {
    Address address = region.path().address();
    return address.hasLocalScope() ? selfAddress.get() : address;
  }

  private static Map<ActorRef, List<String>> javaMap(Map<ActorRef, IndexedSeq<String>> current) {
    Map<ActorRef, List<String>> m = new HashMap<>();
    current.forEach((region, shards) -> m.put(region, CollectionConverters.asJava(shards)));
    return m;
  }

  private static <R> Comparator<R> byLoad(Map<R, List<String>> current) {
    return Comparator.comparingInt(r -> current.get(r).size());
  }
}
