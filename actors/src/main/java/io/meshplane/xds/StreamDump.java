package io.meshplane.xds;

import static java.util.Objects.requireNonNull;

import io.meshplane.model.ProxyNode;
import io.meshplane.xds.generator.Resource;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * What one xDS stream last sent its proxy, per type URL: the subscription, the last response's
 * version, nonce and time, the resources the proxy holds after it, and its ACK or NACK. The
 * reply of {@link XdsConnection.GetConfigDump}; it crosses nodes only inside a
 * {@link ProxyStreams.ConfigDump}, so the stream's own reply skips serialization checks.
 *
 * <p>Immutable. The resources are the shared {@link Resource}s the stream sent, not copies.
 */
public record StreamDump(String stream, XdsConnection.Mode mode, ProxyNode node, long connectedAtMillis,
    List<TypeDump> types) implements NoSerializationVerificationNeeded {

  public StreamDump {
    requireNonNull(stream, "stream");
    requireNonNull(mode, "mode");
    requireNonNull(node, "node");
    types = List.copyOf(types);
  }

  /** Whether the proxy accepted what it was last sent of a type. */
  public enum SyncState { NOT_SENT, PENDING, ACKED, NACKED }

  /** One type URL of the stream. */
  public record TypeDump(String typeUrl, Subscription subscription, Sent sent, Optional<Ack> acked,
      Optional<Nack> rejected) {

    public TypeDump {
      requireNonNull(typeUrl, "typeUrl");
      requireNonNull(subscription, "subscription");
      requireNonNull(sent, "sent");
      requireNonNull(acked, "acked");
      requireNonNull(rejected, "rejected");
    }

    /**
     * NOT_SENT before the first response; ACKED or NACKED when the proxy answered the last
     * response (same nonce); PENDING while it has not.
     */
    public SyncState state() {
      if (sent.nonce().isEmpty()) {
        return SyncState.NOT_SENT;
      }
      if (rejected.isPresent() && rejected.get().nonce().equals(sent.nonce())) {
        return SyncState.NACKED;
      }
      if (acked.isPresent() && acked.get().nonce().equals(sent.nonce())) {
        return SyncState.ACKED;
      }
      return SyncState.PENDING;
    }
  }

  /**
   * The names the proxy asked for, sorted, and whether it asked for everything (wildcard);
   * {@code omitted} names were left out of this dump to bound its size.
   */
  public record Subscription(boolean wildcard, List<String> names, int omitted) {
    public Subscription {
      names = List.copyOf(names);
      if (omitted < 0) {
        throw new IllegalArgumentException("omitted is " + omitted + "; expected 0 or more");
      }
    }
  }

  /**
   * The last response: its version_info (SotW) or system_version_info (delta), nonce and time, and
   * the resources the proxy holds after it, sorted by name (in delta the response itself carried
   * only the changed ones). {@code omitted} resources were left out of this dump to bound its size.
   */
  public record Sent(String version, String nonce, long atMillis, List<Resource> resources, int omitted) {
    public static final Sent NONE = new Sent("", "", 0, List.of(), 0);

    public Sent {
      requireNonNull(version, "version");
      requireNonNull(nonce, "nonce");
      resources = List.copyOf(resources);
      if (omitted < 0) {
        throw new IllegalArgumentException("omitted is " + omitted + "; expected 0 or more");
      }
    }
  }

  /** The proxy's last acknowledgement: the version it reported and the nonce it answered. */
  public record Ack(String version, String nonce, long atMillis) {
    public Ack {
      requireNonNull(version, "version");
      requireNonNull(nonce, "nonce");
    }
  }

  /**
   * The proxy's last rejection since its last acknowledgement: the version it rejected, the nonce
   * and its error detail. It keeps the last version it acknowledged.
   */
  public record Nack(String version, String nonce, String error, long atMillis) {
    public Nack {
      requireNonNull(version, "version");
      requireNonNull(nonce, "nonce");
      requireNonNull(error, "error");
    }
  }
}
