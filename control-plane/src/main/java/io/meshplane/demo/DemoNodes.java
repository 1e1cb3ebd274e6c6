package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import io.meshplane.node.NodeProcess;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's control-plane nodes: {@code node-1..N}, each a {@code meshplane run --exit-with-parent}
 * child JVM with its own xDS, admin and remoting ports and log file, all watching the simulated
 * cluster, sharing one Cassandra and listing every node as a Pekko seed (so a restarted node,
 * even the first, joins the others). Says on the demo's output when a node dies; restarts one on
 * request on the same ports, so the TCP front finds it again.
 *
 * <p>Thread-safe: the current process of each node is guarded by this object's lock; a death is
 * reported on the JDK's process-reaper thread, a restart runs on its caller's thread.
 */
public final class DemoNodes implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DemoNodes.class);
  /**
   * Demo nodes are small and short-lived: a modest heap, and only the quick JIT tier, which halves
   * the CPU that N JVMs starting at once take on a small machine.
   */
  private static final List<String> JVM_OPTIONS = List.of("-Xms64m", "-Xmx512m", "-XX:TieredStopAtLevel=1");

  /** How to start node {@code index}; the same on every restart. Immutable. */
  record Spec(int index, int xdsPort, int adminPort, int remotingPort, Path logFile, List<String> flags) {

    Spec {
      requireNonNull(logFile, "logFile");
      flags = List.copyOf(flags);
    }

    String name() {
      return DemoNodes.name(index);
    }
  }

  private final List<Spec> specs;
  private final NodeProcess[] processes;
  private final Instant[] diedAt;
  private final PrintStream out;
  private volatile Consumer<DemoInfo.Node> onRestarted = n -> {};
  private boolean stopping;

  private DemoNodes(List<Spec> specs, PrintStream out) {
    this.specs = List.copyOf(specs);
    this.processes = new NodeProcess[specs.size()];
    this.diedAt = new Instant[specs.size()];
    this.out = out;
  }

  /** The name of node {@code index} (1-based). */
  public static String name(int index) {
    return "node-" + index;
  }

  /**
   * Starts {@code count} nodes at once and returns when all are ready (or stops them all and
   * throws). Node 1 gets {@code firstAdminPort}; every other port is a free one.
   *
   * @param common flags every node gets (cluster, kubeconfig, Cassandra ...)
   */
  public static DemoNodes start(int count, Path dir, int firstAdminPort, List<String> common, PrintStream out,
      Duration timeout) {
    List<Spec> specs = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      specs.add(new Spec(i, LocalPorts.free("127.0.0.1"), i == 1 ? firstAdminPort : LocalPorts.free("127.0.0.1"),
          LocalPorts.free("127.0.0.1"), dir.resolve(name(i) + ".log"), common));
    }
    DemoNodes nodes = new DemoNodes(specs, out);
    try {
      for (Spec spec : specs) {
        nodes.launch(spec);
      }
      for (Spec spec : specs) {
        NodeProcess node = nodes.current(spec.index()).orElseThrow();
        node.awaitReady(timeout);
        out.printf("[demo]     %s ready (pid %d): xDS 127.0.0.1:%d, admin http://127.0.0.1:%d, log %s%n",
            spec.name(), node.pid(), spec.xdsPort(), spec.adminPort(), spec.logFile());
      }
      return nodes;
    } catch (RuntimeException e) {
      nodes.close();
      throw e;
    }
  }

  private NodeProcess launch(Spec spec) {
    List<String> flags = new ArrayList<>(List.of("--node-name", spec.name(), "--xds-port", String.valueOf(spec.xdsPort()),
        "--remoting-port", String.valueOf(spec.remotingPort())));
    for (Spec s : specs) {
      flags.add("--seed-node");
      flags.add("pekko://meshplane@127.0.0.1:" + s.remotingPort());
    }
    flags.addAll(spec.flags());
    flags.add("--exit-with-parent");
    NodeProcess process = NodeProcess.launch(spec.logFile(), spec.adminPort(), JVM_OPTIONS, flags);
    synchronized (this) {
      processes[spec.index() - 1] = process;
      diedAt[spec.index() - 1] = null;
    }
    process.onExit().thenAccept(code -> died(spec, process, code));
    return process;
  }

  private void died(Spec spec, NodeProcess process, int code) {
    synchronized (this) {
      if (stopping || processes[spec.index() - 1] != process) {
        return;
      }
      diedAt[spec.index() - 1] = Instant.now();
    }
    String how = code == 137 ? "exit code 137: SIGKILL" : "exit code " + code;
    out.printf("[demo] %s (pid %d) died (%s); the front sends new connections to the other nodes%n",
        spec.name(), process.pid(), how);
    log.info("{} (pid {}) died with exit code {}; log {}", spec.name(), process.pid(), code, spec.logFile());
  }

  public int size() {
    return specs.size();
  }

  /** The xDS addresses of every node, in index order, for the TCP front. */
  public List<InetSocketAddress> xdsAddresses() {
    return specs.stream().map(s -> new InetSocketAddress("127.0.0.1", s.xdsPort())).toList();
  }

  /** The admin port of node {@code index}. */
  public int adminPort(int index) {
    return spec(index).adminPort();
  }

  /** Node {@code index}'s process, whether or not it still runs; empty before its first start. */
  private synchronized Optional<NodeProcess> current(int index) {
    return Optional.ofNullable(processes[index - 1]);
  }

  /** Node {@code index}'s process if it runs. */
  public Optional<NodeProcess> live(int index) {
    return current(index).filter(NodeProcess::isAlive);
  }

  /** When node {@code name} was last seen to die, if it is down now. */
  public synchronized Optional<Instant> diedAt(String name) {
    for (Spec s : specs) {
      if (s.name().equals(name)) {
        return Optional.ofNullable(diedAt[s.index() - 1]);
      }
    }
    return Optional.empty();
  }

  /** What {@value DemoInfo#FILE} lists for node {@code index}. */
  public DemoInfo.Node info(int index) {
    Spec s = spec(index);
    NodeProcess p = current(index).orElseThrow(() -> new IllegalStateException(s.name() + " was never started"));
    return new DemoInfo.Node(index, s.name(), p.pid(), p.startedAt().toString(), "127.0.0.1:" + s.xdsPort(),
        "127.0.0.1:" + s.adminPort(), "127.0.0.1:" + s.remotingPort(), s.logFile().toString());
  }

  /** Every node, as {@value DemoInfo#FILE} lists them. */
  public List<DemoInfo.Node> info() {
    List<DemoInfo.Node> all = new ArrayList<>();
    for (Spec s : specs) {
      all.add(info(s.index()));
    }
    return all;
  }

  /** Called with the node's new entry after each successful restart. */
  public void onRestarted(Consumer<DemoInfo.Node> listener) {
    this.onRestarted = requireNonNull(listener, "listener");
  }

  /**
   * Starts node {@code index} again, on the same ports, and waits until it is ready.
   *
   * @throws IllegalStateException if it already runs, or does not get ready within {@code timeout}
   */
  public void restart(int index, Duration timeout) {
    Spec spec = spec(index);
    Optional<NodeProcess> running = live(index);
    if (running.isPresent()) {
      throw new IllegalStateException(spec.name() + " is already running (pid " + running.get().pid() + ")");
    }
    synchronized (this) {
      if (stopping) {
        throw new IllegalStateException("the demo is stopping");
      }
    }
    out.println("[demo] starting " + spec.name() + " again (log " + spec.logFile() + ")");
    long begin = System.nanoTime();
    NodeProcess process = launch(spec);
    try {
      process.awaitReady(timeout);
    } catch (RuntimeException e) {
      process.close();
      throw e;
    }
    out.printf("[demo] %s is back (pid %d, ready in %.1f s); it rejoins the Pekko cluster and the front sends it "
        + "new connections%n", spec.name(), process.pid(), (System.nanoTime() - begin) / 1e9);
    onRestarted.accept(info(index));
  }

  private Spec spec(int index) {
    if (index < 1 || index > specs.size()) {
      throw new IllegalArgumentException("node index must be 1-" + specs.size() + ", was " + index);
    }
    return specs.get(index - 1);
  }

  /** Stops every node at once (SIGTERM: each leaves the cluster), SIGKILL after a grace. */
  @Override
  public void close() {
    List<NodeProcess> running = new ArrayList<>();
    synchronized (this) {
      stopping = true;
      for (NodeProcess p : processes) {
        if (p != null) {
          running.add(p);
        }
      }
    }
    // One thread each: the common pool may have a single thread on a small machine.
    List<Thread> stoppers = running.stream().map(p -> new Thread(p::close, "demo-stop-node-" + p.pid())).toList();
    stoppers.forEach(Thread::start);
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running.forEach(NodeProcess::kill9);
        return;
      }
    }
  }
}
