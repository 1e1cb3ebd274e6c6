package io.meshplane.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.apache.pekko.stream.connectors.cassandra.CqlSessionProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.FutureConverters;

/**
 * Creates the journal and snapshot keyspaces and tables, with the Cassandra plugin's own DDL, before
 * any persistent entity starts. The plugin's auto-creation is off (see {@code reference.conf}):
 * it races when several nodes or data centers start together, whereas the driver used here
 * waits for schema agreement after every statement. Idempotent ({@code IF NOT EXISTS}).
 *
 * <p>Opens its own short-lived session through the plugin's session provider and driver
 * configuration, so contact points, data center and discovery are exactly the plugin's.
 */
public final class CassandraSchema {

  /** The plugin's configuration section. */
  public static final String PLUGIN_PATH = "pekko.persistence.cassandra";

  private static final Logger log = LoggerFactory.getLogger(CassandraSchema.class);

  private CassandraSchema() {}

  /** Every statement, in order: journal keyspace, journal tables, snapshot keyspace and table. */
  public static List<String> statements(ActorSystem<?> system) {
    org.apache.pekko.actor.ActorSystem classic = system.classicSystem();
    KeyspaceAndTableStatements ddl = new KeyspaceAndTableStatements(classic, PLUGIN_PATH,
        PluginSettings.apply(classic));
    List<String> statements = new ArrayList<>();
    statements.add(ddl.createJournalKeyspaceStatement());
    // Includes the tag tables even with events-by-tag off: empty tables cost nothing, and turning
    // tags on later then needs no schema change.
    statements.addAll(ddl.getCreateJournalTablesStatements());
    statements.add(ddl.createSnapshotKeyspaceStatement());
    statements.addAll(ddl.getCreateSnapshotTablesStatements());
    return statements;
  }

  /** Runs {@link #statements} through a fresh session and closes it. */
  public static CompletionStage<Done> ensureAsync(ActorSystem<?> system) {
    org.apache.pekko.actor.ActorSystem classic = system.classicSystem();
    List<String> statements = statements(system);
    long start = System.nanoTime();
    CqlSessionProvider provider = CqlSessionProvider.apply(classic, classic.settings().config().getConfig(PLUGIN_PATH));
    return FutureConverters.asJava(provider.connect(classic.dispatcher())).thenCompose(session -> {
      // Schema metadata is refreshed after every DDL unless off; agreement is still awaited.
      session.setSchemaMetadataEnabled(false);
      CompletionStage<Done> run = CompletableFuture.completedFuture(Done.getInstance());
      for (String statement : statements) {
        run = run.thenCompose(done -> execute(session, statement));
      }
      return run.whenComplete((done, error) -> session.closeAsync())
          .thenApply(done -> {
            log.info("Cassandra schema ready: {} statements for keyspaces {} and {} in {} ms", statements.size(),
                classic.settings().config().getString(PLUGIN_PATH + ".journal.keyspace"),
                classic.settings().config().getString(PLUGIN_PATH + ".snapshot.keyspace"),
                (System.nanoTime() - start) / 1_000_000);
            return done;
          });
    });
  }

  /**
   * Blocking form of {@link #ensureAsync}, for start-up code. After a timeout the driver keeps
   * trying in the background ({@code reconnect-on-init}); if Cassandra answers later, the
   * statements still run and the session is closed.
   *
   * @throws IllegalStateException if Cassandra is unreachable or a statement fails within the timeout
   */
  public static void ensure(ActorSystem<?> system, Duration timeout) {
    try {
      ensureAsync(system).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Cassandra schema not created within " + timeout
          + "; is Cassandra reachable at datastax-java-driver.basic.contact-points?", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("creating the Cassandra schema failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the Cassandra schema", e);
    }
  }

  private static CompletionStage<Done> execute(CqlSession session, String statement) {
    return session.executeAsync(statement).thenApply((AsyncResultSet rs) -> {
      if (!rs.getExecutionInfo().isSchemaInAgreement()) {
        log.warn("schema not in agreement after {}; nodes will converge, but check the cluster",
            firstLine(statement));
      }
      log.debug("schema statement done: {}", firstLine(statement));
      return Done.getInstance();
    });
  }

  private static String firstLine(String statement) {
    int newline = statement.indexOf('\n');
    return newline < 0 ? statement : statement.substring(0, newline);
  }
}
