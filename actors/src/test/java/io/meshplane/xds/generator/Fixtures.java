package io.meshplane.xds.generator;

import io.meshplane.model.ClusterShare;
import io.meshplane.model.Endpoint;
import io.meshplane.model.EndpointPort;
import io.meshplane.model.Locality;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Model values for generator tests. */
final class Fixtures {

  static final String HOST = "greeter.demo.svc.cluster.local";
  static final Locality EAST_A = new Locality("us-east1", "us-east1-a", "");
  static final Locality EAST_B = new Locality("us-east1", "us-east1-b", "");
  static final Locality WEST_A = new Locality("us-west1", "us-west1-a", "rack-1");

  private Fixtures() {}

  static ServicePort grpcPort(int port) {
    return new ServicePort("grpc", port, 0, "TCP");
  }

  static ServiceSpec spec(ServicePort... ports) {
    return new ServiceSpec("greeter", "demo", List.of(ports), List.of());
  }

  static Endpoint endpoint(String address, Locality locality, boolean ready, EndpointPort... ports) {
    return endpointIn("east", address, locality, ready, ports);
  }

  static Endpoint endpointIn(String clusterId, String address, Locality locality, boolean ready,
      EndpointPort... ports) {
    return new Endpoint(address, Arrays.asList(ports), clusterId, "net-1", locality, Map.of(), "default", ready,
        "greeter-" + address);
  }

  static EndpointPort grpc(int port) {
    return new EndpointPort("grpc", port);
  }

  /** A state with one member cluster "east" declaring the spec and owning the endpoints. */
  static ServiceState state(long version, ServiceSpec spec, Endpoint... endpoints) {
    return new ServiceState(HOST, version,
        Map.of("east", new ClusterShare("east", Optional.of(spec), List.of(endpoints))));
  }

  static ServiceState state(long version, ClusterShare... shares) {
    Map<String, ClusterShare> byId = new LinkedHashMap<>();
    for (ClusterShare s : shares) {
      byId.put(s.clusterId(), s);
    }
    return new ServiceState(HOST, version, byId);
  }
}
