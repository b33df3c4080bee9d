package dev.jgrad.examples.course;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * The course's figures (chapters 6–10): line charts of named series, bar charts and histograms, written as PNGs with
 * JFreeChart, the same library {@link dev.jgrad.examples.LossPlot} uses. Each PNG is written to a temporary file
 * and moved into place, so a failed run leaves no half-written figure.
 */
public final class Figures6to10 {

    private Figures6to10() {}

    /** One line per entry of {@code series}: name → points {@code (x[i], y[i])}, given as {x[], y[]}. */
    public static Path lines(Path dir, String file, String title, String xLabel, String yLabel,
                             Map<String, double[][]> series) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            double[] x = e.getValue()[0], y = e.getValue()[1];
            for (int i = 0; i < x.length; i++) s.add(x[i], y[i]);
            data.addSeries(s);
        }
        NumberAxis range = new NumberAxis(yLabel);
        range.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, new NumberAxis(xLabel), range, new XYLineAndShapeRenderer(true, false));
        return save(dir, file, new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true));
    }

    /** One bar per entry of {@code bars}, in the map's order: category → value. */
    public static Path bars(Path dir, String file, String title, String categoryLabel, String valueLabel,
                            Map<String, Double> bars) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        bars.forEach((category, value) -> data.addValue(value, valueLabel, category));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data);
        chart.removeLegend();
        return save(dir, file, chart);
    }

    /** A histogram of {@code values} in {@code bins} equal bins. */
    public static Path histogram(Path dir, String file, String title, String xLabel, double[] values, int bins)
            throws IOException {
        HistogramDataset data = new HistogramDataset();
        data.addSeries(title, values, bins);
        XYBarRenderer bars = new XYBarRenderer();
        bars.setSeriesPaint(0, new Color(30, 80, 200));
        bars.setShadowVisible(false);
        XYPlot plot = new XYPlot(data, new NumberAxis(xLabel), new NumberAxis("count"), bars);
        return save(dir, file, new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false));
    }

    private static Path save(Path dir, String file, JFreeChart chart) throws IOException {
        chart.setBackgroundPaint(Color.WHITE);
        Files.createDirectories(dir);
        Path png = dir.resolve(file), tmp = dir.resolve(file + ".tmp");
        ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 900, 600);
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return png;
    }
}
