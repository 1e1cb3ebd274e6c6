package io.meshplane.node;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Ties a node's life to the process that started it ({@code meshplane run --exit-with-parent}):
 * every {@link #INTERVAL} it checks that the parent seen at start is still alive and still this
 * process's parent, and runs the given action once when it is not. Killing the parent with SIGKILL
 * then leaves no node behind: on Linux the orphan is re-parented at once, so a new parent pid gives
 * the death away even while the old parent is an unreaped zombie.
 *
 * <p>The checks run on one daemon thread of its own; {@link #check} may also be called directly
 * (tests do). Thread-safe: the action runs at most once.
 */
public final class ParentWatchdog implements AutoCloseable {

  public static final Duration INTERVAL = Duration.ofMillis(500);

  private final ProcessHandle parent;
  private final Supplier<Optional<ProcessHandle>> currentParent;
  private final Runnable onParentGone;
  private final AtomicBoolean fired = new AtomicBoolean();
  private ScheduledExecutorService scheduler;

  /**
   * @param parent the parent to watch, as seen at start
   * @param currentParent this process's parent now (the JDK's {@code ProcessHandle.current().parent()})
   * @param onParentGone runs once, on the watchdog's thread, when the parent is gone
   */
  ParentWatchdog(ProcessHandle parent, Supplier<Optional<ProcessHandle>> currentParent, Runnable onParentGone) {
    this.parent = requireNonNull(parent, "parent");
    this.currentParent = requireNonNull(currentParent, "currentParent");
    this.onParentGone = requireNonNull(onParentGone, "onParentGone");
  }

  /**
   * Watches this process's parent from now on.
   *
   * @throws IllegalStateException if this process has no parent (already orphaned)
   */
  public static ParentWatchdog start(Runnable onParentGone) {
    ProcessHandle parent = ProcessHandle.current().parent()
        .orElseThrow(() -> new IllegalStateException("this process has no parent to watch"));
    ParentWatchdog watchdog = new ParentWatchdog(parent, () -> ProcessHandle.current().parent(), onParentGone);
    watchdog.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "parent-watchdog");
      t.setDaemon(true);
      return t;
    });
    watchdog.scheduler.scheduleWithFixedDelay(watchdog::check, INTERVAL.toMillis(), INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    return watchdog;
  }

  /** The pid of the watched parent. */
  public long parentPid() {
    return parent.pid();
  }

  /**
   * Checks the parent once; runs the action if it is gone and the action has not run yet.
   *
   * @return whether the parent is still there
   */
  public boolean check() {
    boolean alive = parent.isAlive()
        && currentParent.get().map(p -> p.pid() == parent.pid()).orElse(false);
    if (!alive && fired.compareAndSet(false, true)) {
      onParentGone.run();
    }
    return alive;
  }

  /** Stops watching. */
  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
