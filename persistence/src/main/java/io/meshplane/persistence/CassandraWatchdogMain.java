package io.meshplane.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Main class of the Cassandra child JVM that {@link LocalCassandra} starts: it ties the child's
 * life to its parent, then runs Cassandra's own {@code CassandraDaemon}.
 *
 * <p>The parent holds the write end of the child's stdin and never writes to it. When the parent
 * dies, however it dies (even {@code kill -9}), the operating system closes that pipe, a daemon
 * thread here reads end-of-file and halts this JVM, so no Cassandra is left running behind a dead
 * control plane. Halting skips Cassandra's drain, which is safe: the commit log is memory-mapped,
 * so every acknowledged write is already in the page cache and is replayed on the next start.
 *
 * <p>SIGINT is ignored: the parent, not the terminal, decides when Cassandra stops.
 *
 * <p>This class is loaded on the Cassandra classpath only; it reaches {@code CassandraDaemon} by
 * reflection so that the persistence module needs no compile dependency on the server. It uses
 * {@code System.err} rather than a logger because it runs before Cassandra configures logging.
 */
public final class CassandraWatchdogMain {

  static final String DAEMON_CLASS = "org.apache.cassandra.service.CassandraDaemon";

  private CassandraWatchdogMain() {}

  public static void main(String[] args) throws Throwable {
    // Ctrl-C in a terminal signals the whole process group; the parent stops Cassandra itself, in
    // order, after its own users of Cassandra. (SIGTERM still stops Cassandra cleanly.)
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
    Thread watchdog = new Thread(CassandraWatchdogMain::haltAtEndOfInput, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Method main = Class.forName(DAEMON_CLASS).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void haltAtEndOfInput() {
    InputStream in = System.in;
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) >= 0) {
        // The parent never writes; anything read is ignored. Only end-of-file matters.
      }
      System.err.println("parent-watchdog: parent process is gone (stdin closed); halting Cassandra");
    } catch (IOException e) {
      System.err.println("parent-watchdog: stdin failed (" + e + "); halting Cassandra");
    }
    Runtime.getRuntime().halt(2);
  }
}
