package io.meshplane.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a Cassandra node serves CQL: a cheap TCP connect first, then a real driver session
 * that reads {@code system.local}. Stateless; used by {@link LocalCassandra} while it waits.
 */
final class CqlProbe {

  private static final Logger log = LoggerFactory.getLogger(CqlProbe.class);

  // Reference configuration plus these, without application.conf: an application's contact
  // points must not leak in and make the probe answer for another server. A probe must fail fast,
  // not retry the way the plugin's sessions do (reconnect-on-init in our reference.conf).
  private static final String PROBE_CONFIG = String.join("\n",
      "datastax-java-driver.advanced.reconnect-on-init = false",
      "datastax-java-driver.advanced.connection.init-query-timeout = 5s",
      "datastax-java-driver.basic.request.timeout = 5s",
      "");

  private CqlProbe() {}

  static boolean answers(String host, int port, String datacenter) {
    return portOpen(host, port) && sessionAnswers(host, port, datacenter);
  }

  private static boolean portOpen(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean sessionAnswers(String host, int port, String datacenter) {
    try (CqlSession session = CqlSession.builder()
        .withConfigLoader(DriverConfigLoader.fromString(PROBE_CONFIG))
        .addContactPoint(new InetSocketAddress(host, port))
        .withLocalDatacenter(datacenter)
        .build()) {
      String version = session.execute("SELECT release_version FROM system.local").one().getString(0);
      log.debug("Cassandra {}:{} answers CQL, release {}", host, port, version);
      return true;
    } catch (RuntimeException e) {
      log.debug("Cassandra {}:{} does not answer CQL yet: {}", host, port, e.toString());
      return false;
    }
  }
}
