package io.meshplane.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuProfileTest {

  private static final String SPIN = CpuProfileTest.class.getName() + ".spin";

  @TempDir
  Path dir;

  /** Busy in a Meshplane-named method until the recording holds enough samples of it. */
  private static long spin(long until) {
    long x = 0;
    while (System.nanoTime() < until) {
      x += Long.numberOfTrailingZeros(x + System.nanoTime());
    }
    return x;
  }

  @Test
  void samples_of_a_busy_method_are_counted_under_its_frame_and_area() throws Exception {
    Path jfr = dir.resolve("node-0-1.jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      recording.enable("jdk.ThreadStart");
      recording.start();
      Thread started = new Thread(() -> { });
      started.start();
      started.join();
      // Spin until the recording holds enough samples in spin: how many a second gives depends on
      // the load, and the dumping and reading between spins are sampled too (on a loaded machine
      // they once outnumbered spin's, so the count asked for is spin's own, not a share).
      long deadline = System.nanoTime() + 60_000_000_000L;
      do {
        spin(System.nanoTime() + 500_000_000L);
        recording.dump(jfr);
      } while (CpuProfile.read("node-0-1", jfr).meshplaneFrames.getOrDefault(SPIN, 0L) < 20
          && System.nanoTime() < deadline);
      recording.stop();
      recording.dump(jfr);
    }

    CpuProfile p = CpuProfile.read("node-0-1", jfr);

    String frame = SPIN;
    long inSpin = p.meshplaneFrames.getOrDefault(frame, 0L);
    assertTrue(inSpin >= 20, "samples in spin: " + inSpin + " of " + p.samples + "; frames " + p.meshplaneFrames);
    assertTrue(p.samples >= inSpin, "samples: " + p.samples);
    assertTrue(p.byArea.getOrDefault("other Meshplane", 0L) >= inSpin, "area of spin: " + p.byArea);
    assertTrue(p.threadsStarted >= 1, "threads started: " + p.threadsStarted);

    LoadReport report = new LoadReport(dir);
    CpuProfile.write(report, List.of(p));
    String md = report.text();
    assertTrue(md.contains("| other Meshplane |"), md);
    assertTrue(md.contains("`" + frame + "`"), md);
    assertEquals(1, md.lines().filter(l -> l.startsWith("| samples (threads started) |")).count(), md);
  }
}
