package io.meshplane.loadtest;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Endpoint churn at a set rate: every 1/rate seconds one service, chosen with a seeded random,
 * gets a new endpoint set through the API server ({@link Changes#write}), on a pool of writers so
 * that a slow write does not delay the next. Writes that cannot start on time are counted as late.
 */
final class Churn implements AutoCloseable {

  private static final int WRITERS = 4;

  private final Changes changes;
  private final int services;
  private final double rate;
  private final Random random;
  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong late = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private long startedAt;
  private long stoppedAt;

  Churn(Changes changes, int services, double rate, long seed) {
    if (rate <= 0) {
      throw new IllegalArgumentException("rate must be > 0, got " + rate);
    }
    this.changes = changes;
    this.services = services;
    this.rate = rate;
    this.random = new Random(seed);
  }

  Churn start() {
    startedAt = System.nanoTime();
    ticks.scheduleAtFixedRate(this::tick, 0, (long) (1e9 / rate), TimeUnit.NANOSECONDS);
    return this;
  }

  private void tick() {
    if (inFlight.get() >= WRITERS) {
      late.incrementAndGet();
    }
    int service = random.nextInt(services);
    inFlight.incrementAndGet();
    writers.execute(() -> {
      try {
        changes.write(service);
      } catch (RuntimeException e) {
        failed.incrementAndGet();
        System.err.println("churn: write of svc-" + service + " failed: " + e);
      } finally {
        inFlight.decrementAndGet();
      }
    });
  }

  /** Stops ticking and waits for the writes in flight. */
  void stop() {
    ticks.shutdownNow();
    writers.shutdown();
    try {
      writers.awaitTermination(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stoppedAt = System.nanoTime();
  }

  double seconds() {
    return ((stoppedAt == 0 ? System.nanoTime() : stoppedAt) - startedAt) / 1e9;
  }

  /** Ticks that found every writer busy: the API server (or this JVM) could not keep the rate. */
  long late() {
    return late.get();
  }

  long failed() {
    return failed.get();
  }

  @Override
  public void close() {
    stop();
  }
}
