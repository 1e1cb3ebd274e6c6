package io.meshplane.testing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * The timeline of a failure test: named moments, marked by the test or found by conditions polled
 * in the background every 20 ms (several at once, so that steps of both sides of a failure are
 * seen when they happen, not when the test gets to look), printed relative to the first one.
 * Timings are printed, never asserted. Thread-safe.
 */
public final class Timeline implements AutoCloseable {

  private final Map<String, Long> reached = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller = Executors.newScheduledThreadPool(4);

  /** Marks {@code what} as happening now (the first mark of a name counts). */
  public void mark(String what) {
    reached.putIfAbsent(what, System.nanoTime());
  }

  /**
   * Marks {@code what} once {@code holds}, polled only after {@code after} (null: at once) was
   * reached; an exception while polling counts as not yet.
   */
  public void step(String what, String after, BooleanSupplier holds) {
    poller.scheduleWithFixedDelay(() -> {
      if (reached.containsKey(what) || (after != null && !reached.containsKey(after))) {
        return;
      }
      try {
        if (holds.getAsBoolean()) {
          mark(what);
        }
      } catch (RuntimeException e) {
        // A node is busy taking over; the next poll tells.
      }
    }, 0, 20, TimeUnit.MILLISECONDS);
  }

  /** Waits until {@code what} was reached; fails after {@code atMost}. */
  public void await(String what, Duration atMost) {
    Awaitility.await(what).atMost(atMost).pollInterval(Duration.ofMillis(20)).until(() -> reached.containsKey(what));
  }

  /** Milliseconds from {@code from} to {@code to}, both reached. */
  public long between(String from, String to) {
    return (reached.get(to) - reached.get(from)) / 1_000_000;
  }

  /** Prints every moment reached, in order, as milliseconds after the first. */
  public void print(String title) {
    StringBuilder out = new StringBuilder(title).append(" timeline:\n");
    long start = reached.values().stream().mapToLong(Long::longValue).min().orElse(0);
    reached.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e ->
        out.append(String.format("  +%6d ms  %s%n", (e.getValue() - start) / 1_000_000, e.getKey())));
    System.out.print(out);
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
