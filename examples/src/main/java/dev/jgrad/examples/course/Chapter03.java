package dev.jgrad.examples.course;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.optim.Adam;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.Color;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chapter 3 of the course ({@code docs/course/03-training-loop.md}): a two-hidden-layer MLP learns to separate two
 * interleaved spirals. The same network, from the same initial weights, is trained by three optimisers written in
 * a few lines each (SGD, SGD with momentum, Adam); our Adam is then checked against jgrad's {@link Adam}. Float64
 * throughout, so the printed numbers are the same on every machine. Writes {@code loss-curves.png}.
 */
public final class Chapter03 {

    private Chapter03() {}

    static final int POINTS_PER_CLASS = 100, HIDDEN = 32, STEPS = 300;

    public static String title() {
        return "The training loop: an MLP, SGD, momentum and Adam";
    }

    /** One optimiser step over all parameters; {@code t} counts steps from 1. */
    interface Step {
        void apply(List<Tensor> params, List<Tensor[]> state, int t);
    }

    public static void run(PrintStream out, Path outDir) throws Exception {
        Tensor[] data = spirals(new Generator(3));
        Tensor x = data[0], y = data[1];   // x (200, 2), y (200, 2) one-hot
        out.printf(Locale.ROOT, "two spirals: %d points, 2 classes; MLP 2 -> %d -> %d -> 2 (tanh), %d parameters%n",
                x.size(0), HIDDEN, HIDDEN, parameterCount());

        double sgdLr = 0.5, momentumLr = 0.05, momentum = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, adamLr = 0.01;
        Step sgd = (ps, st, t) -> {
            for (Tensor p : ps) p.addInPlace(p.grad(), -sgdLr);                        // p ← p − η·g
        };
        Step withMomentum = (ps, st, t) -> {
            for (int i = 0; i < ps.size(); i++) {
                Tensor v = st.get(i)[0];
                v.mulInPlace(momentum).addInPlace(ps.get(i).grad());                 // v ← μ·v + g
                ps.get(i).addInPlace(v, -momentumLr);                                        // p ← p − η·v
            }
        };
        Step adam = (ps, st, t) -> {
            for (int i = 0; i < ps.size(); i++) {
                Tensor g = ps.get(i).grad(), m = st.get(i)[0], v = st.get(i)[1];
                m.mulInPlace(beta1).addInPlace(g, 1 - beta1);                         // m ← β₁m + (1−β₁)g
                v.mulInPlace(beta2).addInPlace(g.square(), 1 - beta2);                // v ← β₂v + (1−β₂)g²
                Tensor mHat = m.div(1 - Math.pow(beta1, t)), vHat = v.div(1 - Math.pow(beta2, t));
                ps.get(i).addInPlace(mHat.div(vHat.sqrt().add(eps)), -adamLr);       // p ← p − η·m̂/(√v̂ + ε)
            }
        };

        String[] names = {"SGD (lr 0.5)", "SGD + momentum 0.9 (lr 0.05)", "Adam (lr 0.01)"};
        Step[] steps = {sgd, withMomentum, adam};
        List<XYSeries> curves = new ArrayList<>();
        List<Tensor> ourAdamParams = null;
        for (int k = 0; k < steps.length; k++) {
            List<Tensor> params = initialParameters();
            XYSeries curve = new XYSeries(names[k]);
            double[] atCheckpoints = train(params, x, y, steps[k], curve);
            curves.add(curve);
            out.printf(Locale.ROOT, "%-29s loss: step 0 %.4f, 100 %.4f, 200 %.4f, 300 %.4f   accuracy %.1f%%%n", names[k],
                    atCheckpoints[0], atCheckpoints[1], atCheckpoints[2], atCheckpoints[3], 100 * accuracy(params, x, y));
            if (k == 2) ourAdamParams = params;
        }

        List<Tensor> params = initialParameters();
        Adam library = new Adam(params, Adam.Options.lr(adamLr));
        train(params, x, y, (ps, st, t) -> library.step(), new XYSeries("jgrad Adam"));
        double diff = 0;
        for (int i = 0; i < params.size(); i++) diff = Math.max(diff, params.get(i).sub(ourAdamParams.get(i)).abs().max().item());
        out.printf(Locale.ROOT, "our Adam and dev.jgrad.optim.Adam end at the same weights (to 1e-6): %s%n", diff < 1e-6 ? "yes" : "NO");
        out.printf(Locale.ROOT, "    max |difference| = %.1e%n", diff);

        Files.createDirectories(outDir);
        Path png = outDir.resolve("loss-curves.png");
        writeCurves(curves, png);
        out.println("figure: " + png.getFileName());
    }

    /**
     * The training loop: forward, loss, zero the gradients, backward, step. Full batch, so every step sees the
     * same 200 points. Returns the loss before steps 0, 100, 200 and after the last.
     */
    static double[] train(List<Tensor> params, Tensor x, Tensor y, Step step, XYSeries curve) {
        List<Tensor[]> state = new ArrayList<>();
        for (Tensor p : params) state.add(new Tensor[] {Tensor.zeros(DType.F64, p.shape()), Tensor.zeros(DType.F64, p.shape())});
        double[] checkpoints = new double[4];
        for (int t = 0; t <= STEPS; t++) {
            Tensor loss = crossEntropy(forward(params, x), y);
            if (t % 100 == 0) checkpoints[t / 100] = loss.item();
            curve.add(t, loss.item());
            if (t == STEPS) break;
            for (Tensor p : params) p.setGrad(null);
            loss.backward();
            int stepNumber = t + 1;
            Tensor.noGrad(() -> {
                step.apply(params, state, stepNumber);
                return null;
            });
        }
        return checkpoints;
    }

    /** x (N, 2) → logits (N, 2): two tanh hidden layers. params = W1 (2,H), b1 (H), W2 (H,H), b2 (H), W3 (H,2), b3 (2). */
    static Tensor forward(List<Tensor> p, Tensor x) {
        Tensor h1 = x.matmul(p.get(0)).add(p.get(1)).tanh();    // (N, H)
        Tensor h2 = h1.matmul(p.get(2)).add(p.get(3)).tanh();   // (N, H)
        return h2.matmul(p.get(4)).add(p.get(5));               // (N, 2)
    }

    /** Mean over the batch of −log softmax(logits)[label], with one-hot labels y (N, C). */
    static Tensor crossEntropy(Tensor logits, Tensor y) {
        return logits.logSoftmax(1).mul(y).sum().neg().div(logits.size(0));
    }

    static double accuracy(List<Tensor> params, Tensor x, Tensor y) {
        Tensor predicted = Tensor.noGrad(() -> forward(params, x).argmax(1, false));
        Tensor truth = y.argmax(1, false);
        return predicted.eq(truth).to(DType.F64).mean().item();
    }

    /** Weights ~ N(0, 1/fan_in) (keeps tanh out of saturation), biases 0; the same seed for every optimiser. */
    static List<Tensor> initialParameters() {
        Generator gen = new Generator(30);
        int[][] shapes = {{2, HIDDEN}, {HIDDEN}, {HIDDEN, HIDDEN}, {HIDDEN}, {HIDDEN, 2}, {2}};
        List<Tensor> params = new ArrayList<>();
        for (int[] s : shapes) {
            double[] v = new double[s.length == 2 ? s[0] * s[1] : s[0]];
            if (s.length == 2) for (int i = 0; i < v.length; i++) v[i] = gen.nextGaussian() / Math.sqrt(s[0]);
            params.add(Tensor.of(v, s).requiresGrad(true));
        }
        return params;
    }

    static int parameterCount() {
        return initialParameters().stream().mapToInt(Tensor::numel).sum();
    }

    /** Two interleaved spirals, 1.5 turns each, with a little noise: x (2N, 2) and one-hot y (2N, 2). */
    static Tensor[] spirals(Generator gen) {
        int n = POINTS_PER_CLASS;
        double[] x = new double[4 * n], y = new double[4 * n];
        for (int c = 0; c < 2; c++)
            for (int i = 0; i < n; i++) {
                int row = c * n + i;
                double r = 0.1 + 0.9 * i / n, angle = 3 * Math.PI * i / n + c * Math.PI;
                x[2 * row] = r * Math.cos(angle) + 0.02 * gen.nextGaussian();
                x[2 * row + 1] = r * Math.sin(angle) + 0.02 * gen.nextGaussian();
                y[2 * row + c] = 1;
            }
        return new Tensor[] {Tensor.of(x, 2 * n, 2), Tensor.of(y, 2 * n, 2)};
    }

    private static void writeCurves(List<XYSeries> curves, Path png) throws Exception {
        XYSeriesCollection all = new XYSeriesCollection();
        for (XYSeries s : curves) all.addSeries(s);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(120, 120, 120));
        renderer.setSeriesPaint(1, new Color(30, 80, 200));
        renderer.setSeriesPaint(2, new Color(220, 60, 40));
        XYPlot plot = new XYPlot(all, new NumberAxis("step"), new NumberAxis("training loss (cross-entropy)"), renderer);
        JFreeChart chart = new JFreeChart("Two spirals: one MLP, three optimisers", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 600);
    }
}
