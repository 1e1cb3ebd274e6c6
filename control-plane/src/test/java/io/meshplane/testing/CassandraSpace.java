package io.meshplane.testing;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One IT class's place on the {@link SharedCassandra}: the server's address and journal and
 * snapshot keyspaces of the class's own, so that classes sharing the server never see each other's
 * events and stay independent of their order. Immutable.
 */
public record CassandraSpace(String contactPoint, String datacenter, String journalKeyspace,
    String snapshotKeyspace) {

  private static final String JOURNAL = "pekko.persistence.cassandra.journal.keyspace";
  private static final String SNAPSHOT = "pekko.persistence.cassandra.snapshot.keyspace";

  public CassandraSpace {
    requireNonNull(contactPoint, "contactPoint");
    requireNonNull(datacenter, "datacenter");
    requireNonNull(journalKeyspace, "journalKeyspace");
    requireNonNull(snapshotKeyspace, "snapshotKeyspace");
  }

  /** {@code testClass}'s keyspaces ({@code it_<class>_journal}, {@code it_<class>_snapshot}) on the shared server. */
  public static CassandraSpace of(Class<?> testClass) {
    String name = "it_" + testClass.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "_");
    if (name.length() > 38) {
      throw new IllegalArgumentException("test class name " + testClass.getSimpleName() + " makes keyspace names"
          + " over Cassandra's 48 characters; expected a simple name of at most 35 characters");
    }
    SharedCassandra.Server server = SharedCassandra.server();
    return new CassandraSpace(server.contactPoint(), server.datacenter(), name + "_journal", name + "_snapshot");
  }

  /** The keyspace settings, for a node started in the test JVM (see {@link InProcessNode}). */
  public Config keyspaceConfig() {
    return ConfigFactory.parseMap(Map.of(JOURNAL, journalKeyspace, SNAPSHOT, snapshotKeyspace));
  }

  /** The keyspace settings as JVM options, for a {@link ControlPlaneProcess}. */
  public List<String> jvmOptions() {
    return List.of("-D" + JOURNAL + "=" + journalKeyspace, "-D" + SNAPSHOT + "=" + snapshotKeyspace);
  }

  /** The {@code meshplane run} flags that name the server: {@code --cassandra} and {@code --cassandra-dc}. */
  public List<String> runFlags() {
    return List.of("--cassandra", contactPoint, "--cassandra-dc", datacenter);
  }
}
