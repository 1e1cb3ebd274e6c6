package io.meshplane.cluster;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * The regions of one control plane and which of them watches each member cluster. A region is a
 * Pekko data center ({@code pekko.cluster.multi-data-center.self-data-center}); every region runs
 * its own shards and its own Cassandra data center, so a region cut off from the others keeps
 * serving.
 *
 * <p>Each member cluster has a home region (its remote secret's {@code meshplane.io/region}; a
 * cluster without one, or naming no region of the control plane, is homed in the first region in
 * name order, so that every region agrees). The home region watches it while available; while it
 * is not, the first available region in name order takes the watch over, and gives it back when
 * the home returns. Every region decides alone, from its own view of the cluster: during a
 * partition both sides may watch the same cluster, each writing only its own region's state (see
 * {@link ClusterWatch} for how the two converge after healing).
 *
 * <p>A region whose node has just started and has not yet seen any member of a cluster's home
 * region holds the take-over back until {@code startupGrace} after the node's start: regions are
 * started one after the other, and taking every foreign cluster over (relisting its API server)
 * only to hand it back when its home comes up seconds later is churn. A home region that was seen
 * and became unavailable is taken over after the usual delay.
 *
 * <p>A single-region control plane ({@link #single}) watches every cluster and replicates
 * nothing. Immutable.
 *
 * @param self this node's region
 * @param all every region of the control plane, sorted, {@code self} included
 * @param homes a member cluster's home region, if it names one
 * @param startupGrace how long after this node's start a home region never seen is waited for
 *     before its clusters are taken over; zero: not at all
 */
public record Regions(String self, List<String> all, Function<String, Optional<String>> homes,
    Duration startupGrace) {

  /** Pekko's data center when none is configured: a single-region control plane. */
  public static final String DEFAULT = "default";

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  public Regions {
    requireNonNull(self, "self");
    requireNonNull(homes, "homes");
    requireNonNull(startupGrace, "startupGrace");
    if (startupGrace.isNegative()) {
      throw new InvalidInputException("take-over start-up grace " + startupGrace + " is negative; expected zero"
          + " or more");
    }
    Set<String> sorted = new TreeSet<>();
    for (String r : all) {
      if (!DEFAULT.equals(r) && !NAME.matcher(r).matches()) {
        throw new InvalidInputException("region \"" + r + "\" is not a valid name: expected lower-case letters,"
            + " digits and '-', starting and ending with a letter or digit, at most 63 characters");
      }
      if (!sorted.add(r)) {
        throw new InvalidInputException("region \"" + r + "\" is listed twice in the regions " + all);
      }
    }
    if (!sorted.contains(self)) {
      throw new InvalidInputException("this node's region \"" + self + "\" is not one of the regions " + all
          + ": expected the node's region among meshplane.regions");
    }
    all = List.copyOf(sorted);
  }

  /** Regions with no start-up grace: a home region not seen is taken over after the usual delay. */
  public Regions(String self, List<String> all, Function<String, Optional<String>> homes) {
    this(self, all, homes, Duration.ZERO);
  }

  /**
   * The journal of an entity of type {@code typeName} in {@code region}: each region keeps its own,
   * written by that region only; a single-region control plane keeps the id it always had.
   */
  public static PersistenceId persistenceId(String typeName, String entityId,
      String region) {
    return DEFAULT.equals(region)
        ? PersistenceId.of(typeName, entityId)
        : PersistenceId.of(typeName + "-" + region, entityId);
  }

  /** One region, this one: every member cluster is watched here and nothing is replicated. */
  public static Regions single(String self) {
    return new Regions(self, List.of(self), id -> Optional.empty());
  }

  /** Whether there are other regions to replicate to. */
  public boolean multi() {
    return all.size() > 1;
  }

  /** The regions other than this one, sorted. */
  public List<String> others() {
    return all.stream().filter(r -> !r.equals(self)).toList();
  }

  /** The home region of {@code clusterId}. */
  public String home(String clusterId) {
    return homes.apply(clusterId).filter(all::contains).orElse(all.get(0));
  }

  /**
   * The region that watches {@code clusterId} when {@code available} are the regions this node
   * can reach ({@code self} is always available to itself): its home if available, else the
   * first available region.
   */
  public String watcher(String clusterId, Set<String> available) {
    String home = home(clusterId);
    if (home.equals(self) || available.contains(home)) {
      return home;
    }
    return all.stream().filter(r -> r.equals(self) || available.contains(r)).findFirst().orElse(self);
  }

  /** Whether this region watches {@code clusterId} when {@code available} are reachable. */
  public boolean watchesHere(String clusterId, Set<String> available) {
    return watcher(clusterId, available).equals(self);
  }

  /**
   * Whether {@code state} has a member of {@code region} that got past joining, reachable or not. A
   * member still joining does not count: its region is on its way, not seen and lost (a take-over
   * held back by the start-up grace must not start when the home region's first node joins).
   */
  public static boolean hasMember(ClusterEvent.CurrentClusterState state, String region) {
    for (Iterable<Member> members : List.<Iterable<Member>>of(state.getMembers(), state.getUnreachable())) {
      for (Member m : members) {
        if (m.dataCenter().equals(region) && m.status() != MemberStatus.joining()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The regions available from this node in {@code state}: those with a member Up (or leaving)
   * whose data center is not unreachable, plus this node's own.
   */
  public static Set<String> available(ClusterEvent.CurrentClusterState state, String self) {
    Set<String> unreachable = state.getUnreachableDataCenters();
    Set<String> available = new TreeSet<>();
    available.add(self);
    for (Member m : state.getMembers()) {
      MemberStatus s = m.status();
      boolean serving = s == MemberStatus.up() || s == MemberStatus.weaklyUp();
      if (serving && !unreachable.contains(m.dataCenter())) {
        available.add(m.dataCenter());
      }
    }
    return available;
  }
}
