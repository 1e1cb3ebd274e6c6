package io.meshplane.loadtest.baseline;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ties the baseline's life to the process that started it ({@code --exit-with-parent}), so a
 * benchmark killed with SIGKILL leaves no baseline behind: every half second, checks that the
 * parent seen at start is alive and still this process's parent (on Linux an orphan is
 * re-parented at once). One daemon thread; the action runs once.
 */
final class ParentWatch {

  private static final long INTERVAL_MS = 500;

  private ParentWatch() {}

  static void start(Runnable onParentGone) {
    ProcessHandle parent = ProcessHandle.current().parent()
        .orElseThrow(() -> new IllegalStateException("this process has no parent to watch"));
    ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "baseline-parent-watch");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(() -> {
      boolean alive = parent.isAlive()
          && ProcessHandle.current().parent().map(p -> p.pid() == parent.pid()).orElse(false);
      if (!alive) {
        thread.shutdown();
        onParentGone.run();
      }
    }, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }
}
