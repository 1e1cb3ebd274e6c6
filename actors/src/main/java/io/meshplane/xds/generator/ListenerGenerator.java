package io.meshplane.xds.generator;

import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.List;

/**
 * LDS for proxyless gRPC clients: one Listener per service port, holding an {@code api_listener}
 * whose HttpConnectionManager fetches its RouteConfiguration over ADS and ends in the router
 * filter. (Envoy sidecars cannot take API listeners over LDS; their socket listeners are another
 * generator's job.) Stateless; the output depends on the service state only.
 */
public final class ListenerGenerator {

  /** The router filter's well-known name; grpc-java requires it as the last HTTP filter. */
  public static final String ROUTER_FILTER = "envoy.filters.http.router";

  private ListenerGenerator() {}

  /** One listener named {@code <hostname>:<port>} per port; none when the service does not exist. */
  public static List<Resource> generate(ServiceState state) {
    if (!state.exists()) {
      return List.of();
    }
    List<Resource> out = new ArrayList<>();
    for (ServicePort port : state.ports()) {
      String name = ResourceNames.listener(state.hostname(), port.port());
      out.add(listener(name, state.hostname(), port.port()));
    }
    return List.copyOf(out);
  }

  /**
   * The same listeners under the short names a client may dial ({@link
   * ResourceNames#listenerAliases}): a listener must carry the very name it was asked for. Each
   * points at the canonical route configuration, so RDS needs no aliases.
   */
  public static List<Resource> aliases(ServiceState state) {
    ServiceSpec spec = state.spec().orElse(null);
    if (spec == null || !spec.hostname().equals(state.hostname())) {
      return List.of();
    }
    List<Resource> out = new ArrayList<>();
    for (ServicePort port : state.ports()) {
      for (String alias : ResourceNames.listenerAliases(spec.name(), spec.namespace(), port.port())) {
        out.add(listener(alias, state.hostname(), port.port()));
      }
    }
    return List.copyOf(out);
  }

  private static Resource listener(String name, String hostname, int port) {
    String routeName = ResourceNames.route(hostname, port);
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(routeName)
        .setCodecType(CodecType.AUTO)
        .setRds(Rds.newBuilder().setConfigSource(Protos.ADS).setRouteConfigName(routeName))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName(ROUTER_FILTER)
            .setTypedConfig(Protos.pack(Router.getDefaultInstance())))
        .build();
    Listener listener = Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Protos.pack(hcm)))
        .build();
    return Resource.of(name, listener);
  }
}
