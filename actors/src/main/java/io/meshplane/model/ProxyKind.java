package io.meshplane.model;

import java.util.Locale;
import java.util.Optional;

/** What kind of xDS client a proxy is. */
public enum ProxyKind {
  SIDECAR,
  PROXYLESS,
  GATEWAY;

  public static Optional<ProxyKind> parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    switch (t) {
      case "sidecar":
        return Optional.of(SIDECAR);
      case "proxyless":
      case "grpc":
        return Optional.of(PROXYLESS);
      case "gateway":
      case "router":
        return Optional.of(GATEWAY);
      default:
        return Optional.empty();
    }
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
