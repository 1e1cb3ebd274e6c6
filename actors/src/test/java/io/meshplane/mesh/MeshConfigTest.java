package io.meshplane.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MeshConfigTest {

  @ParameterizedTest(name = "{0} against [{1}]: {2}")
  @CsvSource({
      "billing.shop.svc.cluster.local, billing.shop.svc.cluster.local, true",
      "billing.shop.svc.cluster.local, cart.shop.svc.cluster.local, false",
      "billing.shop.svc.cluster.local, *.shop.svc.cluster.local, true",
      "billing.other.svc.cluster.local, *.shop.svc.cluster.local, false",
      "shop.svc.cluster.local, *.shop.svc.cluster.local, false",
      "billing.shop.svc.cluster.local, *.cluster.local, true",
      "billing.shop.svc.cluster.local, *, true",
      "billing.shop.svc.cluster.local, '', false",
      "billing.shop.svc.cluster.local, cart.shop.svc.cluster.local *.shop.svc.cluster.local, true",
  })
  void cluster_local_hosts_match_exactly_or_by_wildcard_suffix(String hostname, String hosts, boolean local) {
    List<String> list = hosts.isBlank() ? List.of() : Arrays.asList(hosts.split(" "));
    MeshConfig config = new MeshConfig("mesh1", "cluster.local", Map.of(), List.of("*"), list, true);

    assertThat(config.isClusterLocal(hostname)).isEqualTo(local);
  }
}
