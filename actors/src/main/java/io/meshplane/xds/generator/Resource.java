package io.meshplane.xds.generator;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One xDS resource ready to send: its name, type URL, packed body and version. The body holds
 * the deterministic serialization of the message, and the version is the first 16 hex digits of
 * that serialization's SHA-256, so equal content has equal versions on every node and across
 * restarts, and a proxy that reconnects with a version it already has needs no push. Immutable.
 *
 * <p>Resources are cached and shared; read a body with {@code parseFrom(body().getValue())},
 * not {@code body().unpack(...)}, which keeps the parsed message inside the shared {@code Any}.
 */
public record Resource(String name, String typeUrl, Any body, String version) {

  private static final int VERSION_BYTES = 8;

  public Resource {
    requireNonNull(name, "name");
    requireNonNull(typeUrl, "typeUrl");
    requireNonNull(body, "body");
    requireNonNull(version, "version");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a resource needs a name");
    }
    if (!typeUrl.equals(body.getTypeUrl())) {
      throw new IllegalArgumentException("resource " + name + " has type " + typeUrl
          + " but its body is a " + body.getTypeUrl());
    }
  }

  /** Packs a message deterministically and versions it by content. */
  public static Resource of(String name, Message message) {
    byte[] bytes = Protos.deterministicBytes(message);
    Any body = Protos.pack(message, bytes);
    return new Resource(name, body.getTypeUrl(), body, digest(bytes));
  }

  private static String digest(byte[] bytes) {
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(sha, 0, VERSION_BYTES);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
