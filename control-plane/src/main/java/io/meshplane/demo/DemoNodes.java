package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import io.meshplane.node.NodeProcess;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's control-plane nodes: {@code node-1..N}, each a {@code meshplane run --exit-with-parent}
 * child JVM with its own xDS, admin and remoting ports and log file, all watching the simulated
 * cluster, sharing one Cassandra and listing every node as a Pekko seed (so a restarted node,
 * even the first, joins the others). Says on the demo's output when a node dies; restarts one on
 * request on the same ports, so the TCP front finds it again. With two regions the nodes come in
 * {@link Group}s, one per region with that region's flags (region, Cassandra data center); the
 * output then also says when the last node of a region dies (the region is down) and when its
 * first node is back.
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

  /**
   * {@code count} nodes of {@code region} (empty with a single region), all started with
   * {@code flags} (cluster, kubeconfig, Cassandra ...). Immutable.
   */
  public record Group(String region, int count, List<String> flags) {

    public Group {
      requireNonNull(region, "region");
      flags = List.copyOf(flags);
      if (count < 1) {
        throw new IllegalArgumentException("a group has at least one node, was " + count);
      }
    }
  }

  /** How to start node {@code index}; the same on every restart. Immutable. */
  record Spec(int index, String region, int xdsPort, int adminPort, int remotingPort, Path logFile,
      List<String> flags) {

    Spec {
      requireNonNull(region, "region");
      requireNonNull(logFile, "logFile");
      flags = List.copyOf(flags);
    }

    String describe() {
      return region.isEmpty() ? name() : name() + " (" + region + ")";
    }

    String name() {
      return DemoNodes.name(index);
    }
  }

  private final List<Spec> specs;
  private final NodeProcess[] processes;
  private final Instant[] diedAt;
  private final boolean[] starting;
  /** Regions whose death was reported and whose return was not yet. */
  private final Set<String> downRegions = new HashSet<>();
  private final PrintStream out;
  private volatile Consumer<DemoInfo.Node> onRestarted = n -> {};
  private boolean stopping;

  private DemoNodes(List<Spec> specs, PrintStream out) {
    this.specs = List.copyOf(specs);
    this.processes = new NodeProcess[specs.size()];
    this.diedAt = new Instant[specs.size()];
    this.starting = new boolean[specs.size()];
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
    return start(List.of(new Group("", count, common)), dir, firstAdminPort, out, timeout);
  }

  /**
   * Starts the groups one after the other, each group's nodes at once, and returns when all are
   * ready (or stops them all and throws): the first group's nodes create the Cassandra schema
   * before any other data center's node looks for it. Nodes are numbered across groups.
   */
  public static DemoNodes start(List<Group> groups, Path dir, int firstAdminPort, PrintStream out, Duration timeout) {
    List<Spec> specs = new ArrayList<>();
    for (Group g : groups) {
      for (int i = 0; i < g.count(); i++) {
        int index = specs.size() + 1;
        specs.add(new Spec(index, g.region(), LocalPorts.free(),
            index == 1 ? firstAdminPort : LocalPorts.free(), LocalPorts.free(),
            dir.resolve(name(index) + ".log"), g.flags()));
      }
    }
    DemoNodes nodes = new DemoNodes(specs, out);
    try {
      for (Group g : groups) {
        List<Spec> group = specs.stream().filter(s -> s.region().equals(g.region())).toList();
        for (Spec spec : group) {
          nodes.launch(spec);
        }
        for (Spec spec : group) {
          NodeProcess node = nodes.current(spec.index()).orElseThrow();
          node.awaitReady(timeout);
          out.printf("[demo]     %s ready (pid %d): xDS 127.0.0.1:%d, admin http://127.0.0.1:%d, log %s%n",
              spec.describe(), node.pid(), spec.xdsPort(), spec.adminPort(), spec.logFile());
        }
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
    boolean regionDown;
    synchronized (this) {
      if (stopping || processes[spec.index() - 1] != process) {
        return;
      }
      diedAt[spec.index() - 1] = Instant.now();
      regionDown = !spec.region().isEmpty() && liveIn(spec.region()) == 0 && downRegions.add(spec.region());
    }
    String how = code == 137 ? "exit code 137: SIGKILL" : "exit code " + code;
    out.printf("[demo] %s (pid %d) died (%s); the front sends new connections to the other nodes%n",
        spec.describe(), process.pid(), how);
    log.info("{} (pid {}) died with exit code {}; log {}", spec.name(), process.pid(), code, spec.logFile());
    if (regionDown) {
      String other = DemoRegions.other(spec.region());
      out.printf("[demo] region %s is down: none of its nodes runs; its front sends its proxies to %s, and %s takes "
          + "over the watches of the clusters homed in %s once it sees %s gone%n", spec.region(), other, other,
          spec.region(), spec.region());
    }
  }

  /** How many nodes of {@code region} run now. */
  private synchronized int liveIn(String region) {
    int live = 0;
    for (Spec s : specs) {
      NodeProcess p = processes[s.index() - 1];
      if (s.region().equals(region) && p != null && p.isAlive() && diedAt[s.index() - 1] == null) {
        live++;
      }
    }
    return live;
  }

  public int size() {
    return specs.size();
  }

  /** The xDS addresses of every node, in index order, for the TCP front. */
  public List<InetSocketAddress> xdsAddresses() {
    return specs.stream().map(s -> new InetSocketAddress("127.0.0.1", s.xdsPort())).toList();
  }

  /** The xDS addresses of the nodes of {@code region}, in index order, for its TCP front. */
  public List<InetSocketAddress> xdsAddresses(String region) {
    return specs.stream().filter(s -> s.region().equals(region))
        .map(s -> new InetSocketAddress("127.0.0.1", s.xdsPort())).toList();
  }

  /** The region of node {@code name} ({@code node-3}), empty with a single region or an unknown name. */
  public String regionOf(String name) {
    return specs.stream().filter(s -> s.name().equals(name)).map(Spec::region).findFirst().orElse("");
  }

  /** {@code node-3 (us)} with regions, {@code node-3} without. */
  public String describe(String name) {
    String region = regionOf(name);
    return region.isEmpty() ? name : name + " (" + region + ")";
  }

  /** When the last node of {@code region} died, if none of them runs now. */
  public synchronized Optional<Instant> regionDiedAt(String region) {
    Instant last = null;
    for (Spec s : specs) {
      if (!s.region().equals(region)) {
        continue;
      }
      Instant died = diedAt[s.index() - 1];
      if (died == null) {
        return Optional.empty();
      }
      last = last == null || died.isAfter(last) ? died : last;
    }
    return Optional.ofNullable(last);
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
        "127.0.0.1:" + s.adminPort(), "127.0.0.1:" + s.remotingPort(), s.logFile().toString(), s.region());
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
    synchronized (this) {
      Optional<NodeProcess> running = live(index);
      if (running.isPresent()) {
        throw new IllegalStateException(spec.name() + " is already running (pid " + running.get().pid() + ")");
      }
      if (starting[index - 1]) {
        throw new IllegalStateException(spec.name() + " is being started already");
      }
      if (stopping) {
        throw new IllegalStateException("the demo is stopping");
      }
      starting[index - 1] = true;
    }
    try {
      out.println("[demo] starting " + spec.describe() + " again (log " + spec.logFile() + ")");
      long begin = System.nanoTime();
      NodeProcess process = launch(spec);
      try {
        process.awaitReady(timeout);
      } catch (RuntimeException e) {
        process.close();
        throw e;
      }
      out.printf("[demo] %s is back (pid %d, ready in %.1f s); it rejoins the Pekko cluster and the front sends it "
          + "new connections%n", spec.describe(), process.pid(), (System.nanoTime() - begin) / 1e9);
      boolean regionBack;
      synchronized (this) {
        regionBack = downRegions.remove(spec.region());
      }
      if (regionBack) {
        out.printf("[demo] region %s is back with %s: it rejoins through %s's seed nodes; new connections to its front "
            + "go to it again (streams that moved to %s stay there until they reconnect), and it takes back the "
            + "watches of the clusters homed in it%n", spec.region(), spec.name(), DemoRegions.other(spec.region()),
            DemoRegions.other(spec.region()));
      }
      onRestarted.accept(info(index));
    } finally {
      synchronized (this) {
        starting[index - 1] = false;
      }
    }
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
