package dev.jgrad.examples.course;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.functional.F;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Function;
import java.util.Locale;

/**
 * Chapter 2 of the course ({@code docs/course/02-tensors.md}): how a tensor is a flat buffer plus shape, strides
 * and offset; views that move no data; broadcasting as a stride of 0; and the backward passes of matmul, softmax
 * and LayerNorm derived by hand (plain loops over {@code double[][]}), checked against jgrad's autograd and against
 * central finite differences.
 */
public final class Chapter02 {

    private Chapter02() {}

    public static String title() {
        return "Tensors: strides, views, broadcasting; the backward of matmul, softmax and LayerNorm";
    }

    public static void run(PrintStream out, Path outDir) {
        out.println("== 1. Shape, strides, offset ==");
        Tensor x = Tensor.arange(12).reshape(3, 4);
        describe(out, "x = arange(12).reshape(3, 4)", x);
        describe(out, "x.t()", x.t());
        describe(out, "x.slice(1, 1, 3)", x.slice(1, 1, 3));
        describe(out, "x.select(0, 2)", x.select(0, 2));
        out.printf(Locale.ROOT, "x.t() shares x's storage: %s; x[1][2] = %.0f = storage[offset + 1*4 + 2*1]%n",
                x.t().storage() == x.storage() ? "yes" : "no", x.get(1, 2));

        out.println();
        out.println("== 2. Broadcasting: a stride of 0 ==");
        Tensor col = Tensor.of(new float[] {0, 10, 20}, 3, 1), row = Tensor.of(new float[] {1, 2, 3, 4}, 4);
        describe(out, "col (3, 1) expanded to (3, 4)", col.expand(3, 4));
        Tensor sum = col.add(row);
        out.printf(Locale.ROOT, "col + row: shape %s, row 2 = %s%n", Arrays.toString(sum.shape()), Arrays.toString(sum.select(0, 2).toFloatArray()));

        out.println();
        out.println("== 3. Backward passes derived by hand (float64; loss = sum(f(inputs) * G) for a random G) ==");
        Generator gen = new Generator(2);
        double[][] a = random(gen, 4, 3), b = random(gen, 3, 5), gMat = random(gen, 4, 5);
        double[][] xs = random(gen, 4, 6), gSoft = random(gen, 4, 6), gLn = random(gen, 4, 6);
        double[][] gamma = random(gen, 1, 6), beta = random(gen, 1, 6);

        // matmul: C = A·B, dA = G·Bᵀ, dB = Aᵀ·G
        double[][][] handMat = {matmul(gMat, transpose(b)), matmul(transpose(a), gMat)};
        Tensor ta = tensor(a).requiresGrad(true), tb = tensor(b).requiresGrad(true);
        ta.matmul(tb).mul(tensor(gMat)).sum().backward();
        double[][][] autoMat = {matrix(ta.grad()), matrix(tb.grad())};
        double[][][] fdMat = {finiteDifference(a, m -> dot(matmul(m, b), gMat)), finiteDifference(b, m -> dot(matmul(a, m), gMat))};
        report(out, "matmul    dA, dB      ", handMat, autoMat, fdMat);

        // softmax over each row: dx = y ⊙ (g − Σ_j g_j·y_j)
        double[][][] handSoft = {softmaxBackward(softmax(xs), gSoft)};
        Tensor tx = tensor(xs).requiresGrad(true);
        tx.softmax(1).mul(tensor(gSoft)).sum().backward();
        double[][][] fdSoft = {finiteDifference(xs, m -> dot(softmax(m), gSoft))};
        report(out, "softmax   dx          ", handSoft, new double[][][] {matrix(tx.grad())}, fdSoft);

        // LayerNorm: y = x̂·γ + β, x̂ = (x − μ)·rstd
        double eps = 1e-5;
        double[][][] handLn = layerNormBackward(xs, gamma[0], gLn, eps);
        Tensor tl = tensor(xs).requiresGrad(true), tg = tensor(gamma[0]).requiresGrad(true), tbeta = tensor(beta[0]).requiresGrad(true);
        F.layerNorm(tl, tg, tbeta, eps).mul(tensor(gLn)).sum().backward();
        double[][][] autoLn = {matrix(tl.grad()), {tg.grad().toDoubleArray()}, {tbeta.grad().toDoubleArray()}};
        double[][][] fdLn = {
                finiteDifference(xs, m -> dot(layerNorm(m, gamma[0], beta[0], eps), gLn)),
                finiteDifference(gamma, m -> dot(layerNorm(xs, m[0], beta[0], eps), gLn)),
                finiteDifference(beta, m -> dot(layerNorm(xs, gamma[0], m[0], eps), gLn))};
        report(out, "layernorm dx, dγ, dβ  ", handLn, autoLn, fdLn);
    }

    private static void describe(PrintStream out, String what, Tensor t) {
        out.printf(Locale.ROOT, "%-30s shape %-8s strides %-8s offset %d  contiguous %s%n", what, Arrays.toString(t.shape()),
                Arrays.toString(t.strides()), t.offset(), t.isContiguous() ? "yes" : "no");
    }

    /** One line the chapter quotes (the verdicts) and one it does not (the exact errors, which may vary in the last bits). */
    private static void report(PrintStream out, String what, double[][][] hand, double[][][] autograd, double[][][] fd) {
        double eAuto = 0, eFd = 0;
        for (int i = 0; i < hand.length; i++) {
            eAuto = Math.max(eAuto, maxAbsDiff(hand[i], autograd[i]));
            eFd = Math.max(eFd, maxAbsDiff(hand[i], fd[i]));
        }
        out.printf(Locale.ROOT, "%s hand = autograd (to 1e-12): %s   hand = finite difference (to 1e-6): %s%n", what,
                eAuto < 1e-12 ? "yes" : "NO", eFd < 1e-6 ? "yes" : "NO");
        out.printf(Locale.ROOT, "    max |hand - autograd| = %.1e, max |hand - finite difference| = %.1e%n", eAuto, eFd);
    }

    // ---- the derivations, on plain arrays ---------------------------------------------------------------------

    static double[][] softmax(double[][] x) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double max = Arrays.stream(x[i]).max().orElseThrow(), z = 0;
            y[i] = new double[x[i].length];
            for (int j = 0; j < y[i].length; j++) z += y[i][j] = Math.exp(x[i][j] - max);   // minus max: no overflow
            for (int j = 0; j < y[i].length; j++) y[i][j] /= z;
        }
        return y;
    }

    /** dy_j/dx_k = y_j(δ_jk − y_k), so dx_k = Σ_j g_j·y_j(δ_jk − y_k) = y_k·(g_k − Σ_j g_j·y_j). */
    static double[][] softmaxBackward(double[][] y, double[][] g) {
        double[][] dx = new double[y.length][];
        for (int i = 0; i < y.length; i++) {
            double gy = 0;
            for (int j = 0; j < y[i].length; j++) gy += g[i][j] * y[i][j];
            dx[i] = new double[y[i].length];
            for (int k = 0; k < y[i].length; k++) dx[i][k] = y[i][k] * (g[i][k] - gy);
        }
        return dx;
    }

    static double[][] layerNorm(double[][] x, double[] gamma, double[] beta, double eps) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double[] xhat = normalise(x[i], eps);
            y[i] = new double[xhat.length];
            for (int j = 0; j < xhat.length; j++) y[i][j] = xhat[j] * gamma[j] + beta[j];
        }
        return y;
    }

    /**
     * With ĝ = g·γ and means over the row: dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dγ = Σ_rows g·x̂, dβ = Σ_rows g.
     * Returns {dx, {dγ}, {dβ}}.
     */
    static double[][][] layerNormBackward(double[][] x, double[] gamma, double[][] g, double eps) {
        int n = gamma.length;
        double[][] dx = new double[x.length][n];
        double[] dGamma = new double[n], dBeta = new double[n];
        for (int i = 0; i < x.length; i++) {
            double[] xhat = normalise(x[i], eps);
            double rstd = 1 / Math.sqrt(variance(x[i]) + eps), meanG = 0, meanGx = 0;
            for (int j = 0; j < n; j++) {
                double gh = g[i][j] * gamma[j];
                meanG += gh / n;
                meanGx += gh * xhat[j] / n;
                dGamma[j] += g[i][j] * xhat[j];
                dBeta[j] += g[i][j];
            }
            for (int j = 0; j < n; j++) dx[i][j] = rstd * (g[i][j] * gamma[j] - meanG - xhat[j] * meanGx);
        }
        return new double[][][] {dx, {dGamma}, {dBeta}};
    }

    private static double[] normalise(double[] row, double eps) {
        double mean = Arrays.stream(row).average().orElseThrow(), rstd = 1 / Math.sqrt(variance(row) + eps);
        return Arrays.stream(row).map(v -> (v - mean) * rstd).toArray();
    }

    private static double variance(double[] row) {
        double mean = Arrays.stream(row).average().orElseThrow();
        return Arrays.stream(row).map(v -> (v - mean) * (v - mean)).average().orElseThrow();   // biased, as LayerNorm
    }

    /** d loss / d m[i][j] ≈ (loss(m + h·e_ij) − loss(m − h·e_ij)) / 2h for every element, h = 1e-6. */
    static double[][] finiteDifference(double[][] m, Function<double[][], Double> loss) {
        double h = 1e-6;
        double[][] d = new double[m.length][m[0].length];
        for (int i = 0; i < m.length; i++)
            for (int j = 0; j < m[0].length; j++) {
                double keep = m[i][j];
                m[i][j] = keep + h;
                double up = loss.apply(m);
                m[i][j] = keep - h;
                double down = loss.apply(m);
                m[i][j] = keep;
                d[i][j] = (up - down) / (2 * h);
            }
        return d;
    }

    static double[][] matmul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++)
            for (int k = 0; k < b.length; k++)
                for (int j = 0; j < b[0].length; j++) c[i][j] += a[i][k] * b[k][j];
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    private static double dot(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) s += a[i][j] * b[i][j];
        return s;
    }

    private static double maxAbsDiff(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
        return m;
    }

    private static double[][] random(Generator gen, int rows, int cols) {
        double[][] m = new double[rows][cols];
        for (double[] r : m) for (int j = 0; j < cols; j++) r[j] = gen.nextGaussian();
        return m;
    }

    private static Tensor tensor(double[][] m) {
        return Tensor.of(Arrays.stream(m).flatMapToDouble(Arrays::stream).toArray(), m.length, m[0].length);
    }

    private static Tensor tensor(double[] v) {
        return Tensor.of(v.clone(), v.length);
    }

    private static double[][] matrix(Tensor t) {
        double[] flat = t.toDoubleArray();
        int cols = t.size(1);
        double[][] m = new double[t.size(0)][];
        for (int i = 0; i < m.length; i++) m[i] = Arrays.copyOfRange(flat, i * cols, (i + 1) * cols);
        return m;
    }
}
