package io.meshplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshplane.model.InvalidInputException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.discovery.Discovery;
import org.apache.pekko.discovery.ServiceDiscovery;
import org.apache.pekko.event.NoLogging$;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrapSettings;
import org.junit.jupiter.api.Test;

/** What each way of joining becomes in Pekko's own settings, read back by Pekko's own classes. */
class ClusterJoinTest {

  static ClusterJoin parse(String hocon) {
    Config c = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("meshplane.conf"))
        .resolve();
    return NodeSettings.from(c).join();
  }

  static ClusterBootstrapSettings bootstrapSettings(ClusterJoin join) {
    return new ClusterBootstrapSettings(join.pekkoConfig().withFallback(ConfigFactory.load()), NoLogging$.MODULE$);
  }

  @Test
  void config_discovery_resolves_every_contact_point_through_pekko_discovery() throws Exception {
    ClusterJoin join = parse("meshplane { join = bootstrap, remoting.host = 127.0.0.1, management.port = 7627,"
        + " bootstrap.contact-points = [\"127.0.0.1:7626\", \"127.0.0.1:7627\", \"127.0.0.1:7628\"] }");
    ClusterBootstrapSettings settings = bootstrapSettings(join);
    assertThat(settings.getContactPointDiscoveryMethod()).isEqualTo("config");
    assertThat(settings.getContactPointDiscoveryServiceName()).contains("meshplane");
    assertThat(settings.getContactPointDiscoveryRequiredContactPointsNr()).isEqualTo(3);
    // On one host the nodes' management ports differ: none may be filtered out for not being ours.
    assertThat(settings.contactPoint().filterOnFallbackPort()).isFalse();
    assertThat(settings.getContactPointFallbackPort()).isEqualTo(7627);
    Config pekko = join.pekkoConfig();
    assertThat(pekko.getString("pekko.management.http.hostname")).isEqualTo("127.0.0.1");
    assertThat(pekko.getInt("pekko.management.http.port")).isEqualTo(7627);

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "cluster-join-test",
        pekko.withFallback(ConfigFactory.parseString("pekko.actor.provider = local")).withFallback(ConfigFactory.load()));
    try {
      ServiceDiscovery discovery = Discovery.get(system).loadServiceDiscovery(settings.getContactPointDiscoveryMethod());
      ServiceDiscovery.Resolved resolved = discovery.lookup("meshplane", Duration.ofSeconds(3))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(resolved.getAddresses()).extracting(t -> t.host() + ":" + t.getPort().orElse(-1))
          .containsExactly("127.0.0.1:7626", "127.0.0.1:7627", "127.0.0.1:7628");
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void a_service_name_with_dots_stays_one_discovery_entry() {
    ClusterJoin join = parse("meshplane { join = bootstrap, bootstrap { service-name = mesh.plane,"
        + " contact-points = [\"10.0.0.1:7626\"] } }");
    assertThat(join.pekkoConfig().getConfig("pekko.discovery.config.services").root().keySet())
        .containsExactly("mesh.plane");
  }

  @Test
  void kubernetes_api_discovery_selects_the_pods_of_the_service_in_the_own_namespace() {
    ClusterJoin join = parse("meshplane { join = bootstrap, remoting.host = 10.1.2.3, bootstrap {"
        + " discovery = kubernetes-api, required-contact-points = 3 } }");
    ClusterBootstrapSettings settings = bootstrapSettings(join);
    assertThat(settings.getContactPointDiscoveryMethod()).isEqualTo("kubernetes-api");
    assertThat(settings.getContactPointDiscoveryRequiredContactPointsNr()).isEqualTo(3);
    assertThat(settings.getContactPointDiscoveryPortName()).isEmpty();
    Config pekko = join.pekkoConfig().withFallback(ConfigFactory.load());
    assertThat(pekko.getString("pekko.discovery.kubernetes-api.pod-label-selector")).isEqualTo("app=%s");
    // Left to Pekko, which reads it from the pod's service account mount.
    assertThat(pekko.getString("pekko.discovery.kubernetes-api.pod-namespace")).isEqualTo("<pod-namespace>");
    assertThat(pekko.getString("pekko.management.http.hostname")).isEqualTo("10.1.2.3");

    ClusterJoin named = parse("meshplane { join = bootstrap, bootstrap { discovery = kubernetes-api,"
        + " required-contact-points = 2, kubernetes { namespace = mesh, port-name = management } } }");
    assertThat(named.pekkoConfig().getString("pekko.discovery.kubernetes-api.pod-namespace")).isEqualTo("mesh");
    assertThat(bootstrapSettings(named).getContactPointDiscoveryPortName()).contains("management");
  }

  @Test
  void seed_nodes_set_no_management_settings() {
    Config pekko = parse("meshplane { seed-nodes = [\"pekko://meshplane@10.0.0.5:2552\"] }").pekkoConfig();
    assertThat(pekko.getStringList("pekko.cluster.seed-nodes")).containsExactly("pekko://meshplane@10.0.0.5:2552");
    assertThat(pekko.hasPath("pekko.management")).isFalse();
  }

  @Test
  void a_contact_point_listed_twice_or_a_bad_count_is_rejected_naming_the_setting() {
    assertThatThrownBy(() -> parse("meshplane { join = bootstrap,"
        + " bootstrap.contact-points = [\"10.0.0.1:7626\", \"10.0.0.1:7626\"] }"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("10.0.0.1:7626 is listed twice");
    assertThatThrownBy(() -> parse("meshplane { join = bootstrap, bootstrap { required-contact-points = many,"
        + " contact-points = [\"10.0.0.1:7626\"] } }"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("'many' is not a number");
    assertThatThrownBy(() -> parse("meshplane { join = bootstrap, management.port = 0,"
        + " bootstrap.contact-points = [\"10.0.0.1:7626\"] }"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("meshplane.management.port");
    assertThatThrownBy(() -> parse("meshplane { join = bootstrap, bootstrap { discovery = kubernetes-api,"
        + " required-contact-points = 3, kubernetes.pod-label-selector = \" \" } }"))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("for example app=meshplane");
  }
}
