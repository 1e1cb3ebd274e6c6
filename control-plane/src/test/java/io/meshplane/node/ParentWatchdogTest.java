package io.meshplane.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParentWatchdogTest {

  private final AtomicInteger fired = new AtomicInteger();
  private Process parent;

  @AfterEach
  void stopTheStandIn() {
    if (parent != null) {
      parent.destroyForcibly();
    }
  }

  /** A real process standing in for the parent, so that its death is a real one. */
  private ProcessHandle standInParent() throws IOException {
    parent = new ProcessBuilder("sleep", "600").start();
    return parent.toHandle();
  }

  @Test
  void does_nothing_while_the_parent_lives() throws IOException {
    ProcessHandle p = standInParent();
    ParentWatchdog watchdog = new ParentWatchdog(p, () -> Optional.of(p), fired::incrementAndGet);

    assertThat(watchdog.check()).isTrue();
    assertThat(watchdog.check()).isTrue();
    assertThat(fired).hasValue(0);
  }

  @Test
  void acts_once_when_the_parent_was_killed() throws Exception {
    ProcessHandle p = standInParent();
    ParentWatchdog watchdog = new ParentWatchdog(p, () -> Optional.of(p), fired::incrementAndGet);

    parent.destroyForcibly();
    assertThat(parent.waitFor(10, TimeUnit.SECONDS)).isTrue();

    assertThat(watchdog.check()).isFalse();
    assertThat(watchdog.check()).isFalse();
    assertThat(fired).as("the action runs once").hasValue(1);
  }

  @Test
  void acts_when_this_process_was_reparented_although_the_old_pid_lives() throws IOException {
    ProcessHandle p = standInParent();
    AtomicReference<Optional<ProcessHandle>> now = new AtomicReference<>(Optional.of(p));
    ParentWatchdog watchdog = new ParentWatchdog(p, now::get, fired::incrementAndGet);
    assertThat(watchdog.check()).isTrue();

    // What an orphan sees: its parent is now init (or a subreaper), while the old pid may still be
    // a zombie or belong to another process.
    now.set(ProcessHandle.of(1));

    assertThat(watchdog.check()).isFalse();
    assertThat(fired).hasValue(1);
  }

  @Test
  void acts_when_this_process_has_no_parent_any_more() throws IOException {
    ProcessHandle p = standInParent();
    ParentWatchdog watchdog = new ParentWatchdog(p, Optional::empty, fired::incrementAndGet);

    assertThat(watchdog.check()).isFalse();
    assertThat(fired).hasValue(1);
  }

  @Test
  void watches_the_real_parent_of_this_jvm() {
    try (ParentWatchdog watchdog = ParentWatchdog.start(fired::incrementAndGet)) {
      assertThat(watchdog.parentPid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
      assertThat(watchdog.check()).isTrue();
    }
    assertThat(fired).hasValue(0);
  }
}
