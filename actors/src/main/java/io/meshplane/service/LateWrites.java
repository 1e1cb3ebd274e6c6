package io.meshplane.service;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * How many writes this node's entities ignored because their {@link io.meshplane.model.WriteFence}
 * was not newer than the one held: shares sent to Service entities by an earlier incarnation of a
 * ClusterWatch (or sent twice), and replicas from another region. A watch that moves between nodes
 * leaves some in flight, so a burst after a move is expected; a steady rise is not. Each ignored
 * write is logged at DEBUG; the counts are what {@code /metrics} shows. One per actor system;
 * thread-safe.
 */
public final class LateWrites implements Extension {

  private static final Id ID = new Id();

  private final AtomicLong shares = new AtomicLong();
  private final AtomicLong replicas = new AtomicLong();

  private LateWrites() {}

  public static LateWrites get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  void shareIgnored() {
    shares.incrementAndGet();
  }

  /** Called by the ClusterWatch that ignored a replica. */
  public void replicaIgnored() {
    replicas.incrementAndGet();
  }

  /** Shares ignored by this node's Service entities since it started. */
  public long shares() {
    return shares.get();
  }

  /** Replicas ignored by this node's ClusterWatch entities since it started. */
  public long replicas() {
    return replicas.get();
  }

  private static final class Id extends ExtensionId<LateWrites> {
    @Override
    public LateWrites createExtension(ActorSystem<?> system) {
      return new LateWrites();
    }
  }
}
