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
public final class Charts {

  private Charts() {}

  /** One step line per series of (x, y) points. */
  static void steps(Path file, String title, String xTitle, String yTitle, Map<String, List<double[]>> series) {
    save(file, title, xTitle, yTitle, series, XYSeries.XYSeriesRenderStyle.Step, false);
  }

  /** One line per series of (x, y) points; points with a NaN y are left out. */
  static void lines(Path file, String title, String xTitle, String yTitle, Map<String, List<double[]>> series) {
    save(file, title, xTitle, yTitle, series, XYSeries.XYSeriesRenderStyle.Line, false);
  }

  /**
   * The cumulative distribution of a latency histogram in microseconds: x the latency in ms
   * (logarithmic), y the fraction of deliveries at or below it.
   */
  static void cdf(Path file, String title, org.HdrHistogram.Histogram micros) {
    cdf(file, title, Map.of("write -> proxy", micros));
  }

  /** {@link #cdf(Path, String, org.HdrHistogram.Histogram)} with one curve per named histogram. */
  public static void cdf(Path file, String title, Map<String, org.HdrHistogram.Histogram> curves) {
    Map<String, List<double[]>> series = new java.util.LinkedHashMap<>();
    curves.forEach((name, micros) -> {
      List<double[]> points = new java.util.ArrayList<>();
      long total = micros.getTotalCount();
      long seen = 0;
      for (org.HdrHistogram.HistogramIterationValue v : micros.recordedValues()) {
        seen += v.getCountAtValueIteratedTo();
        points.add(new double[] {Math.max(0.01, micros.highestEquivalentValue(v.getValueIteratedTo()) / 1e3),
            (double) seen / total});
      }
      series.put(name, points);
    });
    save(file, title, "convergence latency (ms, log scale)", "fraction of deliveries at or below", series,
        XYSeries.XYSeriesRenderStyle.Step, true);
  }

  private static void save(Path file, String title, String xTitle, String yTitle, Map<String, List<double[]>> series,
      XYSeries.XYSeriesRenderStyle style, boolean logX) {
    XYChart chart = new XYChartBuilder().width(1000).height(500).title(title).xAxisTitle(xTitle)
        .yAxisTitle(yTitle).build();
    chart.getStyler().setDefaultSeriesRenderStyle(style);
    chart.getStyler().setMarkerSize(0);
    chart.getStyler().setXAxisLogarithmic(logX);
    series.forEach((name, all) -> {
      List<double[]> points = all.stream().filter(p -> !Double.isNaN(p[1]) && !Double.isNaN(p[0])).toList();
      if (points.isEmpty()) {
        return;
      }
      double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
      double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
      chart.addSeries(name, x, y);
    });
    if (chart.getSeriesMap().isEmpty()) {
      // A logarithmic axis takes no zero.
      chart.addSeries("no data", new double[] {logX ? 1 : 0}, new double[] {0});
    }
    try {
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
