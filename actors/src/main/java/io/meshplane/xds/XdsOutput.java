package io.meshplane.xds;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * The sending side of one xDS stream, implemented by the gRPC server. An {@link XdsConnection}
 * offers one response at a time and waits for the returned stage before offering the next, so
 * that a slow proxy holds at most one response in flight (everything newer is conflated).
 */
public interface XdsOutput {

  /** Queues a DiscoveryResponse or DeltaDiscoveryResponse; completes when the transport took it. */
  CompletionStage<Done> offer(Object response);

  /** Ends the stream with an error status. */
  void fail(StreamError error);

  /** Ends the stream normally. */
  void complete();
}
