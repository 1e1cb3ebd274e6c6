package io.meshplane.demo;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo's user watches during a failover, and how the demo hears {@code start-node}: every
 * {@link #INTERVAL} it asks a live node which node serves each watched proxy's xDS stream (the
 * sharded Proxy entity knows, whichever node, or region, holds it) and prints each change ("moved
 * node-2 -> node-1, seen 1.9 s after node-2 died"); with regions it also asks a node of each region
 * which region watches each member cluster ({@code /debug/clusters}) and prints take-overs and
 * hand-backs; and it takes the {@link NodeRequests} dropped in the demo directory, handing each to
 * the restarter.
 *
 * <p>Confined to its own scheduler thread; the restarter must not block it for long.
 */
public final class FailoverWatch implements AutoCloseable {

  static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration ASK_TIMEOUT = Duration.ofMillis(1500);
  private static final Logger log = LoggerFactory.getLogger(FailoverWatch.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A proxy whose stream is reported.
   *
   * @param owner how the lines name whose stream it is: {@code the client's}
   * @param hint whether to suggest how to make this stream fail over
   */
  public record Watched(String owner, String proxyId, boolean hint) {

    public Watched {
      requireNonNull(owner, "owner");
      requireNonNull(proxyId, "proxyId");
    }
  }

  private final DemoNodes nodes;
  private final Path dir;
  private final List<Watched> watched;
  private final boolean regions;
  private final PrintStream out;
  private final IntConsumer restarter;
  private final Function<String, String> failoverCommand;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "demo-failover-watch");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, String> serving = new HashMap<>();
  private final Map<String, String> watchers = new HashMap<>();

  private FailoverWatch(DemoNodes nodes, Path dir, List<Watched> watched, boolean regions, PrintStream out,
      IntConsumer restarter, Function<String, String> failoverCommand, Clock clock) {
    this.nodes = nodes;
    this.dir = dir;
    this.watched = List.copyOf(watched);
    this.regions = regions;
    this.out = out;
    this.restarter = restarter;
    this.failoverCommand = failoverCommand;
    this.clock = clock;
  }

  /**
   * Starts watching the streams of {@code watched} (and with {@code regions}, who watches each
   * member cluster) and the requests in {@code dir}.
   *
   * @param restarter called with a node's index when {@code start-node} asks for it
   * @param failoverCommand the command line that makes a stream served by the given node fail over
   *     (kill that node, or its region), suggested when a stream lands on it; empty for none
   */
  public static FailoverWatch start(DemoNodes nodes, Path dir, List<Watched> watched, boolean regions,
      PrintStream out, IntConsumer restarter, Function<String, String> failoverCommand, Clock clock) {
    FailoverWatch watch = new FailoverWatch(nodes, dir, watched, regions, out, restarter, failoverCommand, clock);
    watch.scheduler.scheduleWithFixedDelay(watch::poll, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return watch;
  }

  private void poll() {
    try {
      NodeRequests.takeStartRequests(dir).forEach(restarter::accept);
      List<CompletableFuture<Optional<String>>> asks = new ArrayList<>();
      for (Watched w : watched) {
        asks.add(servingNode(w.proxyId(), liveNodes(), 0));
      }
      for (int i = 0; i < watched.size(); i++) {
        Optional<String> now = asks.get(i).join();
        if (now.isPresent()) {
          report(watched.get(i), now.get());
        }
      }
      if (regions) {
        pollWatchers();
      }
    } catch (RuntimeException e) {
      // Logged, not thrown: an exception would cancel every later poll.
      log.warn("demo: watching the failover failed: {}", e.toString());
    }
  }

  private void report(Watched w, String now) {
    String before = serving.getOrDefault(w.proxyId(), "");
    if (now.equals(before)) {
      return;
    }
    String hint = w.hint() ? hint(now) : "";
    if (before.isEmpty()) {
      out.println("[demo] " + w.owner() + " xDS stream is served by " + nodes.describe(now) + hint);
    } else {
      String when = nodes.diedAt(before)
          .map(died -> String.format(", seen %.1f s after %s died",
              Duration.between(died, Instant.now(clock)).toMillis() / 1000.0, before))
          .orElse("");
      String across = regions && !nodes.regionOf(before).equals(nodes.regionOf(now))
          ? " (from region " + nodes.regionOf(before) + " to region " + nodes.regionOf(now) + ")" : "";
      out.println("[demo] " + w.owner() + " xDS stream moved " + nodes.describe(before) + " -> " + nodes.describe(now)
          + across + when + hint);
    }
    serving.put(w.proxyId(), now);
  }

  /** How to watch the next failover, when there is something to fail over to. */
  private String hint(String node) {
    String command = failoverCommand.apply(node);
    return command.isEmpty() ? "" : " (to watch it fail over: " + command + ")";
  }

  private List<Integer> liveNodes() {
    List<Integer> live = new ArrayList<>();
    for (int i = 1; i <= nodes.size(); i++) {
      if (nodes.live(i).isPresent()) {
        live.add(i);
      }
    }
    return live;
  }

  /** The node serving proxy {@code proxyId}'s stream, as the first of {@code live} that answers says. */
  private CompletableFuture<Optional<String>> servingNode(String proxyId, List<Integer> live, int from) {
    if (from >= live.size()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    int node = live.get(from);
    String path = "/debug/proxies/" + URLEncoder.encode(proxyId, StandardCharsets.UTF_8);
    return ask(node, path).thenCompose(body -> {
      if (body.isEmpty()) {
        return servingNode(proxyId, live, from + 1);
      }
      try {
        JsonNode status = JSON.readTree(body.get());
        String serving = status.path("servingNode").asText("");
        return CompletableFuture.completedFuture(status.path("connected").asBoolean(false) && !serving.isEmpty()
            ? Optional.of(serving) : Optional.empty());
      } catch (IOException e) {
        return servingNode(proxyId, live, from + 1);
      }
    });
  }

  /** The body of a 200 answer to {@code GET path} from node {@code index}; empty on anything else. */
  private CompletableFuture<Optional<String>> ask(int index, String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.adminPort(index) + path))
        .timeout(ASK_TIMEOUT).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> r.statusCode() == 200 ? Optional.of(r.body()) : Optional.<String>empty())
        .exceptionally(e -> {
          log.debug("demo: {} did not answer {}: {}", DemoNodes.name(index), path, e.toString());
          return Optional.empty();
        });
  }

  /**
   * Who watches each member cluster, as the region that takes it over when its home region is gone
   * sees it (that region's watch is the one that takes over and hands back); as the home region
   * sees it while no node of the other region runs.
   */
  private void pollWatchers() {
    Map<String, Map<String, JsonNode>> byRegion = new LinkedHashMap<>();
    for (String region : DemoRegions.NAMES) {
      firstLive(region).flatMap(i -> ask(i, "/debug/clusters").join()).ifPresent(body -> {
        try {
          Map<String, JsonNode> clusters = new LinkedHashMap<>();
          for (JsonNode c : JSON.readTree(body).path("clusters")) {
            // Only member clusters with a home region; a watch that did not answer says nothing.
            if (!c.path("region").asText("").isEmpty() && !c.path("detail").asText("").startsWith("no answer")) {
              clusters.put(c.path("clusterId").asText(), c);
            }
          }
          byRegion.put(region, clusters);
        } catch (IOException e) {
          log.debug("demo: unreadable /debug/clusters from {}: {}", region, e.toString());
        }
      });
    }
    Map<String, JsonNode> all = new LinkedHashMap<>();
    byRegion.values().forEach(all::putAll);
    for (Map.Entry<String, JsonNode> e : all.entrySet()) {
      String home = e.getValue().path("region").asText();
      Map<String, JsonNode> view = byRegion.getOrDefault(DemoRegions.other(home), byRegion.get(home));
      JsonNode c = view == null ? null : view.get(e.getKey());
      if (c != null) {
        reportWatcher(e.getKey(), home, c.path("watcher").asText(""));
      }
    }
  }

  private Optional<Integer> firstLive(String region) {
    for (int i = 1; i <= nodes.size(); i++) {
      if (nodes.regionOf(DemoNodes.name(i)).equals(region) && nodes.live(i).isPresent()) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  private void reportWatcher(String cluster, String home, String watcher) {
    if (watcher.isEmpty()) {
      return;
    }
    String before = watchers.put(cluster, watcher);
    if (watcher.equals(before)) {
      return;
    }
    if (before == null) {
      out.println("[demo] cluster " + cluster + " (home region " + home + ") is watched by region " + watcher);
    } else if (!watcher.equals(home)) {
      String when = nodes.regionDiedAt(home)
          .map(died -> String.format(", %.1f s after region %s went down",
              Duration.between(died, Instant.now(clock)).toMillis() / 1000.0, home))
          .orElse("");
      out.println("[demo] region " + watcher + " took over the watch of cluster " + cluster + " (home region " + home
          + ")" + when + "; its endpoint changes keep flowing to every region");
    } else {
      out.println("[demo] the watch of cluster " + cluster + " went home to region " + home + " (" + before
          + " handed it back)");
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
