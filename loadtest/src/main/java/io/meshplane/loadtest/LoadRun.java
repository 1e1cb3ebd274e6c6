package io.meshplane.loadtest;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One load run of a fleet against a control plane under test, in phases the scenarios combine:
 * {@link #sync} (services created, heap of the idle nodes, every proxy connects and converges, heap
 * again: the cost per connected proxy), {@link #churn} (endpoint changes at a set rate, each one's
 * convergence measured at every subscriber), {@link #storms} and {@link #finish} (the fleet has
 * converged to the ground truth; the samples are in). Not thread-safe: one caller drives it.
 */
final class LoadRun implements AutoCloseable {

  /** How long the nodes get to take in newly created services before their idle heap is read. */
  private static final Duration SETTLE = Duration.ofSeconds(5);

  final ControlPlaneUnderTest cp;
  final Changes changes;
  final Fleet fleet;
  final double rate;
  final int durationSeconds;
  private final HeapProbe heap;
  private final ResourceSampler sampler;

  double syncSeconds;
  final Map<SimProxy, Long> fullPush = new HashMap<>();
  long idleHeap = -1;
  long syncedHeap = -1;
  /** With {@link #histograms} set: the control plane's class histograms with no proxy and synced. */
  boolean histograms;
  HeapHistogram idleHistogram;
  HeapHistogram syncedHistogram;
  final Map<Integer, Double> connectedAfterSync = new HashMap<>();
  double churnFrom;
  double churnTo;
  long churnWrites;
  long churnLate;
  double churnSeconds;
  Histogram latency = new Histogram(3);
  long incompleteChanges;
  long convergedProxies;
  double convergeAfterChurnSeconds;
  Storm.Result resumedStorm;
  Storm.Result coldStorm;
  List<ResourceSampler.Row> rows = List.of();
  /** Why a phase did not complete (a wait that timed out), or null. */
  String failure;

  LoadRun(ControlPlaneUnderTest cp, Changes changes, Fleet.Settings fleetSettings, double rate, int durationSeconds,
      HeapProbe heap, Map<String, Long> otherProcesses) {
    this.cp = cp;
    this.changes = changes;
    this.rate = rate;
    this.durationSeconds = durationSeconds;
    this.heap = heap;
    changes.ensureCreated(fleetSettings.services());
    this.fleet = new Fleet(fleetSettings, cp.xdsPort());
    changes.track(fleet);
    this.sampler = new ResourceSampler(cp, otherProcesses, fleet, changes, heap);
  }

  int proxies() {
    return fleet.proxies.size();
  }

  /** Heap per connected proxy in bytes, or -1 if the heap could not be read. */
  long heapPerProxy() {
    return idleHeap < 0 || syncedHeap < 0 ? -1 : (syncedHeap - idleHeap) / proxies();
  }

  /** Every proxy connects at once and converges; the nodes' heap is read after a GC before and after. */
  void sync(int timeoutSeconds) {
    cp.awaitServices(fleet.settings.services(), timeoutSeconds);
    LockSupport.parkNanos(SETTLE.toNanos());
    idleHeap = heapAfterGc();
    idleHistogram = histogram();
    sampler.start(Duration.ofSeconds(1));
    long t0 = System.nanoTime();
    fleet.proxies.forEach(SimProxy::start);
    syncSeconds = Waits.await("initial sync of " + proxies() + " proxies", timeoutSeconds,
        () -> fleet.convergedCount(fleet.proxies) == proxies(), null, null, t0, 200);
    fleet.proxies.forEach(p -> fullPush.put(p, p.bytesReceived()));
    syncedHeap = heapAfterGc();
    syncedHistogram = histogram();
    for (int i = 0; i < cp.size(); i++) {
      connectedAfterSync.put(i, cp.metrics(i).map(m -> Prometheus.sum(m, ResourceSampler.CONNECTED))
          .orElse(Double.NaN));
    }
  }

  /** The nodes' class histograms, summed; null unless asked for or if a node's cannot be read. */
  private HeapHistogram histogram() {
    if (!histograms) {
      return null;
    }
    List<String> texts = new java.util.ArrayList<>();
    for (int i = 0; i < cp.size(); i++) {
      Optional<String> text = cp.pid(i).flatMap(heap::classHistogram);
      if (text.isEmpty()) {
        return null;
      }
      texts.add(text.get());
    }
    return HeapHistogram.parse(texts);
  }

  /** Sum over the nodes of the heap used right after a full GC; -1 if a node's cannot be read. */
  private long heapAfterGc() {
    long sum = 0;
    for (int i = 0; i < cp.size(); i++) {
      Optional<Long> pid = cp.pid(i);
      if (pid.isEmpty()) {
        return -1;
      }
      heap.gc(pid.get());
      OptionalLong used = heap.used(pid.get());
      if (used.isEmpty()) {
        return -1;
      }
      sum += used.getAsLong();
    }
    return sum;
  }

  /** Endpoint changes at {@link #rate} for {@link #durationSeconds}; then waits until every proxy converged. */
  void churn(int timeoutSeconds) {
    changes.resetLatency();
    churnFrom = sampler.now();
    Churn churn = new Churn(changes, fleet.settings.services(), rate, 11).start();
    LockSupport.parkNanos(Duration.ofSeconds(durationSeconds).toNanos());
    churn.stop();
    churnTo = sampler.now();
    churnWrites = changes.log().size();
    churnLate = churn.late();
    churnSeconds = churn.seconds();
    long t0 = System.nanoTime();
    try {
      convergeAfterChurnSeconds = Waits.await("every proxy converged after the churn", timeoutSeconds,
          () -> fleet.convergedCount(fleet.proxies) == proxies()
              && changes.log().stream().allMatch(c -> c.subscribers == 0 || c.completedAt != 0),
          null, null, t0, 200);
    } catch (IllegalStateException e) {
      // Reported (proxies not converged, changes that missed subscribers), not thrown: the report
      // is what shows where it went wrong.
      convergeAfterChurnSeconds = Double.NaN;
      System.err.println(e.getMessage());
    }
    latency = changes.total();
  }

  /** Every proxy reconnects at once: resumed (a tenth of the services changed meanwhile), then cold. */
  void storms(int timeoutSeconds) {
    resumedStorm = Storm.resumed(cp, fleet, changes, fleet.proxies, fullPush, 10, timeoutSeconds);
    coldStorm = Storm.cold(cp, fleet, fleet.proxies, fullPush, timeoutSeconds);
  }

  /** Proxies of a mode that do not hold the ground truth now. */
  long notConverged(SimProxy.Mode mode) {
    return fleet.proxies.stream().filter(p -> p.mode == mode && !fleet.converged(p)).count();
  }

  /** Checks the fleet against the ground truth and stops sampling. */
  void finish() {
    convergedProxies = fleet.convergedCount(fleet.proxies);
    incompleteChanges = changes.log().stream().filter(c -> c.subscribers > 0 && c.completedAt == 0).count();
    rows = sampler.stop();
  }

  @Override
  public void close() {
    sampler.close();
    fleet.close();
  }
}
