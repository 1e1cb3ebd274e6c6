package io.meshplane.persistence;

/**
 * A local Cassandra server did not come up: its JVM exited early or its CQL port did not accept a
 * session before the deadline. The message ends with the tail of the server's log, which is
 * where the reason is.
 */
public class CassandraStartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CassandraStartException(String message) {
    super(message);
  }

  public CassandraStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
