package io.meshplane.registry.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the API server of one member cluster can be used, from two signals: a periodic probe
 * (any HTTP answer to {@code GET /version} means reachable; fabric8 watches reconnect silently,
 * so a lost server shows only here) and the informers' list/watch failures (an informer that
 * failed counts as broken until it is watching again). Reports transitions only.
 *
 * <p>{@link #tick()} and the reports run on the registry's executor, which confines the state;
 * the exception handlers run on fabric8 threads and only record the failure and hand over.
 */
final class Connectivity {

  private static final Logger log = LoggerFactory.getLogger(Connectivity.class);

  private final String clusterId;
  private final KubernetesClient client;
  private final Executor executor;
  private final Duration probeTimeout;
  private final BiConsumer<Boolean, String> report;
  private final Map<String, SharedIndexInformer<?>> informers = new ConcurrentHashMap<>();
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private volatile boolean closed;

  // Confined to the executor.
  private Boolean connected;
  private boolean probed;
  private boolean probing;
  private String probeFailure;

  Connectivity(String clusterId, KubernetesClient client, Executor executor, Duration probeTimeout,
      BiConsumer<Boolean, String> report) {
    this.clusterId = clusterId;
    this.client = client;
    this.executor = executor;
    this.probeTimeout = probeTimeout;
    this.report = report;
  }

  /** Registers an informer and returns the exception handler to install on it: retry forever. */
  ExceptionHandler watch(String resource, SharedIndexInformer<?> informer) {
    informers.put(resource, informer);
    return (started, failure) -> {
      if (closed) {
        return false;
      }
      failures.put(resource, describe(failure));
      log.debug("cluster {}: list/watch of {} failed, fabric8 retries with backoff", clusterId, resource, failure);
      run(this::evaluate);
      return true;
    };
  }

  /** Clears the failures of informers that watch again, starts a probe, re-evaluates. */
  void tick() {
    failures.keySet().removeIf(resource -> informers.get(resource).isWatching());
    if (!probing) {
      probing = true;
      probe();
    }
    evaluate();
  }

  void close() {
    closed = true;
  }

  private void probe() {
    try {
      HttpClient http = client.getHttpClient();
      String base = client.getMasterUrl().toString();
      String url = (base.endsWith("/") ? base : base + "/") + "version";
      http.sendAsync(http.newHttpRequestBuilder().uri(url)
              .timeout(probeTimeout.toMillis(), TimeUnit.MILLISECONDS).build(), String.class)
          .whenComplete((response, failure) -> run(() -> probed(failure == null ? null
              : "API server " + base + " unreachable: " + describe(failure))));
    } catch (RuntimeException e) {
      probed("API server probe failed: " + describe(e));
    }
  }

  private void probed(String failure) {
    probing = false;
    probed = true;
    probeFailure = failure;
    evaluate();
  }

  private void evaluate() {
    if (!probed || closed) {
      return;
    }
    String detail = probeFailure;
    if (detail == null && !failures.isEmpty()) {
      detail = "list/watch failing: " + new TreeMap<>(failures);
    }
    boolean now = detail == null;
    if (Objects.equals(connected, now)) {
      return;
    }
    connected = now;
    if (now) {
      log.info("cluster {}: API server {} reachable", clusterId, client.getMasterUrl());
      report.accept(true, "API server " + client.getMasterUrl() + " reachable");
    } else {
      log.warn("cluster {}: {}; retrying", clusterId, detail);
      report.accept(false, detail);
    }
  }

  private void run(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("cluster {}: registry closed, dropping connectivity update", clusterId);
    }
  }

  private static String describe(Throwable failure) {
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    StringBuilder b = new StringBuilder(t.getClass().getSimpleName());
    if (t.getMessage() != null) {
      b.append(": ").append(t.getMessage());
    }
    if (t.getCause() != null && t.getCause() != t) {
      b.append(" (").append(t.getCause().getClass().getSimpleName());
      if (t.getCause().getMessage() != null) {
        b.append(": ").append(t.getCause().getMessage());
      }
      b.append(')');
    }
    return b.toString();
  }
}
