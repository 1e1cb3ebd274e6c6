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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

  /** Calls SayHello and returns which backend answered (its address). */
  public static String call(ManagedChannel channel) {
    return call(channel, 5);
  }

  /** Calls SayHello with a deadline and returns which backend answered. */
  public static String call(ManagedChannel channel, int deadlineSeconds) {
    return ClientCalls.blockingUnaryCall(channel, GreeterProtocol.SAY_HELLO, CallOptions.DEFAULT.withDeadlineAfter(deadlineSeconds,
        TimeUnit.SECONDS), HelloRequest.newBuilder().setName("test").build()).getMessage();
  }

  @Override
  public void close() {
    servers.forEach(Server::shutdownNow);
  }
}
