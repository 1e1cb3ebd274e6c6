package io.meshplane.demo;

import io.grpc.MethodDescriptor;
import io.grpc.Metadata;
import io.grpc.examples.helloworld.HelloReply;
import io.grpc.examples.helloworld.HelloRequest;
import io.grpc.protobuf.ProtoUtils;

/**
 * gRPC's {@code helloworld.Greeter} service as the demo speaks it, built by hand because the proto
 * module generates messages only. Every answer carries the name of the backend that gave it in the
 * {@value #BACKEND_HEADER} response header, so the client can say who answered. Stateless.
 */
public final class GreeterProtocol {

  public static final String SERVICE = "helloworld.Greeter";
  public static final String BACKEND_HEADER = "x-meshplane-demo-backend";
  public static final Metadata.Key<String> BACKEND =
      Metadata.Key.of(BACKEND_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  public static final MethodDescriptor<HelloRequest, HelloReply> SAY_HELLO =
      MethodDescriptor.<HelloRequest, HelloReply>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "SayHello"))
          .setRequestMarshaller(ProtoUtils.marshaller(HelloRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(HelloReply.getDefaultInstance()))
          .build();

  private GreeterProtocol() {}
}
