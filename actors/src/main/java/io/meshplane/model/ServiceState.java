package io.meshplane.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One service of the mesh, merged across member clusters by namespace sameness: every cluster's
 * share, keyed by cluster id, and a version that grows with every change. {@code fences} holds,
 * per cluster id, the {@link WriteFence} of the latest write of that cluster's share the Service
 * entity accepted (kept when the share is removed: a late write must not bring it back); it is
 * bookkeeping of the entity, not part of what the service is, and does not change the version.
 * Immutable; the Service entity owns the authoritative copy and publishes copies to the push hubs.
 */
public record ServiceState(String hostname, long version, Map<String, ClusterShare> clusters,
    Map<String, WriteFence> fences) {

  public ServiceState {
    requireNonNull(hostname, "hostname");
    if (version < 0) {
      throw new IllegalArgumentException("version must be >= 0, was " + version);
    }
    clusters = Collections.unmodifiableMap(new TreeMap<>(clusters));
    fences = Collections.unmodifiableMap(new TreeMap<>(fences));
  }

  /** A state no fenced write has reached yet. */
  public ServiceState(String hostname, long version, Map<String, ClusterShare> clusters) {
    this(hostname, version, clusters, Map.of());
  }

  public static ServiceState empty(String hostname) {
    return new ServiceState(hostname, 0, Map.of());
  }

  /** Whether any member cluster declares the service (endpoints alone do not make a service). */
  public boolean exists() {
    return clusters.values().stream().anyMatch(c -> c.spec().isPresent());
  }

  /** The first declared spec, by cluster id order; the name and namespace are the same in all. */
  public Optional<ServiceSpec> spec() {
    return clusters.values().stream().flatMap(c -> c.spec().stream()).findFirst();
  }

  /** Ports of every cluster's spec, by port number; the first cluster to declare a port wins. */
  public List<ServicePort> ports() {
    Map<Integer, ServicePort> byPort = new TreeMap<>();
    for (ClusterShare share : clusters.values()) {
      share.spec().ifPresent(s -> s.ports().forEach(p -> byPort.putIfAbsent(p.port(), p)));
    }
    return List.copyOf(byPort.values());
  }

  /** exportTo of every cluster's spec, merged; empty means the mesh default. */
  public Set<String> exportTo() {
    Set<String> out = new LinkedHashSet<>();
    clusters.values().forEach(c -> c.spec().ifPresent(s -> out.addAll(s.exportTo())));
    return Collections.unmodifiableSet(out);
  }

  /** Every cluster's endpoints. */
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    clusters.values().forEach(c -> out.addAll(c.endpoints()));
    return out;
  }

  public ClusterShare share(String clusterId) {
    return clusters.getOrDefault(clusterId, new ClusterShare(clusterId, Optional.empty(), List.of()));
  }

  /** A copy with one cluster's share replaced (removed when empty) and the version bumped. */
  public ServiceState withShare(ClusterShare share) {
    Map<String, ClusterShare> next = new TreeMap<>(clusters);
    if (share.isEmpty()) {
      next.remove(share.clusterId());
    } else {
      next.put(share.clusterId(), share);
    }
    return new ServiceState(hostname, version + 1, next, fences);
  }

  /** The fence of the latest accepted write of {@code clusterId}'s share; NONE if none was fenced. */
  public WriteFence fence(String clusterId) {
    return fences.getOrDefault(clusterId, WriteFence.NONE);
  }

  /** A copy whose fence for {@code clusterId} is {@code fence}; the version stays. */
  public ServiceState withFence(String clusterId, WriteFence fence) {
    Map<String, WriteFence> next = new TreeMap<>(fences);
    next.put(clusterId, fence);
    return new ServiceState(hostname, version, clusters, next);
  }
}
