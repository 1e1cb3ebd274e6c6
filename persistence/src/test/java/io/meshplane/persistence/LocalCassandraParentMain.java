package io.meshplane.persistence;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Test fixture: a parent process that starts a LocalCassandra, prints {@code READY <pid>} and
 * then waits forever, so that a test can kill it with SIGKILL and watch the Cassandra child go.
 */
public final class LocalCassandraParentMain {

  static final String READY = "READY ";

  private LocalCassandraParentMain() {}

  public static void main(String[] args) throws InterruptedException {
    LocalCassandra cassandra = LocalCassandra.start(LocalCassandra.Settings.defaults(Path.of(args[0])));
    System.out.println(READY + cassandra.pid());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
