package io.meshplane.loadtest.baseline;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts open ADS streams and the responses sent on them, from java-control-plane's server
 * callbacks. Thread-safe (called on gRPC threads and on the threads that answer watches).
 */
final class StreamStats implements DiscoveryServerCallbacks {

  private final AtomicLong open = new AtomicLong();
  private final LongAdder opened = new LongAdder();
  private final LongAdder responses = new LongAdder();
  private final LongAdder responseBytes = new LongAdder();

  long openStreams() {
    return open.get();
  }

  long streamsOpened() {
    return opened.sum();
  }

  long responses() {
    return responses.sum();
  }

  long responseBytes() {
    return responseBytes.sum();
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    open.incrementAndGet();
    opened.increment();
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    open.decrementAndGet();
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    open.decrementAndGet();
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    // Requests need no bookkeeping here.
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    // Requests need no bookkeeping here.
  }

  @Override
  public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    responses.increment();
    responseBytes.add(response.getSerializedSize());
  }

  @Override
  public void onV3StreamDeltaResponse(long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    responses.increment();
    responseBytes.add(response.getSerializedSize());
  }
}
