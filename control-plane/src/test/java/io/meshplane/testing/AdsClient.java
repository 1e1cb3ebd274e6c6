package io.meshplane.testing;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One raw ADS stream (SotW or delta) on the grpc-java stubs of Envoy's api jar, for protocol
 * tests: requests are sent as built, responses are queued, the end of the stream is recorded.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public final class AdsClient<Q, R> implements AutoCloseable {

  private final BlockingQueue<R> responses = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final StreamObserver<Q> requests;

  private AdsClient(Function<StreamObserver<R>, StreamObserver<Q>> open) {
    this.requests = open.apply(new StreamObserver<>() {
      @Override
      public void onNext(R value) {
        responses.add(value);
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    });
  }

  public static AdsClient<io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest,
      io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse> sotw(ManagedChannel channel) {
    return new AdsClient<>(AggregatedDiscoveryServiceGrpc.newStub(channel)::streamAggregatedResources);
  }

  public static AdsClient<io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest,
      io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse> delta(ManagedChannel channel) {
    return new AdsClient<>(AggregatedDiscoveryServiceGrpc.newStub(channel)::deltaAggregatedResources);
  }

  public AdsClient<Q, R> send(Q request) {
    requests.onNext(request);
    return this;
  }

  /** The next response, failing the test if none arrives within 20 s. */
  public R next() {
    try {
      R r = responses.poll(20, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("no response within 20 s" + (ended.isDone() ? "; stream ended: " + ended.join() : ""));
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Whether the stream is still open: the server has not ended it. */
  public boolean isOpen() {
    return !ended.isDone();
  }

  /** The status the server ended the stream with, failing the test if it does not end within 20 s. */
  public Status awaitEnd() {
    try {
      return ended.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("stream did not end within 20 s", e);
    }
  }

  @Override
  public void close() {
    if (!ended.isDone()) {
      requests.onCompleted();
    }
  }
}
