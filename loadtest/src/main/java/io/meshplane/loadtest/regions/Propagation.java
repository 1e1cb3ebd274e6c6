package io.meshplane.loadtest.regions;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Cross-region propagation, measured where a change is applied in the target region: the
 * entity calls {@link #applied} with the {@code System.nanoTime()} the writer stamped on the
 * change (both regions run in this JVM, so the clocks are the same). Thread-safe: entities of
 * both regions call it from their own actors.
 */
final class Propagation {

  private final String target;
  private final Recorder recorder = new Recorder(3);
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();

  Propagation(String target) {
    this.target = target;
  }

  /** A change written in another region was applied (persisted) in {@code region}. */
  void applied(String region, long writtenAtNanos) {
    if (target.equals(region)) {
      recorder.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - writtenAtNanos)));
      applied.incrementAndGet();
    }
  }

  /** A forward to the other region was not acknowledged in time and is sent again. */
  void retried() {
    retries.incrementAndGet();
  }

  long appliedCount() {
    return applied.get();
  }

  long retryCount() {
    return retries.get();
  }

  /** The latencies (microseconds) recorded since the previous call. */
  Histogram interval() {
    return recorder.getIntervalHistogram();
  }
}
