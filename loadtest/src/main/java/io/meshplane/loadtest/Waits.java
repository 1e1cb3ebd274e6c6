package io.meshplane.loadtest;

import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;

/**
 * Waiting for a condition of a benchmark run with a deadline, optionally sampling progress into a
 * chart series. Benchmarks poll what they measure (proxies' state, nodes' metrics); tests use
 * Awaitility instead.
 */
final class Waits {

  private Waits() {}

  /** Polls {@code done} every 20 ms until true and returns the seconds it took; fails after {@code seconds}. */
  static double await(String what, int seconds, BooleanSupplier done) {
    return await(what, seconds, done, null, null, System.nanoTime(), 20);
  }

  /**
   * Polls {@code done} every 20 ms until true; samples {@code progress} into {@code series}
   * (seconds since the call, value); returns the seconds it took. Fails after {@code seconds}.
   */
  static double await(String what, int seconds, BooleanSupplier done, List<double[]> series,
      DoubleSupplier progress) {
    return await(what, seconds, done, series, progress, System.nanoTime(), 20);
  }

  /** {@link #await(String, int, BooleanSupplier, List, DoubleSupplier)} with series times since {@code base}. */
  static double await(String what, int seconds, BooleanSupplier done, List<double[]> series,
      DoubleSupplier progress, long base) {
    return await(what, seconds, done, series, progress, base, 20);
  }

  /** {@link #await(String, int, BooleanSupplier, List, DoubleSupplier, long)}, polling every {@code pollMillis}. */
  static double await(String what, int seconds, BooleanSupplier done, List<double[]> series,
      DoubleSupplier progress, long base, long pollMillis) {
    long t0 = System.nanoTime();
    long deadline = t0 + seconds * 1_000_000_000L;
    while (true) {
      if (series != null) {
        series.add(new double[] {(System.nanoTime() - base) / 1e9, progress.getAsDouble()});
      }
      if (done.getAsBoolean()) {
        double took = secondsSince(t0);
        if (series != null) {
          series.add(new double[] {(System.nanoTime() - base) / 1e9, progress.getAsDouble()});
        }
        return took;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": not done within " + seconds + " s");
      }
      LockSupport.parkNanos(pollMillis * 1_000_000L);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(what + ": interrupted");
      }
    }
  }

  static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
