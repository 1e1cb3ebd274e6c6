package io.meshplane.registry.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reports each problem of a malformed Kubernetes object once per object version: recomputing a
 * service from unchanged objects must not repeat the warning. Remembers a bounded number of
 * reports (the oldest are forgotten first). Thread-safe.
 */
final class BadInputLog {

  private static final int REMEMBERED = 4096;

  private final String clusterId;
  private final Consumer<String> sink;
  private final Map<String, Boolean> reported = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > REMEMBERED;
    }
  };

  BadInputLog(String clusterId, Consumer<String> sink) {
    this.clusterId = clusterId;
    this.sink = sink;
  }

  /** Reports that {@code object} was skipped (or partly skipped) because of {@code problem}. */
  void skipped(HasMetadata object, String kind, String problem) {
    ObjectMeta meta = object.getMetadata();
    String namespace = meta == null || meta.getNamespace() == null ? "" : meta.getNamespace();
    String name = meta == null || meta.getName() == null ? "<no name>" : meta.getName();
    String uid = meta == null ? null : meta.getUid();
    String version = meta == null || meta.getResourceVersion() == null ? "" : meta.getResourceVersion();
    String identity = uid != null && !uid.isEmpty() ? uid : namespace + "/" + name;
    String key = kind + '|' + identity + '|' + version + '|' + problem;
    synchronized (reported) {
      if (reported.put(key, Boolean.TRUE) != null) {
        return;
      }
    }
    String where = namespace.isEmpty() ? name : namespace + "/" + name;
    sink.accept("cluster " + clusterId + ": skipping bad input in " + kind + " " + where
        + (version.isEmpty() ? "" : " (resourceVersion " + version + ")") + ": " + problem);
  }
}
