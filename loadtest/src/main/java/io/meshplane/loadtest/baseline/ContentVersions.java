package io.meshplane.loadtest.baseline;

import io.envoyproxy.controlplane.cache.ResourceVersionResolver;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The versions of one resource type in one snapshot, derived from content: each resource has the
 * 64-bit content digest Meshplane's generators give it, and a set of resources has a version that
 * mixes the digests of its members. A state-of-the-world watch asking for some names is answered
 * again only when one of THOSE resources changed (java-control-plane#89: without it, one
 * endpoint change resends EDS to every proxy). An empty name list means the whole type (wildcard
 * subscriptions, and the type version delta watches compare). Immutable.
 */
final class ContentVersions implements ResourceVersionResolver {

  /** Stands for a name the snapshot does not hold, so that its later arrival changes the version. */
  private static final long ABSENT = 0x9E3779B97F4A7C15L;

  private final Map<String, Long> digests;
  private final String typeVersion;

  /** @param digests each resource's digest by name, in a deterministic (sorted) order */
  ContentVersions(Map<String, Long> digests) {
    this.digests = digests;
    long h = 17;
    for (Map.Entry<String, Long> e : digests.entrySet()) {
      h = mix(h, e.getKey().hashCode());
      h = mix(h, e.getValue());
    }
    this.typeVersion = hex(mix(h, digests.size()));
  }

  /** A resource's digest as a long: Meshplane's versions are the first 16 hex digits of a SHA-256. */
  static long digest(String hexVersion) {
    return Long.parseUnsignedLong(hexVersion, 16);
  }

  @Override
  public String version(List<String> resourceNames) {
    if (resourceNames.isEmpty()) {
      return typeVersion;
    }
    long h = 31;
    for (String name : resourceNames) {
      Long d = digests.get(name);
      h = mix(h, d == null ? ABSENT : d);
    }
    return hex(h);
  }

  @Override
  public String version() {
    return typeVersion;
  }

  /** Order-dependent 64-bit mixing (a SplitMix64 finalizer round per value). */
  private static long mix(long h, long v) {
    long z = h * 0x100000001B3L ^ v;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static String hex(long v) {
    return HexFormat.of().toHexDigits(v);
  }
}
