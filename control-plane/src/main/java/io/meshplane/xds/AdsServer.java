package io.meshplane.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryService;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.meshplane.push.PushHub;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * Envoy's Aggregated Discovery Service on Pekko gRPC: each stream, state-of-the-world or delta,
 * becomes one {@link XdsConnection} actor fed with backpressure (its first request read once the
 * node's {@link AdmissionGate} admits it), answering through a one-slot
 * queue so that a slow proxy holds at most one response in flight.
 *
 * <p>Stateless itself; called by Pekko gRPC on its own threads.
 */
public final class AdsServer implements AggregatedDiscoveryService {

  private final ActorSystem<?> system;
  private final ActorRef<PushHub.Command> hub;
  private final ActorRef<AdmissionGate.Command> admission;
  private final ActorRef<ProxyStreams.Command> proxyStreams;
  private final XdsConnection.StatusReporter status;
  private final XdsMetrics metrics;
  private final Clock clock;
  private final String nodeName;
  private final AtomicLong streams = new AtomicLong();

  public AdsServer(ActorSystem<?> system, ActorRef<PushHub.Command> hub, ActorRef<ProxyStreams.Command> proxyStreams,
      ActorRef<AdmissionGate.Command> admission, XdsConnection.StatusReporter status, XdsMetrics metrics,
      Clock clock, String nodeName) {
    this.system = system;
    this.hub = hub;
    this.proxyStreams = proxyStreams;
    this.admission = admission;
    this.status = status;
    this.metrics = metrics;
    this.clock = clock;
    this.nodeName = nodeName;
  }

  @Override
  public Source<DiscoveryResponse, NotUsed> streamAggregatedResources(Source<DiscoveryRequest, NotUsed> in) {
    Pair<SourceQueueWithComplete<Object>, Source<Object, NotUsed>> out = outputQueue();
    ActorRef<XdsConnection.Command> conn = spawn(XdsConnection.Mode.SOTW, out.first(), "sotw");
    in.runWith(ActorSink.actorRefWithBackpressure(conn,
        (ackTo, request) -> new XdsConnection.SotwRequest(request, ackTo),
        XdsConnection.StreamStarted::new, XdsConnection.Ack.INSTANCE,
        XdsConnection.StreamCompleted.INSTANCE, XdsConnection.StreamFailed::new), system);
    return out.second().map(DiscoveryResponse.class::cast);
  }

  @Override
  public Source<DeltaDiscoveryResponse, NotUsed> deltaAggregatedResources(
      Source<DeltaDiscoveryRequest, NotUsed> in) {
    Pair<SourceQueueWithComplete<Object>, Source<Object, NotUsed>> out = outputQueue();
    ActorRef<XdsConnection.Command> conn = spawn(XdsConnection.Mode.DELTA, out.first(), "delta");
    in.runWith(ActorSink.actorRefWithBackpressure(conn,
        (ackTo, request) -> new XdsConnection.DeltaRequest(request, ackTo),
        XdsConnection.StreamStarted::new, XdsConnection.Ack.INSTANCE,
        XdsConnection.StreamCompleted.INSTANCE, XdsConnection.StreamFailed::new), system);
    return out.second().map(DeltaDiscoveryResponse.class::cast);
  }

  private Pair<SourceQueueWithComplete<Object>, Source<Object, NotUsed>> outputQueue() {
    return Source.<Object>queue(1, OverflowStrategy.backpressure()).preMaterialize(system);
  }

  private ActorRef<XdsConnection.Command> spawn(XdsConnection.Mode mode, SourceQueueWithComplete<Object> queue,
      String prefix) {
    XdsOutput output = new QueueOutput(queue);
    return system.systemActorOf(
        XdsConnection.create(mode, output, hub, proxyStreams, admission, status, metrics, clock, nodeName),
        "xds-" + prefix + "-" + streams.incrementAndGet(), Props.empty());
  }

  /** An {@link XdsOutput} over a Pekko Streams queue whose source is the gRPC response stream. */
  private record QueueOutput(SourceQueueWithComplete<Object> queue) implements XdsOutput {

    @Override
    public CompletionStage<Done> offer(Object response) {
      // Runnable::run: the check runs where the offer completes (the queue's stream), not as a task of
      // its own; the plain thenApply of a Pekko CompletionStage would be asynchronous.
      return queue.offer(response).thenApplyAsync(result -> {
        if (result instanceof QueueOfferResult.Failure failure) {
          throw new IllegalStateException("stream failed", failure.cause());
        }
        if (!QueueOfferResult.enqueued().equals(result)) {
          throw new IllegalStateException("stream closed: " + result);
        }
        return Done.getInstance();
      }, Runnable::run);
    }

    @Override
    public void fail(StreamError error) {
      Status.Code code = switch (error.code()) {
        case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
        case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
        case UNAVAILABLE -> Status.Code.UNAVAILABLE;
        case INTERNAL -> Status.Code.INTERNAL;
      };
      queue.fail(new GrpcServiceException(Status.fromCode(code).withDescription(error.message())));
    }

    @Override
    public void complete() {
      queue.complete();
    }
  }
}
