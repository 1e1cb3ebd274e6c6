package io.meshplane.testing;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.meshplane.demo.GreeterProtocol;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Real gRPC helloworld.Greeter backends for tests, each on its own loopback address
 * (127.0.0.x) and one common port, answering with its name.
 */
public final class Greeters implements AutoCloseable {


  private final List<Server> servers = new ArrayList<>();
  private final int port;

  private Greeters(int port) {
    this.port = port;
  }

  /** Starts one backend per address, all on {@code port}. Each replies with its address. */
  public static Greeters start(int port, List<String> addresses) {
    Greeters g = new Greeters(port);
    try {
      for (String address : addresses) {
        ServerServiceDefinition def = ServerServiceDefinition.builder(GreeterProtocol.SERVICE)
            .addMethod(GreeterProtocol.SAY_HELLO, ServerCalls.asyncUnaryCall((req, observer) -> {
              observer.onNext(HelloReply.newBuilder().setMessage(address).build());
              observer.onCompleted();
            })).build();
        g.servers.add(NettyServerBuilder.forAddress(new InetSocketAddress(address, port)).addService(def)
            .build().start());
      }
    } catch (IOException e) {
      g.close();
      throw new UncheckedIOException(e);
    }
    return g;
  }

  public int port() {
    return port;
  }

  /** {@code addresses} of these backends as {@code ip:port}, as an EDS view lists them. */
  public Set<String> socketAddresses(Set<String> addresses) {
    Set<String> out = new TreeSet<>();
    addresses.forEach(a -> out.add(a + ":" + port));
    return out;
  }

  /** Calls SayHello and returns which backend answered (its address). */
  public static String call(ManagedChannel channel) {
    return call(channel, 5);
  }

  /** Calls SayHello with a deadline and returns which backend answered. */
  public static String call(ManagedChannel channel, int deadlineSeconds) {
    return ClientCalls.blockingUnaryCall(channel, GreeterProtocol.SAY_HELLO, CallOptions.DEFAULT.withDeadlineAfter(deadlineSeconds,
        TimeUnit.SECONDS), HelloRequest.newBuilder().setName("test").build()).getMessage();
  }

  /**
   * Calls the greeter through {@code channel} until every one of {@code truth} has answered and the
   * last 20 answers in a row all came from {@code truth}; returns how long that took in
   * milliseconds, fails after {@code timeout}.
   */
  public static long awaitOnly(ManagedChannel channel, Set<String> truth, Duration timeout) {
    long t0 = System.nanoTime();
    Set<String> seen = new HashSet<>();
    int[] streak = {0};
    Awaitility.await("answers from exactly " + truth).atMost(timeout)
        .pollInterval(Duration.ofMillis(5)).ignoreExceptions().until(() -> {
          String from = call(channel, 5);
          if (truth.contains(from)) {
            seen.add(from);
            streak[0]++;
          } else {
            seen.clear();
            streak[0] = 0;
          }
          return seen.equals(truth) && streak[0] >= 20;
        });
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Override
  public void close() {
    servers.forEach(Server::shutdownNow);
  }
}
