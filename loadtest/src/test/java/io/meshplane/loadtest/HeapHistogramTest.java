package io.meshplane.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapHistogramTest {

  private static final String HEADER = " num     #instances         #bytes  class name (module)\n"
      + "-------------------------------------------------------\n";

  @Test
  void growth_per_proxy_is_summed_over_the_jvms_and_sorted_by_bytes() {
    HeapHistogram idle = HeapHistogram.parse(List.of(
        HEADER + "   1:           100           4000  [B (java.base@17.0.15)\n"
            + "   2:            10            400  io.meshplane.xds.XdsConnection\n"
            + "Total           110           4400\n",
        HEADER + "   1:            50           2000  [B (java.base@17.0.15)\n"));
    HeapHistogram synced = HeapHistogram.parse(List.of(
        HEADER + "   1:           300          24000  [B (java.base@17.0.15)\n"
            + "   2:            30           1200  io.meshplane.xds.XdsConnection\n"
            + "   3:            20            800  org.apache.pekko.stream.impl.fusing.GraphInterpreter\n",
        HEADER + "   1:            50           2000  [B (java.base@17.0.15)\n"
            + "   2:            20           1600  io.meshplane.xds.XdsConnection\n"));

    List<Map.Entry<String, double[]>> growth = synced.growthPerProxy(idle, 20);

    assertEquals("[B", growth.get(0).getKey());
    assertArrayEquals(new double[] {10, 1000}, growth.get(0).getValue(), 1e-9);
    assertEquals("io.meshplane.xds.XdsConnection", growth.get(1).getKey());
    assertArrayEquals(new double[] {2, 120}, growth.get(1).getValue(), 1e-9);
    assertEquals("org.apache.pekko.stream.impl.fusing.GraphInterpreter", growth.get(2).getKey());
    assertEquals(3, growth.size(), "the Total line is not a class");

    LoadReport report = new LoadReport(Path.of("."));
    HeapHistogram.write(report, "Meshplane", idle, synced, 20);
    String md = report.text();
    assertTrue(md.contains("total 1.1 KB"), md);
    assertTrue(md.contains("| 1,000 | 10.0 | `[B` |"), md);
  }
}
