package io.meshplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admission queue: a burst passes, then the rate; nobody is refused; order is kept. */
class AdmissionGateTest {

  private static ActorTestKit testKit;
  private static ManualTime time;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("AdmissionGateTest", ManualTime.config());
    time = ManualTime.get(testKit.system());
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static List<TestProbe<XdsConnection.Command>> streams(int n) {
    List<TestProbe<XdsConnection.Command>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(testKit.createTestProbe(XdsConnection.Command.class));
    }
    return out;
  }

  @Test
  void a_burst_passes_at_once_then_one_stream_per_token_in_arrival_order() {
    // 100 per second = one token per 10 ms tick.
    ActorRef<AdmissionGate.Command> gate = testKit.spawn(AdmissionGate.create(new AdmissionGate.Settings(100, 2),
        XdsMetrics.NOOP));
    List<TestProbe<XdsConnection.Command>> streams = streams(5);
    streams.forEach(s -> gate.tell(new AdmissionGate.Admit(s.ref())));

    streams.get(0).expectMessage(XdsConnection.Admitted.INSTANCE);
    streams.get(1).expectMessage(XdsConnection.Admitted.INSTANCE);
    for (int i = 2; i < 5; i++) {
      streams.get(i).expectNoMessage(Duration.ofMillis(50));
    }

    for (int admitted = 2; admitted < 5; admitted++) {
      time.timePasses(AdmissionGate.TICK);
      streams.get(admitted).expectMessage(XdsConnection.Admitted.INSTANCE);
      for (int waiting = admitted + 1; waiting < 5; waiting++) {
        streams.get(waiting).expectNoMessage(Duration.ZERO);
      }
    }
    testKit.stop(gate);
  }

  @Test
  void a_stream_that_goes_away_while_queued_does_not_use_a_token() {
    ActorRef<AdmissionGate.Command> gate = testKit.spawn(AdmissionGate.create(new AdmissionGate.Settings(100, 1),
        XdsMetrics.NOOP));
    List<TestProbe<XdsConnection.Command>> streams = streams(3);
    streams.forEach(s -> gate.tell(new AdmissionGate.Admit(s.ref())));
    streams.get(0).expectMessage(XdsConnection.Admitted.INSTANCE);
    streams.get(1).stop();
    streams.get(2).expectNoMessage(Duration.ofMillis(50));

    time.timePasses(AdmissionGate.TICK);

    streams.get(2).expectMessage(XdsConnection.Admitted.INSTANCE);
    testKit.stop(gate);
  }

  @Test
  void tokens_refill_up_to_the_burst_while_idle() {
    ActorRef<AdmissionGate.Command> gate = testKit.spawn(AdmissionGate.create(new AdmissionGate.Settings(100, 3),
        XdsMetrics.NOOP));
    List<TestProbe<XdsConnection.Command>> first = streams(3);
    first.forEach(s -> gate.tell(new AdmissionGate.Admit(s.ref())));
    first.forEach(s -> s.expectMessage(XdsConnection.Admitted.INSTANCE));

    time.timePasses(AdmissionGate.TICK.multipliedBy(10));

    List<TestProbe<XdsConnection.Command>> second = streams(4);
    second.forEach(s -> gate.tell(new AdmissionGate.Admit(s.ref())));
    for (int i = 0; i < 3; i++) {
      second.get(i).expectMessage(XdsConnection.Admitted.INSTANCE);
    }
    second.get(3).expectNoMessage(Duration.ofMillis(50));
    testKit.stop(gate);
  }

  @Test
  void a_rate_or_burst_below_one_is_rejected_naming_both() {
    assertThatThrownBy(() -> new AdmissionGate.Settings(0, 10))
        .hasMessageContaining("at least 1").hasMessageContaining("rate 0/s");
    assertThat(AdmissionGate.Settings.defaults().perSecond()).isPositive();
  }
}
