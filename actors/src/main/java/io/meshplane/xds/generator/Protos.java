package io.meshplane.xds.generator;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Protobuf helpers shared by the generators: deterministic serialization, so that equal
 * messages give equal bytes (map entries in key order) on every node and in every run, and the
 * ADS config source every generated reference points at. Stateless.
 */
final class Protos {

  static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  /** ADS, v3: how listeners find routes and clusters find endpoints. */
  static final ConfigSource ADS = ConfigSource.newBuilder()
      .setAds(AggregatedConfigSource.getDefaultInstance())
      .setResourceApiVersion(ApiVersion.V3)
      .build();

  private Protos() {}

  static byte[] deterministicBytes(Message message) {
    byte[] out = new byte[message.getSerializedSize()];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    stream.useDeterministicSerialization();
    try {
      message.writeTo(stream);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to a byte array cannot fail", e);
    }
    stream.checkNoSpaceLeft();
    return out;
  }

  /** {@link Any#pack(Message)}, but with deterministic bytes. */
  static Any pack(Message message) {
    return pack(message, deterministicBytes(message));
  }

  static Any pack(Message message, byte[] bytes) {
    return Any.newBuilder()
        .setTypeUrl(TYPE_URL_PREFIX + message.getDescriptorForType().getFullName())
        .setValue(ByteString.copyFrom(bytes))
        .build();
  }
}
