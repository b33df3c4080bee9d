package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.jgrad.core.backend.VectorVsReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused kernels (norms, cross-entropy, optimizer updates) of the Vector API backend against the scalar
 * reference, on odd sizes so that both the vector body and the scalar tail run, with and without the
 * optional operands. The reference itself is checked against PyTorch through the nn goldens.
 */
class FusedVectorVsReferenceTest {

    static final Backend REF = new ReferenceBackend();
    static final Backend FAST = new VectorBackend();

    static Tensor randn(long seed, double scale, int... shape) {
        return Tensor.randn(new Generator(seed), shape).mul(scale);
    }

    /** Rows chosen so that the parameter-gradient sums span several row blocks in one case. */
    static int rowsFor(int n) {
        return n == 1023 ? 5 : 133;
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void layerNorm(int n) {
        int rows = rowsFor(n);
        Tensor x = randn(n, 2.0, rows, n).add(0.5), gy = randn(n + 1, 1.0, rows, n);
        Tensor w = randn(n + 2, 1.0, n), b = randn(n + 3, 1.0, n);
        for (boolean affine : new boolean[] {true, false}) {
            Tensor wt = affine ? w : null, bt = affine ? b : null;
            Tensor[] ref = layerNormRun(REF, x, wt, bt, gy), fast = layerNormRun(FAST, x, wt, bt, gy);
            String[] names = {"y", "mean", "rstd", "dx", "dweight", "dbias"};
            for (int i = 0; i < ref.length; i++)
                assertClose(ref[i], fast[i], 2e-5, 2e-5, "layerNorm " + names[i] + " n=" + n + " affine=" + affine);
        }
    }

    static Tensor[] layerNormRun(Backend be, Tensor x, Tensor w, Tensor b, Tensor gy) {
        int rows = x.size(0), n = x.size(1);
        Tensor y = Tensor.zeros(rows, n), mean = Tensor.zeros(rows), rstd = Tensor.zeros(rows);
        be.layerNorm(x, w, b, 1e-5, y, mean, rstd);
        Tensor dx = Tensor.zeros(rows, n), dw = Tensor.zeros(n), db = Tensor.zeros(n);
        be.layerNormBackward(gy, x, w, mean, rstd, dx, dw, db);
        return new Tensor[] {y, mean, rstd, dx, dw, db};
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void rmsNorm(int n) {
        int rows = rowsFor(n);
        Tensor x = randn(3L * n, 2.0, rows, n), gy = randn(3L * n + 1, 1.0, rows, n), w = randn(3L * n + 2, 1.0, n);
        for (Tensor wt : new Tensor[] {w, null}) {
            Tensor[] ref = rmsNormRun(REF, x, wt, gy), fast = rmsNormRun(FAST, x, wt, gy);
            String[] names = {"y", "rstd", "dx", "dweight"};
            for (int i = 0; i < ref.length; i++)
                assertClose(ref[i], fast[i], 2e-5, 2e-5, "rmsNorm " + names[i] + " n=" + n + " weight=" + (wt != null));
        }
    }

    static Tensor[] rmsNormRun(Backend be, Tensor x, Tensor w, Tensor gy) {
        int rows = x.size(0), n = x.size(1);
        Tensor y = Tensor.zeros(rows, n), rstd = Tensor.zeros(rows);
        be.rmsNorm(x, w, 1e-6, y, rstd);
        Tensor dx = Tensor.zeros(rows, n), dw = Tensor.zeros(n);
        be.rmsNormBackward(gy, x, w, rstd, dx, dw);
        return new Tensor[] {y, rstd, dx, dw};
    }

    @ParameterizedTest(name = "C={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void crossEntropy(int classes) {
        int rows = 37;
        Tensor logits = randn(5L * classes, 3.0, rows, classes);
        Generator gen = new Generator(classes);
        long[] t = new long[rows];
        for (int r = 0; r < rows; r++) t[r] = r % 5 == 2 ? -100 : gen.nextInt(classes);
        Tensor targets = Tensor.of(t);
        Tensor rowGrad = randn(5L * classes + 1, 1.0, rows);
        for (double smoothing : new double[] {0.0, 0.1}) {
            Tensor[] ref = ceRun(REF, logits, targets, rowGrad, smoothing), fast = ceRun(FAST, logits, targets, rowGrad, smoothing);
            String[] names = {"loss", "lse", "dlogits"};
            for (int i = 0; i < ref.length; i++)
                assertClose(ref[i], fast[i], 2e-5, 2e-5, "crossEntropy " + names[i] + " C=" + classes + " ε=" + smoothing);
            for (int r = 0; r < rows; r++)
                if (t[r] == -100) assertEquals(0.0, fast[0].get(r), "ignored row " + r + " has loss 0");
        }
    }

    /**
     * Rows on which the vector kernel's one-pass shift (the maximum of the row's first vector) overflows or
     * is not finite, so that it must fall back to the row maximum: a very negative head with a large value
     * later, a −∞ head, and very large logits throughout.
     */
    @ParameterizedTest(name = "C={0}")
    @ValueSource(ints = {17, 1023})
    void crossEntropyRowsThatDefeatTheOnePassShift(int classes) {
        int rows = 4;
        float[] x = randn(7L * classes, 1.0, rows, classes).toFloatArray();
        for (int c = 0; c < 16; c++) {
            x[c] = -100f;                              // row 0: head far below ...
            x[classes + c] = Float.NEGATIVE_INFINITY;  // row 1: −∞ head
        }
        x[16] = 60f;                                   // ... a value 160 above it: e^160 overflows float
        for (int c = 0; c < classes; c++) x[2 * classes + c] = 80f + c % 5; // row 2: large logits
        x[3 * classes + classes - 1] = 95f;            // row 3: one large value in the tail
        Tensor logits = Tensor.of(x, rows, classes), targets = Tensor.of(new long[] {16, classes - 1, 3, 0});
        Tensor rowGrad = Tensor.ones(rows);
        Tensor[] ref = ceRun(REF, logits, targets, rowGrad, 0.0), fast = ceRun(FAST, logits, targets, rowGrad, 0.0);
        for (int i = 0; i < ref.length; i++) assertClose(ref[i], fast[i], 2e-5, 2e-5, "overflow rows " + i + " C=" + classes);
        for (double v : fast[0].toDoubleArray()) assertTrue(Double.isFinite(v), "finite losses");
    }

    static Tensor[] ceRun(Backend be, Tensor logits, Tensor targets, Tensor rowGrad, double smoothing) {
        int rows = logits.size(0), classes = logits.size(1);
        Tensor loss = Tensor.zeros(rows), lse = Tensor.zeros(rows), d = Tensor.zeros(rows, classes);
        be.crossEntropy(logits, targets, -100, smoothing, loss, lse);
        be.crossEntropyBackward(logits, targets, lse, rowGrad, -100, smoothing, d);
        return new Tensor[] {loss, lse, d};
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void sgd(int n) {
        SgdConfig[] configs = {
                new SgdConfig(0.1, 0, 0, 0, false),
                new SgdConfig(0.1, 0.9, 0, 0.01, false),
                new SgdConfig(0.05, 0.9, 0, 0.1, true),
                new SgdConfig(0.1, 0.8, 0.3, 0, false)};
        for (SgdConfig c : configs) {
            Tensor[] ref = state(n, 3), fast = state(n, 3);
            for (int step = 1; step <= 3; step++) {
                Tensor g = randn(100L * n + step, 1.0, n);
                REF.sgdUpdate(ref[0], g, c.momentum() != 0 ? ref[1] : null, c, step == 1);
                FAST.sgdUpdate(fast[0], g, c.momentum() != 0 ? fast[1] : null, c, step == 1);
            }
            // Operands are O(1): float32 rounding of a few operations on them is ~1e-6 absolute, whatever
            // the (possibly cancelled) size of the result.
            assertClose(ref[0], fast[0], 1e-6, 1e-6, "sgd param " + c);
            assertClose(ref[1], fast[1], 1e-6, 1e-6, "sgd momentum buffer " + c);
        }
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void adam(int n) {
        AdamConfig[] configs = {
                new AdamConfig(1e-2, 0.9, 0.999, 1e-8, 0, false, false),
                new AdamConfig(1e-2, 0.9, 0.99, 1e-8, 0.1, false, true),
                new AdamConfig(3e-3, 0.8, 0.95, 1e-6, 0.1, true, false),
                new AdamConfig(3e-3, 0.9, 0.999, 1e-8, 0.01, true, true)};
        for (AdamConfig c : configs) {
            Tensor[] ref = state(n, 4), fast = state(n, 4);
            for (int step = 1; step <= 4; step++) {
                Tensor g = randn(200L * n + step, step == 3 ? 0.01 : 1.0, n); // a small step makes AMSGrad's max matter
                REF.adamUpdate(ref[0], g, ref[1], ref[2], c.amsgrad() ? ref[3] : null, c, step);
                FAST.adamUpdate(fast[0], g, fast[1], fast[2], c.amsgrad() ? fast[3] : null, c, step);
            }
            String[] names = {"param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
            for (int i = 0; i < 4; i++) assertClose(ref[i], fast[i], 2e-6, 1e-6, "adam " + names[i] + " " + c);
        }
    }

    /** A random parameter and zeroed state buffers. */
    static Tensor[] state(int n, int count) {
        Tensor[] out = new Tensor[count];
        out[0] = randn(n, 1.0, n);
        for (int i = 1; i < count; i++) out[i] = Tensor.zeros(DType.F32, n);
        return out;
    }
}
