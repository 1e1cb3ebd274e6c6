package io.meshplane.demo;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The demo's proxyless client: a real grpc-java xDS channel to an {@code xds:///} target that
 * calls {@code SayHello} once a second and reports each answer (and which backend gave it) or
 * failure as one line. The calls run one at a time on the client's own scheduler thread, which
 * confines the header capture.
 */
public final class GreeterClient implements AutoCloseable {

  /** The system property through which grpc-java finds its xDS bootstrap file. */
  public static final String BOOTSTRAP_PROPERTY = "io.grpc.xds.bootstrap";
  private static final Duration PERIOD = Duration.ofSeconds(1);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final ManagedChannel channel;
  private final Channel capturing;
  private final AtomicReference<Metadata> headers = new AtomicReference<>();
  private final ScheduledExecutorService scheduler;
  private final Consumer<String> out;
  private final Clock clock;
  private final HelloRequest request;

  private GreeterClient(ManagedChannel channel, Consumer<String> out, Clock clock, String caller) {
    this.channel = channel;
    this.capturing = ClientInterceptors.intercept(channel,
        MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()));
    this.out = out;
    this.clock = clock;
    this.request = HelloRequest.newBuilder().setName(caller).build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "demo-client");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Points grpc-java at {@code bootstrap}, opens a channel to {@code target} and starts calling.
   * The bootstrap is read when the first xDS channel of the JVM is created, so the property is set
   * before that.
   *
   * @param caller the name sent in each request
   * @param out receives one line per call
   */
  public static GreeterClient start(String target, Path bootstrap, String caller, Consumer<String> out, Clock clock) {
    System.setProperty(BOOTSTRAP_PROPERTY, bootstrap.toAbsolutePath().toString());
    ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    GreeterClient client = new GreeterClient(channel, out, clock, caller);
    client.scheduler.scheduleAtFixedRate(client::callOnce, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return client;
  }

  private void callOnce() {
    headers.set(null);
    try {
      HelloReply reply = ClientCalls.blockingUnaryCall(capturing, GreeterProtocol.SAY_HELLO,
          CallOptions.DEFAULT.withDeadlineAfter(PERIOD.toMillis(), TimeUnit.MILLISECONDS), request);
      Metadata h = headers.get();
      String backend = h == null || h.get(GreeterProtocol.BACKEND) == null ? "(unknown backend)"
          : h.get(GreeterProtocol.BACKEND);
      out.accept(prefix() + backend + " answered: " + reply.getMessage());
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      out.accept(prefix() + "RPC failed: " + s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()));
    } catch (RuntimeException e) {
      // Reported, not thrown: an exception would cancel every later call of the schedule.
      out.accept(prefix() + "RPC failed: " + e);
    }
  }

  private String prefix() {
    return "[client " + LocalTime.now(clock).format(TIME) + "] ";
  }

  /** Stops calling and closes the channel. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    channel.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
