package io.meshplane.loadtest.baseline;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The baseline's small admin HTTP server on loopback: {@code /healthz}, {@code /readyz} (200 once
 * the xDS server serves the first snapshot, else 503) and {@code /metrics} (Prometheus text).
 * One daemon thread serves it.
 */
final class AdminServer implements AutoCloseable {

  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  static AdminServer start(int port, BooleanSupplier ready, Supplier<String> metrics) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
      server.setExecutor(Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "baseline-admin");
        t.setDaemon(true);
        return t;
      }));
      server.createContext("/healthz", ex -> reply(ex, 200, "ok\n"));
      server.createContext("/readyz", ex -> {
        boolean ok = ready.getAsBoolean();
        reply(ex, ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
      });
      server.createContext("/metrics", ex -> reply(ex, 200, metrics.get()));
      server.start();
      return new AdminServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve the admin API on 127.0.0.1:" + port, e);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
