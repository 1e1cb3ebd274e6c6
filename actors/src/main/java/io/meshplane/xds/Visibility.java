package io.meshplane.xds;

import io.meshplane.model.ServiceState;
import java.util.Set;

/**
 * Whether a proxy in a namespace may see a service, by the service's exportTo: empty means the
 * mesh default (everywhere), {@code *} everywhere, {@code .} its own namespace, {@code ~} nowhere,
 * and a namespace name that namespace. A service a proxy may not see is, for that proxy, a service
 * that does not exist: not even its name is sent.
 */
public final class Visibility {

  private Visibility() {}

  public static boolean visible(ServiceState service, String proxyNamespace) {
    if (!service.exists()) {
      return false;
    }
    Set<String> exportTo = service.exportTo();
    if (exportTo.isEmpty() || exportTo.contains("*")) {
      return true;
    }
    String own = service.spec().map(s -> s.namespace()).orElse("");
    if (exportTo.contains(".") && own.equals(proxyNamespace)) {
      return true;
    }
    return exportTo.contains(proxyNamespace);
  }
}
