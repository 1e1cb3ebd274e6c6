package io.meshplane.loadtest.baseline;

import io.envoyproxy.controlplane.server.ExecutorGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where java-control-plane serializes and sends responses: one single-threaded executor per core,
 * each stream pinned to one of them (round robin as streams open), so a stream's responses stay in
 * order while a snapshot's answers to many streams use every core. The library's default runs them
 * all on the thread that sets the snapshot.
 */
final class StreamExecutors implements ExecutorGroup, AutoCloseable {

  private final List<ExecutorService> executors = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  StreamExecutors(int threads) {
    for (int i = 0; i < threads; i++) {
      String name = "baseline-send-" + i;
      executors.add(Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      }));
    }
  }

  @Override
  public ExecutorService next() {
    return executors.get(Math.floorMod(next.getAndIncrement(), executors.size()));
  }

  @Override
  public void close() {
    executors.forEach(ExecutorService::shutdownNow);
    for (ExecutorService e : executors) {
      try {
        e.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
