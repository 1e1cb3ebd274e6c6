package io.meshplane.cli;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The CLI's way to a node's admin API: the address from {@code --admin} (a URL, or host:port),
 * else {@code $MESHPLANE_ADMIN}, else {@code http://127.0.0.1:15014}, and one GET. Stateless.
 */
final class AdminClient {

  static final String DEFAULT = "http://127.0.0.1:15014";

  /** The answer of the admin API. */
  record Answer(int status, String body) {}

  private AdminClient() {}

  /**
   * The URI of {@code path} on the node given by {@code admin} (null: the environment or the
   * default); throws IllegalArgumentException naming the expected form when it is not an address.
   */
  static URI uri(String admin, String path) {
    String base = admin != null ? admin : System.getenv().getOrDefault("MESHPLANE_ADMIN", DEFAULT);
    String url = base.contains("://") ? base : "http://" + base;
    try {
      URI uri = URI.create(url.replaceAll("/+$", "") + path);
      if (uri.getHost() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new IllegalArgumentException("no host");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--admin " + base + " is not an admin address; expected host:port or a URL "
          + "such as http://10.0.0.5:15014", e);
    }
  }

  /** One path segment, percent-encoded (a proxy id may hold '/', '?', '#' or '%'). */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static Answer get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
        .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }
}
