package io.meshplane.loadtest.regions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Binary form of the benchmark's {@link RegionMessage}s (a few strings and longs each, with
 * {@link DataOutputStream}): the events both designs persist and the stream design's
 * cross-region commands. Benchmark-only, hence not in {@code proto/}. Stateless apart from the
 * actor-ref resolver; thread-safe.
 */
public final class RegionSerializer extends SerializerWithStringManifest {

  private static final String RES_EVENT = "RE";
  private static final String RES_REPLACE = "RR";
  private static final String RES_TOUCH = "RT";
  private static final String STREAM_EVENT = "SE";
  private static final String STREAM_REPLACE = "SR";
  private static final String STREAM_REPLICATE = "SP";
  private static final String STREAM_ACK = "SA";

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  public RegionSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return 917_301;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof ResService.ShareReplaced) {
      return RES_EVENT;
    } else if (o instanceof ResService.Replace) {
      return RES_REPLACE;
    } else if (o instanceof ResService.Touch) {
      return RES_TOUCH;
    } else if (o instanceof StreamService.ShareApplied) {
      return STREAM_EVENT;
    } else if (o instanceof StreamService.Replace) {
      return STREAM_REPLACE;
    } else if (o instanceof StreamService.Replicate) {
      return STREAM_REPLICATE;
    } else if (o instanceof StreamService.Ack) {
      return STREAM_ACK;
    }
    throw new IllegalArgumentException("not a serializable benchmark message (self-only?): " + o.getClass());
  }

  @Override
  public byte[] toBinary(Object o) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      if (o instanceof ResService.ShareReplaced e) {
        out.writeUTF(e.clusterId());
        out.writeUTF(e.payload());
        out.writeLong(e.writtenAtNanos());
      } else if (o instanceof ResService.Replace c) {
        out.writeUTF(c.clusterId());
        out.writeUTF(c.payload());
        out.writeLong(c.writtenAtNanos());
        out.writeUTF(ref(c.replyTo()));
      } else if (o instanceof ResService.Touch) {
        // no fields
      } else if (o instanceof StreamService.ShareApplied e) {
        out.writeUTF(e.clusterId());
        out.writeUTF(e.payload());
        out.writeLong(e.seq());
        out.writeLong(e.writtenAtNanos());
        out.writeBoolean(e.local());
      } else if (o instanceof StreamService.Replace c) {
        out.writeUTF(c.clusterId());
        out.writeUTF(c.payload());
        out.writeLong(c.writtenAtNanos());
        out.writeUTF(ref(c.replyTo()));
      } else if (o instanceof StreamService.Replicate c) {
        out.writeUTF(c.clusterId());
        out.writeUTF(c.payload());
        out.writeLong(c.seq());
        out.writeLong(c.writtenAtNanos());
        out.writeUTF(ref(c.replyTo()));
      } else if (o instanceof StreamService.Ack a) {
        out.writeLong(a.seq());
      } else {
        throw new IllegalArgumentException("not a serializable benchmark message (self-only?): " + o.getClass());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return switch (manifest) {
        case RES_EVENT -> new ResService.ShareReplaced(in.readUTF(), in.readUTF(), in.readLong());
        case RES_REPLACE -> new ResService.Replace(in.readUTF(), in.readUTF(), in.readLong(), resolve(in.readUTF()));
        case RES_TOUCH -> ResService.Touch.INSTANCE;
        case STREAM_EVENT -> new StreamService.ShareApplied(in.readUTF(), in.readUTF(), in.readLong(), in.readLong(),
            in.readBoolean());
        case STREAM_REPLACE -> new StreamService.Replace(in.readUTF(), in.readUTF(), in.readLong(),
            resolve(in.readUTF()));
        case STREAM_REPLICATE -> new StreamService.Replicate(in.readUTF(), in.readUTF(), in.readLong(), in.readLong(),
            resolve(in.readUTF()));
        case STREAM_ACK -> new StreamService.Ack(in.readLong());
        default -> throw new NotSerializableException("unknown benchmark manifest '" + manifest + "', expected one of "
            + "RE, RR, RT, SE, SR, SP, SA");
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String ref(ActorRef<?> ref) {
    return resolver().toSerializationFormat(ref);
  }

  private <T> ActorRef<T> resolve(String path) {
    return resolver().resolveActorRef(path);
  }

  private ActorRefResolver resolver() {
    if (resolver == null) {
      resolver = ActorRefResolver.get(Adapter.toTyped(system));
    }
    return resolver;
  }
}
