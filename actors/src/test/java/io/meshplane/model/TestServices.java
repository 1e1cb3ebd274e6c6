package io.meshplane.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Model values for tests outside the generator package: services, endpoints, shares and states. */
public final class TestServices {

  public static final String NAMESPACE = "default";
  public static final String GREETER = ServiceSpec.hostname("greeter", NAMESPACE);
  public static final int GRPC_PORT = 50051;
  public static final Locality ZONE_A = new Locality("us-east1", "us-east1-a", "");

  private TestServices() {}

  public static ServicePort grpcPort(int port) {
    return new ServicePort("grpc", port, 0, "grpc");
  }

  /** A service with one gRPC port, exported to the mesh default. */
  public static ServiceSpec spec(String name, String namespace) {
    return spec(name, namespace, List.of(), grpcPort(GRPC_PORT));
  }

  public static ServiceSpec spec(String name, String namespace, List<String> exportTo, ServicePort... ports) {
    return new ServiceSpec(name, namespace, List.of(ports), exportTo);
  }

  /** A ready endpoint serving the gRPC port at {@code port}. */
  public static Endpoint endpoint(String clusterId, String address, int port) {
    return new Endpoint(address, List.of(new EndpointPort("grpc", port)), clusterId, "net-1", ZONE_A, Map.of(),
        "default", true, "workload-" + address);
  }

  public static ClusterShare share(String clusterId, ServiceSpec spec, Endpoint... endpoints) {
    return new ClusterShare(clusterId, Optional.of(spec), List.of(endpoints));
  }

  public static ClusterShare emptyShare(String clusterId) {
    return new ClusterShare(clusterId, Optional.empty(), List.of());
  }

  /** A state of {@code spec}'s hostname at {@code version} made of {@code shares}. */
  public static ServiceState state(String hostname, long version, ClusterShare... shares) {
    Map<String, ClusterShare> byId = new LinkedHashMap<>();
    for (ClusterShare s : shares) {
      byId.put(s.clusterId(), s);
    }
    return new ServiceState(hostname, version, byId);
  }

  /** A service declared by cluster "east" with one gRPC port and endpoints at {@code addresses}. */
  public static ServiceState service(ServiceSpec spec, long version, String... addresses) {
    Endpoint[] endpoints = new Endpoint[addresses.length];
    for (int i = 0; i < addresses.length; i++) {
      endpoints[i] = endpoint("east", addresses[i], 9000);
    }
    return state(spec.hostname(), version, share("east", spec, endpoints));
  }
}
