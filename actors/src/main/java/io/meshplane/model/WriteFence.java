package io.meshplane.model;

import java.util.Comparator;

/**
 * Which write of a member cluster's share this is, so that a late write never replaces a newer
 * one: {@code epoch} names the incarnation of the cluster's watch that sent it (the sequence
 * number of the event that incarnation persisted when it started, so a later incarnation always
 * has a higher one), {@code sequence} the write within that incarnation (it only grows). Writes
 * are ordered by epoch, then sequence. A watch moved to another node can have writes of its old
 * incarnation still in flight; they arrive fenced below the new incarnation's and are ignored.
 *
 * <p>{@link #NONE} is an unfenced write (an operator's or a test's, or an older Meshplane's):
 * always applied, and it leaves the fence as it was. Immutable.
 */
public record WriteFence(long epoch, long sequence) implements Comparable<WriteFence> {

  public static final WriteFence NONE = new WriteFence(0, 0);

  private static final Comparator<WriteFence> ORDER =
      Comparator.comparingLong(WriteFence::epoch).thenComparingLong(WriteFence::sequence);

  public WriteFence {
    if (epoch < 0 || sequence < 0) {
      throw new IllegalArgumentException("a write fence's epoch and sequence must be >= 0, were " + epoch + " and "
          + sequence);
    }
  }

  public boolean isNone() {
    return epoch == 0 && sequence == 0;
  }

  /** Whether a write fenced {@code this} may be applied over one fenced {@code held}. */
  public boolean supersedes(WriteFence held) {
    return isNone() || compareTo(held) > 0;
  }

  @Override
  public int compareTo(WriteFence other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return isNone() ? "unfenced" : "epoch " + epoch + " write " + sequence;
  }
}
