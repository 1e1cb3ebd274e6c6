package io.meshplane.xds;

import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ServiceState;
import java.util.Set;

/**
 * Whether a proxy in a namespace may see a service, by the service's exportTo, or the mesh's
 * {@link MeshConfig#defaultExportTo} when the service has none: {@code *} everywhere, {@code .}
 * the service's own namespace, {@code ~} nowhere, and a namespace name that namespace. The entries
 * add up: {@code ~} next to other entries adds nothing to them. Malformed values never get here:
 * they are rejected (with a WARN) where the annotation and the mesh config are parsed.
 *
 * <p>A service a proxy may not see is, for that proxy, a service that does not exist: not even
 * its name is sent. Stateless.
 */
public final class Visibility {

  private Visibility() {}

  public static boolean visible(ServiceState service, String proxyNamespace, MeshConfig mesh) {
    if (!service.exists()) {
      return false;
    }
    Set<String> exportTo = service.exportTo();
    if (exportTo.isEmpty()) {
      exportTo = mesh.defaultExportToSet();
    }
    if (exportTo.contains("*")) {
      return true;
    }
    String own = service.spec().map(s -> s.namespace()).orElse("");
    if (exportTo.contains(".") && own.equals(proxyNamespace)) {
      return true;
    }
    return exportTo.contains(proxyNamespace);
  }
}
