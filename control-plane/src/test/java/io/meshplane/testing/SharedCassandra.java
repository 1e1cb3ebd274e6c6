package io.meshplane.testing;

import io.meshplane.node.ParentWatchdog;
import io.meshplane.persistence.LocalCassandra;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;

/**
 * The one healthy single-node Cassandra that the IT classes of a {@code mvn verify} share, each in
 * keyspaces of its own ({@link CassandraSpace}): a start costs ~10 s, and most classes only need a
 * Cassandra that works. Classes that kill or cut Cassandra, or need two data centers, start their own.
 *
 * <p>failsafe runs each control-plane IT class in a JVM of its own (grpc-java's xDS bootstrap is per
 * JVM), so the server outlives the test JVMs: the build starts {@link #main} before the ITs (the
 * exec plugin, asynchronously, in pre-integration-test) and ends it when Maven exits; {@link #main}
 * also ends when its parent dies, even by SIGKILL, and Cassandra's own watchdog follows it. The test
 * JVMs find it through the file {@value #READY_FILE} under the directory named by the system property
 * {@value #DIR_PROPERTY}, new for each build. Without that property (a test run from an IDE), the first class of the JVM
 * starts a server of its own that lives as long as the JVM.
 */
public final class SharedCassandra {

  /** System property: the directory the build's server runs in. */
  public static final String DIR_PROPERTY = "meshplane.it.shared-cassandra";
  static final String READY_FILE = "server.properties";
  private static final Duration AWAIT_READY = Duration.ofSeconds(150);

  /** Where the shared server listens. */
  public record Server(String contactPoint, String datacenter) {}

  private static Server server;
  private static LocalCassandra own;

  private SharedCassandra() {}

  /**
   * The shared server: the build's once it is ready (up to 150 s), else one started in this JVM.
   *
   * @throws IllegalStateException if the build's server did not get ready in time
   */
  public static synchronized Server server() {
    if (server == null) {
      String dir = System.getProperty(DIR_PROPERTY);
      server = dir == null || dir.isBlank() ? startOwn() : awaitBuildServer(Path.of(dir));
    }
    return server;
  }

  private static Server startOwn() {
    own = LocalCassandra.start(LocalCassandra.Settings.defaults(TestDirs.fresh("shared-cassandra").resolve("cassandra"))
        .withPorts(Ports.free(), Ports.free()));
    // LocalCassandra's shutdown hook stops it when this JVM exits.
    return new Server(own.contactPoint(), own.datacenter());
  }

  private static Server awaitBuildServer(Path dir) {
    Path ready = dir.resolve(READY_FILE);
    try {
      Awaitility.await("the build's shared Cassandra (" + ready + ")").atMost(AWAIT_READY)
          .pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(ready));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new IllegalStateException("the shared Cassandra of the build did not write " + ready + " within "
          + AWAIT_READY + "; expected the exec plugin's shared-cassandra execution to start it (see its output in "
          + dir + ".log, and Cassandra's in " + dir.resolve("cassandra").resolve("cassandra.log") + ")", e);
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(ready)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Server(p.getProperty("contact-point"), p.getProperty("datacenter"));
  }

  /**
   * Runs the build's shared server in {@code args[0]} until this process's parent (Maven) exits,
   * this process is terminated or the server is stopped ({@code stop <dir>}, which the build runs
   * once the control-plane ITs are done, so that the server does not idle through the next
   * modules' tests); writes {@value #READY_FILE} there once Cassandra accepts CQL.
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("stop")) {
      stop(Path.of(args[1]).toAbsolutePath());
      return;
    }
    if (args.length != 1) {
      throw new IllegalArgumentException("expected one argument, the directory to run the shared Cassandra in,"
          + " or 'stop' and that directory; got " + java.util.Arrays.toString(args));
    }
    Path dir = Path.of(args[0]).toAbsolutePath();
    if (Files.exists(dir)) {
      throw new IllegalArgumentException(dir + " exists; expected a directory of this build's own (its name"
          + " carries the build's timestamp), so that no test reads an earlier build's server or data");
    }
    Files.createDirectories(dir);
    Path ready = dir.resolve(READY_FILE);
    CountDownLatch parentGone = new CountDownLatch(1);
    ParentWatchdog watchdog = ParentWatchdog.start(parentGone::countDown);
    LocalCassandra cassandra = LocalCassandra.start(LocalCassandra.Settings.defaults(dir.resolve("cassandra"))
        .withPorts(Ports.free(), Ports.free()));
    Properties p = new Properties();
    p.setProperty("contact-point", cassandra.contactPoint());
    p.setProperty("datacenter", cassandra.datacenter());
    p.setProperty("pid", String.valueOf(cassandra.pid()));
    Path tmp = dir.resolve(READY_FILE + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp)) {
      p.store(out, "the shared Cassandra of the ITs");
    }
    Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // The data is thrown away: at exit (Maven's SIGTERM, or the parent gone) SIGKILL instead of
    // the clean stop of LocalCassandra's own hook, which would drain and flush for 5-7 s.
    long pid = cassandra.pid();
    Runtime.getRuntime().addShutdownHook(new Thread(() ->
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly), "shared-cassandra-kill"));
    System.out.println("[shared-cassandra] ready on " + cassandra.contactPoint() + " (pid " + pid + ")");
    ProcessHandle.of(pid).ifPresentOrElse(h -> h.onExit().thenRun(parentGone::countDown), parentGone::countDown);
    parentGone.await();
    watchdog.close();
    System.exit(0);
  }

  /** Kills the server running in {@code dir} (its {@link #main} then exits); nothing if none ran there. */
  private static void stop(Path dir) throws Exception {
    Path ready = dir.resolve(READY_FILE);
    if (!Files.exists(ready)) {
      System.out.println("[shared-cassandra] no server in " + dir + " to stop");
      return;
    }
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(ready)) {
      p.load(in);
    }
    long pid = Long.parseLong(p.getProperty("pid"));
    var handle = ProcessHandle.of(pid);
    if (handle.isPresent()) {
      handle.get().destroyForcibly();
      handle.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    System.out.println("[shared-cassandra] stopped (pid " + pid + ")");
  }
}
