package dev.jgrad.examples;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws a run's {@code metrics.csv} as a PNG: training loss (raw and smoothed) and validation loss on top,
 * validation perplexity below, against the step.
 */
public final class LossPlot {

    private LossPlot() {}

    /** Reads {@code runDir/metrics.csv} and writes {@code runDir/loss.png}; returns the PNG's path. */
    public static Path write(Path runDir) throws IOException {
        List<String> lines = Files.readAllLines(runDir.resolve("metrics.csv"));
        XYSeries train = new XYSeries("train loss"), smooth = new XYSeries("train loss (EMA)"),
                val = new XYSeries("validation loss"), ppl = new XYSeries("validation perplexity");
        double ema = Double.NaN;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length < 4) continue;
            int step = Integer.parseInt(f[1]);
            double loss = Double.parseDouble(f[2]);
            if (f[0].equals("train")) {
                train.add(step, loss);
                ema = Double.isNaN(ema) ? loss : 0.9 * ema + 0.1 * loss;
                smooth.add(step, ema);
            } else if (f[0].equals("val")) {
                val.add(step, loss);
                ppl.add(step, Double.parseDouble(f[3]));
            }
        }
        XYSeriesCollection losses = new XYSeriesCollection();
        losses.addSeries(train);
        losses.addSeries(smooth);
        losses.addSeries(val);
        XYLineAndShapeRenderer lossRenderer = new XYLineAndShapeRenderer(true, false);
        lossRenderer.setSeriesPaint(0, new Color(150, 180, 230));
        lossRenderer.setSeriesPaint(1, new Color(30, 80, 200));
        lossRenderer.setSeriesStroke(1, new BasicStroke(2f));
        lossRenderer.setSeriesPaint(2, new Color(220, 60, 40));
        lossRenderer.setSeriesStroke(2, new BasicStroke(2.5f));
        lossRenderer.setSeriesShapesVisible(2, true);
        XYPlot lossPlot = new XYPlot(losses, null, new NumberAxis("loss (nats/token)"), lossRenderer);
        ((NumberAxis) lossPlot.getRangeAxis()).setAutoRangeIncludesZero(false);

        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(new NumberAxis("step"));
        combined.add(lossPlot, 3);
        if (ppl.getItemCount() > 0) {
            XYLineAndShapeRenderer pplRenderer = new XYLineAndShapeRenderer(true, true);
            pplRenderer.setSeriesPaint(0, new Color(220, 60, 40));
            NumberAxis axis = new NumberAxis("validation perplexity");
            axis.setAutoRangeIncludesZero(false);
            combined.add(new XYPlot(new XYSeriesCollection(ppl), null, axis, pplRenderer), 2);
        }
        JFreeChart chart = new JFreeChart("Training of " + runDir.getFileName(), JFreeChart.DEFAULT_TITLE_FONT, combined, true);
        chart.setBackgroundPaint(Color.WHITE);
        Path png = runDir.resolve("loss.png");
        Path tmp = runDir.resolve("loss.png.tmp");
        ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 1000, 700);
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return png;
    }
}
