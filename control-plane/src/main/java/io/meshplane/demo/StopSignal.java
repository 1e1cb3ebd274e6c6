package io.meshplane.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * Turns Ctrl-C (SIGINT) and SIGTERM into a request to stop that the demo's main thread waits for,
 * so that the demo stops everything in order and exits 0. A JVM shutdown hook could not do that:
 * hooks run concurrently (Cassandra's own hook would race the control-plane nodes that use
 * it) and the exit code after a signal is 130 or 143. The demo's children ignore SIGINT (which a
 * terminal sends to the whole process group) for the same reason. A second signal halts at once;
 * the watchdogs of Cassandra and of the nodes ({@code --exit-with-parent}) then end them too. The
 * handlers run on the JVM's signal thread.
 */
public final class StopSignal {

  private final CountDownLatch requested = new CountDownLatch(1);
  private final PrintStream out;

  private StopSignal(PrintStream out) {
    this.out = out;
  }

  /** Installs the handlers for INT and TERM. */
  public static StopSignal install(PrintStream out) {
    StopSignal stop = new StopSignal(out);
    for (String name : new String[] {"INT", "TERM"}) {
      Signal.handle(new Signal(name), stop::onSignal);
    }
    return stop;
  }

  private void onSignal(Signal signal) {
    if (requested.getCount() == 0) {
      out.println("[demo] SIG" + signal.getName() + " again: halting now");
      Runtime.getRuntime().halt(128 + signal.getNumber());
    }
    out.println("[demo] SIG" + signal.getName() + ": stopping (press Ctrl-C again to halt at once)");
    requested.countDown();
  }

  /**
   * Waits until a signal came or {@code limit} passed (forever when empty).
   *
   * @return whether a signal came
   */
  public boolean await(Optional<Duration> limit) throws InterruptedException {
    if (limit.isEmpty()) {
      requested.await();
      return true;
    }
    return requested.await(limit.get().toMillis(), TimeUnit.MILLISECONDS);
  }
}
