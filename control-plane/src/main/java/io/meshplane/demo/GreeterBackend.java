package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One sample workload of the demo: a real grpc-java server on one loopback address that answers
 * {@code SayHello} with {@code Hello <name> from <backend>}. gRPC's own threads serve it; the
 * object is immutable apart from the server's lifecycle.
 */
public final class GreeterBackend implements AutoCloseable {

  private final String name;
  private final String address;
  private final Server server;

  private GreeterBackend(String name, String address, Server server) {
    this.name = name;
    this.address = address;
    this.server = server;
  }

  /**
   * Starts backend {@code name} on {@code address:port}.
   *
   * @throws IOException when the address and port cannot be bound
   */
  public static GreeterBackend start(String name, String address, int port) throws IOException {
    requireNonNull(name, "name");
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getByName(address), port);
    Server server = NettyServerBuilder.forAddress(bind, InsecureServerCredentials.create())
        .addService(ServerInterceptors.intercept(service(name), signedBy(name)))
        .build()
        .start();
    return new GreeterBackend(name, address, server);
  }

  private static ServerServiceDefinition service(String name) {
    return ServerServiceDefinition.builder(GreeterProtocol.SERVICE)
        .addMethod(GreeterProtocol.SAY_HELLO, ServerCalls.asyncUnaryCall(
            (HelloRequest request, StreamObserver<HelloReply> reply) -> {
              reply.onNext(HelloReply.newBuilder()
                  .setMessage("Hello " + request.getName() + " from " + name).build());
              reply.onCompleted();
            }))
        .build();
  }

  /** Adds the backend's name to the response headers of every call. */
  private static ServerInterceptor signedBy(String name) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        return next.startCall(new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(GreeterProtocol.BACKEND, name);
            super.sendHeaders(responseHeaders);
          }
        }, headers);
      }
    };
  }

  public String name() {
    return name;
  }

  public String address() {
    return address;
  }

  public int port() {
    return server.getPort();
  }

  /** Stops accepting calls and waits up to 5 s for running ones. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }
}
