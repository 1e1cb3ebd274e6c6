package io.meshplane.admin;

import io.meshplane.registry.kube.ResyncMetrics;
import io.meshplane.service.LateWrites;
import io.meshplane.xds.XdsMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The control plane's Prometheus metrics, one registry per node, written in the text format for
 * {@code /metrics}. Thread-safe (the Prometheus client's metrics are).
 */
public final class PrometheusMetrics implements XdsMetrics, ResyncMetrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Gauge connected = Gauge.builder().name("meshplane_xds_connected_proxies")
      .help("xDS streams open on this node, by proxy kind").labelNames("kind").register(registry);
  private final Counter pushes = Counter.builder().name("meshplane_xds_pushes")
      .help("xDS responses sent, by type and by what triggered them").labelNames("type", "trigger")
      .register(registry);
  private final Counter pushBytes = Counter.builder().name("meshplane_xds_push_bytes")
      .help("bytes of xDS responses sent, by type").labelNames("type").register(registry);
  private final Counter nacks = Counter.builder().name("meshplane_xds_nacks")
      .help("responses rejected by proxies, by type").labelNames("type").register(registry);
  private final Counter rejected = Counter.builder().name("meshplane_xds_rejected_streams")
      .help("streams ended because a request was malformed, by gRPC status").labelNames("code")
      .register(registry);
  private final Histogram convergence = Histogram.builder().name("meshplane_xds_convergence_seconds")
      .help("time from a service change being persisted to the response carrying it being sent")
      .classicUpperBounds(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
  private final Histogram debounce = Histogram.builder().name("meshplane_push_debounce_seconds")
      .help("time a batch of service changes waited in the debounce window")
      .classicUpperBounds(0.01, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2).register(registry);
  private final Counter resumed = Counter.builder().name("meshplane_xds_resumed_unchanged")
      .help("types a reconnecting proxy already held at the current version, so nothing was sent")
      .labelNames("type").register(registry);
  private final Histogram admissionWait = Histogram.builder().name("meshplane_xds_admission_wait_seconds")
      .help("time new xDS streams waited in the admission queue")
      .classicUpperBounds(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
  private final Gauge admissionQueue = Gauge.builder().name("meshplane_xds_admission_queue")
      .help("new xDS streams waiting to be admitted").register(registry);
  private final Histogram firstAnswer = Histogram.builder().name("meshplane_xds_first_answer_seconds")
      .help("time from a stream opening to each type's first answer (sent, or found unchanged on a resumed"
          + " stream), admission wait included")
      .labelNames("type", "answer")
      .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30).register(registry);
  private final Gauge lastFirstAnswer = Gauge.builder().name("meshplane_xds_first_answer_last_timestamp_seconds")
      .help("when this node last gave a stream a type's first answer (Unix time): after a failover, when the"
          + " last reconnected proxy was served").register(registry);
  private final AtomicLong lastFirstAnswerMillis = new AtomicLong();
  private final Counter resyncs = Counter.builder().name("meshplane_kube_resyncs")
      .help("comparisons of a member cluster's informer caches with a new listing from its API server, by cluster")
      .labelNames("cluster").register(registry);
  private final Counter resyncRepairs = Counter.builder().name("meshplane_kube_resync_repairs")
      .help("confirmed differences after which a member cluster's caches were rebuilt (lost watch events), by"
          + " cluster and resource").labelNames("cluster", "resource").register(registry);
  private final Counter resyncRepairedObjects = Counter.builder().name("meshplane_kube_resync_repaired_objects")
      .help("objects whose changes the caches had missed, by cluster and resource").labelNames("cluster", "resource")
      .register(registry);

  @Override
  public void compared(String clusterId) {
    resyncs.labelValues(clusterId).inc();
  }

  @Override
  public void repaired(String clusterId, String resource, int objects) {
    resyncRepairs.labelValues(clusterId, resource).inc();
    resyncRepairedObjects.labelValues(clusterId, resource).inc(objects);
  }

  @Override
  public void proxiesConnected(String kind, int delta) {
    connected.labelValues(kind).inc(delta);
  }

  @Override
  public void pushed(String type, String trigger, int bytes) {
    pushes.labelValues(type, trigger).inc();
    pushBytes.labelValues(type).inc(bytes);
  }

  @Override
  public void nacked(String type) {
    nacks.labelValues(type).inc();
  }

  @Override
  public void convergence(long millis) {
    convergence.observe(millis / 1000.0);
  }

  @Override
  public void debounced(long millis, int services) {
    debounce.observe(millis / 1000.0);
  }

  @Override
  public void rejected(String reason) {
    rejected.labelValues(reason).inc();
  }

  @Override
  public void resumedUnchanged(String type) {
    resumed.labelValues(type).inc();
  }

  @Override
  public void admitted(long waitedMillis, int queued) {
    admissionWait.observe(waitedMillis / 1000.0);
    admissionQueue.set(queued);
  }

  @Override
  public void firstAnswer(String type, long millisSinceStreamStart, boolean unchanged) {
    firstAnswer.labelValues(type, unchanged ? "unchanged" : "sent").observe(millisSinceStreamStart / 1000.0);
    long now = lastFirstAnswerMillis.accumulateAndGet(System.currentTimeMillis(), Math::max);
    lastFirstAnswer.set(now / 1000.0);
  }

  /**
   * Exposes the writes this node ignored as late (older than the write fence held), as
   * {@code meshplane_late_writes_ignored_total} by kind: {@code share} (a Service entity's) or
   * {@code replica} (a replica watch's). Call once, when the actor system exists.
   */
  public void countLateWrites(LateWrites late) {
    CounterWithCallback.builder().name("meshplane_late_writes_ignored")
        .help("writes ignored because an entity held a newer write fence of the same member cluster (late writes of"
            + " a moved watch, or repeats), by kind: share or replica").labelNames("kind")
        .callback(c -> {
          c.call(late.shares(), "share");
          c.call(late.replicas(), "replica");
        }).register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every metric. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
