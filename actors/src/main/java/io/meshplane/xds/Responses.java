package io.meshplane.xds;

import io.envoyproxy.envoy.config.core.v3.ControlPlane;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.meshplane.xds.generator.Resource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Builds the next response of one type from what the proxy may have now, and records what was
 * sent in the type's {@link TypeState}. Returns {@code null} when there is nothing to send.
 * {@code desired} is handed over: a fresh map the caller no longer changes, kept as what was sent.
 */
final class Responses {

  private Responses() {}

  static DiscoveryResponse sotw(TypeState t, Map<String, Resource> desired, String nonce, String servingNode) {
    Map<String, String> versions = new HashMap<>();
    desired.forEach((name, r) -> versions.put(name, r.version()));
    String version = Digests.of(versions);
    if (!t.mustRespond && version.equals(t.lastVersion)) {
      return null;
    }
    DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder()
        .setTypeUrl(t.typeUrl)
        .setVersionInfo(version)
        .setNonce(nonce)
        .setControlPlane(ControlPlane.newBuilder().setIdentifier(servingNode));
    desired.forEach((name, r) -> b.addResources(r.body()));
    t.lastVersion = version;
    t.lastNonce = nonce;
    t.sentVersions.clear();
    t.sentVersions.putAll(versions);
    t.sent = Collections.unmodifiableMap(desired);
    return b.build();
  }

  static DeltaDiscoveryResponse delta(TypeState t, Map<String, Resource> desired, String nonce,
      String servingNode) {
    List<io.envoyproxy.envoy.service.discovery.v3.Resource> changed = new ArrayList<>();
    desired.forEach((name, r) -> {
      if (!r.version().equals(t.clientVersions.get(name))) {
        changed.add(io.envoyproxy.envoy.service.discovery.v3.Resource.newBuilder()
            .setName(name).setVersion(r.version()).setResource(r.body()).build());
      }
    });
    TreeSet<String> removed = new TreeSet<>();
    for (String held : t.clientVersions.keySet()) {
      if (!desired.containsKey(held)) {
        removed.add(held);
      }
    }
    for (String asked : t.names) {
      if (!desired.containsKey(asked) && !t.clientVersions.containsKey(asked) && !t.reportedAbsent.contains(asked)) {
        removed.add(asked);
      }
    }
    if (changed.isEmpty() && removed.isEmpty()) {
      return null;
    }
    changed.forEach(r -> {
      t.clientVersions.put(r.getName(), r.getVersion());
      t.reportedAbsent.remove(r.getName());
    });
    removed.forEach(n -> {
      t.clientVersions.remove(n);
      if (t.names.contains(n)) {
        t.reportedAbsent.add(n);
      }
    });
    Map<String, String> versions = new HashMap<>(t.clientVersions);
    String version = Digests.of(versions);
    t.lastVersion = version;
    t.lastNonce = nonce;
    t.sentVersions.clear();
    t.sentVersions.putAll(versions);
    // After this response the client holds exactly the desired resources: every other one was removed.
    t.sent = Collections.unmodifiableMap(desired);
    return DeltaDiscoveryResponse.newBuilder()
        .setTypeUrl(t.typeUrl)
        .setSystemVersionInfo(version)
        .setNonce(nonce)
        .setControlPlane(ControlPlane.newBuilder().setIdentifier(servingNode))
        .addAllResources(changed)
        .addAllRemovedResources(removed)
        .build();
  }
}
