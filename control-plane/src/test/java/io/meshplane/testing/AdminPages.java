package io.meshplane.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a node's admin pages as tests need them: who watches a member cluster
 * ({@code /debug/clusters}) and which endpoints each service has ({@code /debug/services}).
 * Stateless apart from a shared HTTP client; thread-safe.
 */
public final class AdminPages {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private AdminPages() {}

  /** GETs {@code path} of the admin server on {@code adminPort} (loopback). */
  public static String get(int adminPort, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path + " on admin port " + adminPort, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The region that watches {@code clusterId} according to a {@code /debug/clusters} page, if listed. */
  public static Optional<String> watcher(String clustersPage, String clusterId) {
    for (JsonNode c : read(clustersPage).path("clusters")) {
      if (c.path("clusterId").asText().equals(clusterId)) {
        return Optional.of(c.path("watcher").asText());
      }
    }
    return Optional.empty();
  }

  /**
   * The services of a {@code /debug/services} page that exist, each with its endpoints as
   * {@code "<address> <cluster id>"} (a not-ready one with its suffix).
   */
  public static Map<String, Set<String>> endpoints(String servicesPage) {
    Map<String, Set<String>> out = new TreeMap<>();
    read(servicesPage).fields().forEachRemaining(e -> {
      if (e.getValue().path("exists").asBoolean()) {
        Set<String> endpoints = new TreeSet<>();
        e.getValue().path("endpoints").forEach(ep -> endpoints.add(ep.asText()));
        out.put(e.getKey(), endpoints);
      }
    });
    return out;
  }

  private static JsonNode read(String page) {
    try {
      return JSON.readTree(page);
    } catch (IOException e) {
      throw new IllegalArgumentException("expected a JSON admin page, got: " + page, e);
    }
  }
}
