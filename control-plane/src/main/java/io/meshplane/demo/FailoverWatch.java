package io.meshplane.demo;

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
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo's user watches during a failover, and how the demo hears {@code start-node}: every
 * {@link #INTERVAL} it asks a live node which node serves the demo client's xDS stream (the
 * sharded Proxy entity knows, whichever node holds it) and prints each change ("moved node-2 ->
 * node-1, seen 1.9 s after node-2 died"); and it takes the {@link NodeRequests} dropped in the demo
 * directory, handing each to the restarter.
 *
 * <p>Confined to its own scheduler thread; the restarter must not block it for long.
 */
public final class FailoverWatch implements AutoCloseable {

  static final Duration INTERVAL = Duration.ofMillis(500);
  private static final Duration ASK_TIMEOUT = Duration.ofMillis(1500);
  private static final Logger log = LoggerFactory.getLogger(FailoverWatch.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DemoNodes nodes;
  private final Path dir;
  private final String proxyPath;
  private final PrintStream out;
  private final IntConsumer restarter;
  private final IntFunction<String> killCommand;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "demo-failover-watch");
    t.setDaemon(true);
    return t;
  });
  private String serving = "";

  private FailoverWatch(DemoNodes nodes, Path dir, String proxyId, PrintStream out, IntConsumer restarter,
      IntFunction<String> killCommand, Clock clock) {
    this.nodes = nodes;
    this.dir = dir;
    this.proxyPath = "/debug/proxies/" + URLEncoder.encode(proxyId, StandardCharsets.UTF_8);
    this.out = out;
    this.restarter = restarter;
    this.killCommand = killCommand;
    this.clock = clock;
  }

  /**
   * Starts watching the stream of proxy {@code proxyId} and the requests in {@code dir}.
   *
   * @param restarter called with a node's index when {@code start-node} asks for it
   * @param killCommand the command line that kills node N, suggested when the stream lands on it
   */
  public static FailoverWatch start(DemoNodes nodes, Path dir, String proxyId, PrintStream out,
      IntConsumer restarter, IntFunction<String> killCommand, Clock clock) {
    FailoverWatch watch = new FailoverWatch(nodes, dir, proxyId, out, restarter, killCommand, clock);
    watch.scheduler.scheduleWithFixedDelay(watch::poll, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    return watch;
  }

  private void poll() {
    try {
      NodeRequests.takeStartRequests(dir).forEach(restarter::accept);
      servingNode().ifPresent(this::report);
    } catch (RuntimeException e) {
      // Logged, not thrown: an exception would cancel every later poll.
      log.warn("demo: watching the failover failed: {}", e.toString());
    }
  }

  private void report(String now) {
    if (now.equals(serving)) {
      return;
    }
    if (serving.isEmpty()) {
      out.println("[demo] the client's xDS stream is served by " + now + hint(now));
    } else {
      String when = nodes.diedAt(serving)
          .map(died -> String.format(", seen %.1f s after %s died",
              Duration.between(died, Instant.now(clock)).toMillis() / 1000.0, serving))
          .orElse("");
      out.println("[demo] the client's xDS stream moved " + serving + " -> " + now + when + hint(now));
    }
    serving = now;
  }

  /** How to watch the next failover, when more than one node runs. */
  private String hint(String node) {
    if (nodes.size() < 2 || !node.startsWith("node-")) {
      return "";
    }
    try {
      return " (to watch it fail over: " + killCommand.apply(Integer.parseInt(node.substring(5))) + ")";
    } catch (NumberFormatException e) {
      return "";
    }
  }

  /** The node serving the client's stream, as the first live node that answers says. */
  private Optional<String> servingNode() {
    for (int i = 1; i <= nodes.size(); i++) {
      if (nodes.live(i).isEmpty()) {
        continue;
      }
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + nodes.adminPort(i) + proxyPath)).timeout(ASK_TIMEOUT).build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          continue;
        }
        JsonNode status = JSON.readTree(response.body());
        String node = status.path("servingNode").asText("");
        if (status.path("connected").asBoolean(false) && !node.isEmpty()) {
          return Optional.of(node);
        }
        return Optional.empty();
      } catch (IOException e) {
        log.debug("demo: {} did not say who serves the client: {}", DemoNodes.name(i), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }
    return Optional.empty();
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
