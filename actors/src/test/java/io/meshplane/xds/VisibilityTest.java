package io.meshplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshplane.mesh.MeshConfig;
import io.meshplane.model.ClusterShare;
import io.meshplane.model.ServicePort;
import io.meshplane.model.ServiceSpec;
import io.meshplane.model.ServiceState;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** exportTo of a service (or the mesh default when it has none) against the proxy's namespace. */
class VisibilityTest {

  private static ServiceState billing(List<String> exportTo) {
    ServiceSpec spec = new ServiceSpec("billing", "shop", List.of(new ServicePort("grpc", 50051, 0, "grpc")),
        exportTo);
    return new ServiceState(spec.hostname(), 1, Map.of("c1", new ClusterShare("c1", Optional.of(spec), List.of())));
  }

  private static MeshConfig meshDefault(List<String> defaultExportTo) {
    return new MeshConfig("mesh1", "cluster.local", Map.of(), defaultExportTo, List.of(), true);
  }

  private static List<String> list(String text) {
    return text.isBlank() ? List.of() : Arrays.asList(text.trim().split(" "));
  }

  @ParameterizedTest(name = "exportTo [{0}], mesh default [{1}], proxy in {2}: {3}")
  @CsvSource({
      // service exportTo, mesh default, proxy namespace, visible
      "'',      '*',        shop,  true",
      "'',      '*',        other, true",
      "'',      '.',        shop,  true",
      "'',      '.',        other, false",
      "'',      '~',        shop,  false",
      "'',      'team-a',   team-a, true",
      "'',      'team-a',   shop,  false",
      "'*',     '.',        other, true",
      "'.',     '*',        shop,  true",
      "'.',     '*',        other, false",
      "'~',     '*',        shop,  false",
      "'~',     '*',        other, false",
      "'a b',   '*',        b,     true",
      "'a b',   '*',        c,     false",
      "'a b',   '*',        shop,  false",
      "'. a',   '*',        shop,  true",
      "'. a',   '*',        a,     true",
      "'~ a',   '*',        a,     true",
      "'~ a',   '*',        shop,  false",
  })
  void a_service_is_visible_by_its_export_to_or_the_mesh_default(String exportTo, String meshDefault,
      String proxyNamespace, boolean visible) {
    assertThat(Visibility.visible(billing(list(exportTo)), proxyNamespace, meshDefault(list(meshDefault))))
        .isEqualTo(visible);
  }

  @ParameterizedTest(name = "a service nobody declares is invisible to {0}")
  @CsvSource({"shop", "other"})
  void a_service_no_cluster_declares_is_visible_to_nobody(String proxyNamespace) {
    ServiceState endpointsOnly = new ServiceState("billing.shop.svc.cluster.local", 1,
        Map.of("c1", new ClusterShare("c1", Optional.empty(), List.of())));
    assertThat(Visibility.visible(endpointsOnly, proxyNamespace, MeshConfig.DEFAULT)).isFalse();
  }
}
