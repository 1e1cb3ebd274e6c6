package io.meshplane.xds;

import io.meshplane.xds.generator.Resource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one xDS stream knows of one type URL: the subscription (names or wildcard), what was last
 * sent (for the config dump: the resources themselves, shared with the node's views, never copied),
 * acknowledged and rejected, and, for delta, the version of each resource the client holds.
 * Mutable; confined to its {@link XdsConnection} actor.
 */
final class TypeState {
  final String typeUrl;
  boolean wildcard;
  final Set<String> names = new TreeSet<>();
  /** A response is due (subscription changed, a watched service changed, or an empty nonce). */
  boolean dirty;
  /** SotW: respond even if the version is unchanged (a request with an empty nonce). */
  boolean mustRespond;
  /** SotW: the stream began with the client's version_info; not yet compared with ours. */
  boolean resumed;
  /** This type has had its first answer on this stream (for the first-answer metric). */
  boolean answered;
  String lastNonce = "";
  String lastVersion = "";
  long sentAtMillis;
  /** The resources the proxy holds after the last response, by name; an unmodifiable view. */
  Map<String, Resource> sent = Map.of();
  String ackedVersion = "";
  String ackedNonce = "";
  long ackedAtMillis;
  /** The last NACK since the last ACK (an ACK clears it); empty nonce: none. */
  String nackedVersion = "";
  String nackedNonce = "";
  String nackError = "";
  long nackedAtMillis;
  /** Delta: name -> version the client holds. */
  final Map<String, String> clientVersions = new HashMap<>();
  /** Delta: names already reported to the client as not existing. */
  final Set<String> reportedAbsent = new HashSet<>();
  /** Resource versions of the last response, by name, for convergence reporting. */
  final Map<String, String> sentVersions = new HashMap<>();

  TypeState(String typeUrl) {
    this.typeUrl = typeUrl;
  }
}
