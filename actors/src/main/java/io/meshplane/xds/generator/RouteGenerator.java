package io.meshplane.xds.generator;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * RDS: one RouteConfiguration per service port, named like its listener, with one virtual host
 * that sends every request to the port's outbound cluster. Stateless; the output depends on the
 * service state only.
 *
 * <p>The virtual host answers every name a client may dial, bare {@code name[:port]} included,
 * whatever the proxy's namespace. Istio adds the bare name only for proxies of the service's
 * namespace because its route configurations hold many services, whose short names would clash;
 * here a route configuration holds one service, and a proxy only reaches it through a listener
 * its own namespace resolved to this service. Keeping the domains proxy-independent keeps the
 * resource shared by every proxy.
 */
public final class RouteGenerator {

  /** Zero disables Envoy's default 15 s route timeout, which would cut long-lived gRPC streams. */
  private static final Duration NO_TIMEOUT = Duration.getDefaultInstance();

  private RouteGenerator() {}

  /** One route configuration per port; none when the service does not exist. */
  public static List<Resource> generate(ServiceState state) {
    if (!state.exists()) {
      return List.of();
    }
    ServiceSpec spec = state.spec().orElseThrow();
    List<Resource> out = new ArrayList<>();
    for (ServicePort port : state.ports()) {
      String name = ResourceNames.route(state.hostname(), port.port());
      VirtualHost host = VirtualHost.newBuilder()
          .setName(name)
          .addAllDomains(domains(state.hostname(), spec, port.port()))
          .addRoutes(Route.newBuilder()
              .setName("default")
              .setMatch(RouteMatch.newBuilder().setPrefix(""))
              .setRoute(RouteAction.newBuilder()
                  .setCluster(ResourceNames.cluster(state.hostname(), port.port()))
                  .setTimeout(NO_TIMEOUT)))
          .build();
      out.add(Resource.of(name, RouteConfiguration.newBuilder().setName(name).addVirtualHosts(host).build()));
    }
    return List.copyOf(out);
  }

  /** Host and host:port for the full hostname and each short form, without duplicates. */
  static List<String> domains(String hostname, ServiceSpec spec, int port) {
    String shortName = spec.name() + "." + spec.namespace();
    Set<String> hosts = new LinkedHashSet<>(
        List.of(hostname, shortName + ".svc", shortName, spec.name()));
    List<String> out = new ArrayList<>();
    for (String host : hosts) {
      out.add(host + ":" + port);
      out.add(host);
    }
    return List.copyOf(out);
  }
}
