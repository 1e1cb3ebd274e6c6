package io.meshplane.xds;

/**
 * What the push path reports for monitoring; implemented with Prometheus in the control plane.
 * Implementations are thread-safe and cheap.
 */
public interface XdsMetrics {

  /** A proxy stream opened ({@code +1}) or closed ({@code -1}). */
  void proxiesConnected(String kind, int delta);

  /** A response was sent: short type name (LDS, RDS, CDS, EDS), what triggered it, its size. */
  void pushed(String type, String trigger, int bytes);

  /** A proxy rejected a response. */
  void nacked(String type);

  /** Time from a change being persisted to the response carrying it being handed to the stream. */
  void convergence(long millis);

  /** Time a batch of changes spent in the debounce window. */
  void debounced(long millis, int services);

  /** A request or stream was rejected as malformed. */
  void rejected(String reason);

  /** A resumed stream already held the current version of a type: nothing was sent. */
  void resumedUnchanged(String type);

  /** A new stream waited this long in the admission queue; {@code queued} are still waiting. */
  void admitted(long waitedMillis, int queued);

  /**
   * A type of a new stream got its first answer (a response, or the finding that the proxy already
   * holds the current version) this long after the stream opened, admission wait included.
   */
  void firstAnswer(String type, long millisSinceStreamStart, boolean unchanged);

  /** Does nothing; for tests. */
  XdsMetrics NOOP = new XdsMetrics() {
    @Override
    public void proxiesConnected(String kind, int delta) {}

    @Override
    public void pushed(String type, String trigger, int bytes) {}

    @Override
    public void nacked(String type) {}

    @Override
    public void convergence(long millis) {}

    @Override
    public void debounced(long millis, int services) {}

    @Override
    public void rejected(String reason) {}

    @Override
    public void resumedUnchanged(String type) {}

    @Override
    public void admitted(long waitedMillis, int queued) {}

    @Override
    public void firstAnswer(String type, long millisSinceStreamStart, boolean unchanged) {}
  };
}
