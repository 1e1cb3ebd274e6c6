package io.meshplane.loadtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;

/** PNG charts of benchmark series, with XChart. */
final class Charts {

  private Charts() {}

  /** One step line per series of (x, y) points. */
  static void steps(Path file, String title, String xTitle, String yTitle, Map<String, List<double[]>> series) {
    XYChart chart = new XYChartBuilder().width(1000).height(500).title(title).xAxisTitle(xTitle)
        .yAxisTitle(yTitle).build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
    chart.getStyler().setMarkerSize(0);
    series.forEach((name, points) -> {
      if (points.isEmpty()) {
        return;
      }
      double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
      double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
      chart.addSeries(name, x, y);
    });
    try {
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
