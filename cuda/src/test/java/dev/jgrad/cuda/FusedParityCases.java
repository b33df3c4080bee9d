package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AdamConfig;
import dev.jgrad.core.backend.SgdConfig;

import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * The fused {@code Backend} methods of the device under test against the reference backend, as
 * {@link BackendParityCases} does for the basic ones: the same inputs on both sides, device outputs poisoned with
 * NaN first, odd sizes, strided views, float32 and float64, every option (null weight and bias, ignore index and
 * label smoothing, momentum/dampening/Nesterov/weight decay, Adam/AdamW/AMSGrad). Attention and RoPE are in
 * {@link AttentionParityCases}.
 *
 * <p>Tolerances, element-wise {@code |a − e| ≤ rtol·|e| + atol}: float32 {@code rtol = 1e-5}, and
 * {@code atol = 1e-5 × the magnitude of the terms the element combines}, stated per op below. A float32 result
 * formed by cancelling terms of size M carries an absolute error of a few float32 epsilons (6e-8) times M, however
 * small the result itself (a one-class cross-entropy is lse − x = 0 up to the rounding of x; an RMSNorm gradient
 * of one feature is rstd·ĝ·(1 − x̂²) ≈ 0): so M, not the result, sets the absolute part. Sums over R rows
 * (parameter gradients) take M·√R. float64: {@code 1e-12} relative and {@code 1e-12 × M}.
 */
abstract class FusedParityCases extends BackendParityCases {

    static final double F32_RTOL = 1e-5, F64_TOL = 1e-12;

    /** |a − e| ≤ rtol·|e| + atolScale·max|e| element-wise (the result's own magnitude as the terms'). */
    static void assertCloseScaled(Tensor expected, Tensor actual, double rtol, double atolScale, String what) {
        assertClose(expected, actual, rtol, atolScale * maxAbs(expected), what);
    }

    /** The largest finite |element| of {@code t} (0 for none). */
    static double maxAbs(Tensor t) {
        double m = 0;
        for (double e : t.toDoubleArray()) if (Double.isFinite(e)) m = Math.max(m, Math.abs(e));
        return m;
    }

    /** rtol of a dtype: 1e-5 for float32, 1e-12 for float64. */
    static double rtol(DType t) {
        return t == DType.F64 ? F64_TOL : F32_RTOL;
    }

    /** The absolute tolerance for terms of magnitude {@code m}: 1e-5·m in float32, 1e-12·m in float64. */
    static double atol(DType t, double m) {
        return (t == DType.F64 ? F64_TOL : 1e-5) * m;
    }

    /** The tolerance pair of a dtype: {rtol, atolScale} with {@code f32Atol} for float32. */
    static double[] tol(DType t, double f32Atol) {
        return t == DType.F64 ? new double[] {F64_TOL, F64_TOL} : new double[] {F32_RTOL, f32Atol};
    }

    static void check(Tensor expected, Tensor actual, double[] tol, String what) {
        assertCloseScaled(expected, actual, tol[0], tol[1], what);
    }

    /** A device copy of {@code cpu} that never shares its storage (in-place ops must not touch the reference's). */
    Tensor deviceCopy(Tensor cpu) {
        return cpu.contiguousCopy().to(device());
    }

    /** {@code x (rows, n)} as a transposed view of an (n, rows) tensor: a strided input. */
    static Tensor transposedRows(long seed, int rows, int n, double scale, double shift, DType t) {
        return randn(seed, n, rows).mul(scale).add(shift).to(t).transpose(0, 1);
    }

    // ---- LayerNorm / RMSNorm ------------------------------------------------------------------------------

    @Test
    void layerNormForwardAndBackwardOnOddSizesViewsAndBothDtypes() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : new int[][] {{1, 1}, {5, 7}, {17, 15}, {3, 1023}, {300, 17}, {2, 4099}}) {
                int rows = s[0], n = s[1];
                for (boolean affine : new boolean[] {true, false}) {
                    for (boolean strided : new boolean[] {false, true}) {
                        long seed = 1000L * rows + n + (affine ? 1 : 0);
                        Pair x = pair(strided ? transposedRows(seed, rows, n, 3, 1, t) : randn(seed, rows, n).mul(3).add(1).to(t));
                        Pair w = affine ? pair(randn(seed + 1, n).to(t)) : new Pair(null, null);
                        Pair b = affine ? pair(randn(seed + 2, n).to(t)) : new Pair(null, null);
                        Pair gy = pair(randn(seed + 3, rows, n).to(t));
                        String what = "layerNorm " + t + " " + rows + "x" + n + (affine ? " affine" : "") + (strided ? " strided" : "");
                        checkLayerNorm(x, w, b, gy, t, what);
                    }
                }
            }
        }
    }

    private void checkLayerNorm(Pair x, Pair w, Pair b, Pair gy, DType t, String what) {
        int rows = x.cpu().size(0), n = x.cpu().size(1);
        Tensor y = Tensor.zeros(t, rows, n), mean = Tensor.zeros(t, rows), rstd = Tensor.zeros(t, rows);
        REF.layerNorm(x.cpu(), w.cpu(), b.cpu(), 1e-5, y, mean, rstd);
        Tensor yo = poisoned(t, rows, n), mo = poisoned(t, rows), ro = poisoned(t, rows);
        dut().layerNorm(x.dev(), w.dev(), b.dev(), 1e-5, yo, mo, ro);
        // terms: y ~ x̂·w + b; the mean cancels x's; rstd has no cancellation
        double rt = rtol(t);
        assertClose(y, yo, rt, atol(t, maxAbs(y)), what + " y");
        assertClose(mean, mo, rt, atol(t, maxAbs(x.cpu())), what + " mean");
        assertClose(rstd, ro, rt, atol(t, maxAbs(rstd)), what + " rstd");
        Tensor dx = Tensor.zeros(t, rows, n), dw = Tensor.zeros(t, n), db = Tensor.zeros(t, n);
        REF.layerNormBackward(gy.cpu(), x.cpu(), w.cpu(), mean, rstd, dx, dw, db);
        Tensor dxo = poisoned(t, rows, n), dwo = poisoned(t, n), dbo = poisoned(t, n);
        // the backward reads the reference's saved statistics, so it is checked on its own
        dut().layerNormBackward(gy.dev(), x.dev(), w.dev(), mean.to(device()), rstd.to(device()), dxo, dwo, dbo);
        double[] m = normGradientScales(x.cpu(), w.cpu(), gy.cpu(), mean, rstd);
        assertClose(dx, dxo, rt, atol(t, m[0]), what + " dx");
        assertClose(dw, dwo, rt, atol(t, m[1]), what + " dweight");
        assertClose(db, dbo, rt, atol(t, m[2]), what + " dbias");
        // gradients not wanted: the others are still written
        Tensor dwOnly = poisoned(t, n);
        dut().layerNormBackward(gy.dev(), x.dev(), w.dev(), mean.to(device()), rstd.to(device()), null, dwOnly, null);
        assertClose(dw, dwOnly, rt, atol(t, m[1]), what + " dweight alone");
    }

    /**
     * The magnitudes of the terms of the norms' gradients: dx = rstd·(ĝ − mean ĝ − x̂·mean(ĝx̂)) combines
     * rstd·|ĝ|·(1 + x̂²); dweight = Σ_rows gy·x̂ and dbias = Σ_rows gy sum R terms (√R of their size).
     * {@code mean} null for RMSNorm.
     */
    static double[] normGradientScales(Tensor x, Tensor w, Tensor gy, Tensor mean, Tensor rstd) {
        int rows = x.size(0), n = x.size(1);
        double[] xs = x.contiguous().toDoubleArray(), gs = gy.contiguous().toDoubleArray();
        double[] ws = w == null ? null : w.toDoubleArray(), ms = mean == null ? null : mean.toDoubleArray();
        double[] rs = rstd.toDoubleArray();
        double dx = 0, gx = 0, g = 0;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++) {
                double xhat = (xs[r * n + j] - (ms == null ? 0 : ms[r])) * rs[r], gv = gs[r * n + j];
                double ghat = Math.abs(gv * (ws == null ? 1 : ws[j]));
                dx = Math.max(dx, rs[r] * ghat * (1 + xhat * xhat));
                gx = Math.max(gx, Math.abs(gv * xhat));
                g = Math.max(g, Math.abs(gv));
            }
        double sqrtRows = Math.sqrt(Math.max(1, rows));
        return new double[] {dx, gx * sqrtRows, g * sqrtRows};
    }

    @Test
    void rmsNormForwardAndBackwardOnOddSizesViewsAndBothDtypes() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : new int[][] {{1, 1}, {5, 7}, {17, 15}, {3, 1023}, {300, 17}, {2, 4099}}) {
                int rows = s[0], n = s[1];
                for (boolean weighted : new boolean[] {true, false}) {
                    for (boolean strided : new boolean[] {false, true}) {
                        long seed = 2000L * rows + n + (weighted ? 1 : 0);
                        Pair x = pair(strided ? transposedRows(seed, rows, n, 2, 0, t) : randn(seed, rows, n).mul(2).to(t));
                        Pair w = weighted ? pair(randn(seed + 1, n).to(t)) : new Pair(null, null);
                        Pair gy = pair(randn(seed + 3, rows, n).to(t));
                        String what = "rmsNorm " + t + " " + rows + "x" + n + (weighted ? " weighted" : "") + (strided ? " strided" : "");
                        Tensor y = Tensor.zeros(t, rows, n), rstd = Tensor.zeros(t, rows);
                        REF.rmsNorm(x.cpu(), w.cpu(), 1e-6, y, rstd);
                        Tensor yo = poisoned(t, rows, n), ro = poisoned(t, rows);
                        dut().rmsNorm(x.dev(), w.dev(), 1e-6, yo, ro);
                        double rt = rtol(t);
                        assertClose(y, yo, rt, atol(t, maxAbs(y)), what + " y");
                        assertClose(rstd, ro, rt, atol(t, maxAbs(rstd)), what + " rstd");
                        Tensor dx = Tensor.zeros(t, rows, n), dw = Tensor.zeros(t, n);
                        REF.rmsNormBackward(gy.cpu(), x.cpu(), w.cpu(), rstd, dx, dw);
                        Tensor dxo = poisoned(t, rows, n), dwo = poisoned(t, n);
                        dut().rmsNormBackward(gy.dev(), x.dev(), w.dev(), rstd.to(device()), dxo, dwo);
                        double[] m = normGradientScales(x.cpu(), w.cpu(), gy.cpu(), null, rstd);
                        assertClose(dx, dxo, rt, atol(t, m[0]), what + " dx");
                        assertClose(dw, dwo, rt, atol(t, m[1]), what + " dweight");
                    }
                }
            }
        }
    }

    @Test
    void normParameterGradientsOfNoRowsAreZero() {
        Pair x = pair(Tensor.zeros(0, 6)), gy = pair(Tensor.zeros(0, 6)), w = pair(Tensor.ones(6));
        Pair stats = pair(Tensor.zeros(0));
        Tensor dw = poisoned(DType.F32, 6), db = poisoned(DType.F32, 6), dwr = poisoned(DType.F32, 6);
        dut().layerNormBackward(gy.dev(), x.dev(), w.dev(), stats.dev(), stats.dev(), poisoned(DType.F32, 0, 6), dw, db);
        dut().rmsNormBackward(gy.dev(), x.dev(), w.dev(), stats.dev(), null, dwr);
        for (Tensor g : List.of(dw, db, dwr)) assertExact(Tensor.zeros(6), g, "Σ over no rows");
    }

    // ---- cross-entropy ---------------------------------------------------------------------------------------

    @Test
    void crossEntropyWithIgnoredRowsLabelSmoothingAndRowGradients() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            for (int[] s : new int[][] {{1, 1}, {1, 7}, {17, 15}, {9, 1023}, {5, 5003}}) {
                int rows = s[0], classes = s[1];
                for (int ignoreIndex : new int[] {-100, Math.min(3, classes - 1)}) {
                    long[] targets = new long[rows];
                    for (int r = 0; r < rows; r++)
                        targets[r] = r % 5 == 3 ? ignoreIndex : (r * 7919L + 11) % classes;
                    for (double eps : new double[] {0, 0.1}) {
                        for (DType it : new DType[] {DType.I64, DType.I32}) {
                            long seed = 3000L * rows + classes;
                            boolean strided = it == DType.I32;
                            Pair x = pair(strided ? transposedRows(seed, rows, classes, 3, 0, t)
                                    : randn(seed, rows, classes).mul(3).to(t));
                            Pair tg = pair(Tensor.of(targets).to(it));
                            String what = "crossEntropy " + t + " " + rows + "x" + classes + " ignore " + ignoreIndex
                                    + " ε " + eps + " " + it + (strided ? " strided" : "");
                            checkCrossEntropy(x, tg, ignoreIndex, eps, t, seed, what);
                        }
                    }
                }
            }
        }
    }

    private void checkCrossEntropy(Pair x, Pair tg, int ignoreIndex, double eps, DType t, long seed, String what) {
        int rows = x.cpu().size(0), classes = x.cpu().size(1);
        Tensor loss = Tensor.zeros(t, rows), lse = Tensor.zeros(t, rows);
        REF.crossEntropy(x.cpu(), tg.cpu(), ignoreIndex, eps, loss, lse);
        Tensor lo = poisoned(t, rows), so = poisoned(t, rows);
        dut().crossEntropy(x.dev(), tg.dev(), ignoreIndex, eps, lo, so);
        // terms: loss = lse − (1 − ε)·x_t − (ε/C)·Σx cancels logits and lse; dlogits = g·(p − target), p ≤ 1
        double rt = rtol(t), logitScale = maxAbs(x.cpu()) + maxAbs(lse);
        assertClose(loss, lo, rt, atol(t, logitScale), what + " loss");
        assertClose(lse, so, rt, atol(t, logitScale), what + " lse");
        // rowGrad: a broadcast 1/count (stride 0, as a mean produces) and a per-row strided vector
        Pair broadcast = pair(Tensor.scalar(1.0 / rows, t)).view(g -> g.reshape(1).expand(rows));
        Pair perRow = pair(randn(seed + 5, rows, 2).to(t)).view(g -> g.select(1, 1));
        for (Pair rowGrad : List.of(broadcast, perRow)) {
            Tensor d = Tensor.zeros(t, rows, classes);
            REF.crossEntropyBackward(x.cpu(), tg.cpu(), lse, rowGrad.cpu(), ignoreIndex, eps, d);
            Tensor dOut = poisoned(t, rows, classes);
            dut().crossEntropyBackward(x.dev(), tg.dev(), lse.to(device()), rowGrad.dev(), ignoreIndex, eps, dOut);
            assertClose(d, dOut, rt, atol(t, maxAbs(rowGrad.cpu())), what + " dlogits (rowGrad stride "
                    + rowGrad.cpu().stride(0) + ")");
        }
    }

    @Test
    void crossEntropyOfAMinusInfinityLogitWithoutSmoothingIsFinite() {
        float inf = Float.NEGATIVE_INFINITY;
        Pair x = pair(Tensor.of(new float[] {inf, 1, 2, 0.5f, inf, 3}, 2, 3));
        Pair tg = pair(Tensor.of(new long[] {2, 1}));
        Tensor loss = Tensor.zeros(2), lse = Tensor.zeros(2), lo = poisoned(DType.F32, 2), so = poisoned(DType.F32, 2);
        REF.crossEntropy(x.cpu(), tg.cpu(), -100, 0, loss, lse);
        dut().crossEntropy(x.dev(), tg.dev(), -100, 0, lo, so);
        assertClose(loss, lo, F32_RTOL, 1e-5 * 3, "loss with a −∞ logit");   // logits up to 3
        assertClose(lse, so, F32_RTOL, 1e-5 * 3, "lse with a −∞ logit");
    }

    // ---- optimizer updates ---------------------------------------------------------------------------------------

    static final SgdConfig[] SGD_CONFIGS = {
            new SgdConfig(0.1, 0, 0, 0, false),
            new SgdConfig(0.05, 0.9, 0.1, 1e-4, false),
            new SgdConfig(0.05, 0.9, 0, 1e-2, true),
            new SgdConfig(0.2, 0.5, 0.5, 0, false)};

    static final AdamConfig[] ADAM_CONFIGS = {
            new AdamConfig(1e-2, 0.9, 0.999, 1e-8, 0, false, false),
            new AdamConfig(1e-2, 0.9, 0.99, 1e-8, 0.1, false, true),
            new AdamConfig(3e-3, 0.8, 0.95, 1e-6, 0.1, true, false),
            new AdamConfig(3e-3, 0.9, 0.999, 1e-8, 0.01, true, true)};

    /** An (n) view with stride 2 into a fresh device (n, 2) buffer holding {@code values} in column 0. */
    Tensor stridedDeviceCopy(Tensor values) {
        int n = values.numel();
        Tensor base = Tensor.zeros(values.dtype(), n, 2).to(device()).contiguousCopy();
        Tensor view = base.select(1, 0);
        dut().copy(values.to(device()), view);
        return view;
    }

    @Test
    void sgdStepsWithMomentumDampeningNesterovAndWeightDecay() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.BF16}) {
            for (int n : new int[] {1, 7, 1023, 100_003}) {
                for (SgdConfig c : SGD_CONFIGS) {
                    for (boolean first : new boolean[] {true, false}) {
                        boolean strided = n == 7;
                        Tensor p0 = randn(n, n).to(t), g0 = randn(n + 1, n).to(t), b0 = randn(n + 2, n).mul(0.1).to(t);
                        Tensor p = p0.contiguousCopy(), b = b0.contiguousCopy();
                        REF.sgdUpdate(p, g0, c.momentum() == 0 ? null : b, c, first);
                        Tensor pd = strided ? stridedDeviceCopy(p0) : deviceCopy(p0);
                        Tensor bd = strided ? stridedDeviceCopy(b0) : deviceCopy(b0);
                        dut().sgdUpdate(pd, deviceCopy(g0), c.momentum() == 0 ? null : bd, c, first);
                        String what = "sgd " + t + " n=" + n + " " + c + " first=" + first + (strided ? " strided" : "");
                        double[] tol = t == DType.BF16 ? new double[] {0, 0} : tol(t, 1e-6);
                        check(p, pd, tol, what + " param");
                        check(b, bd, tol, what + " momentum buffer");
                    }
                }
            }
        }
    }

    @Test
    void adamAdamwAndAmsgradSteps() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.BF16}) {
            for (int n : new int[] {1, 7, 1023, 100_003}) {
                for (AdamConfig c : ADAM_CONFIGS) {
                    for (long step : new long[] {1, 10}) {
                        boolean strided = n == 7;
                        Generator g = new Generator(n + step);
                        Tensor p0 = Tensor.randn(g, n).to(t), g0 = Tensor.randn(g, n).to(t);
                        Tensor v32 = Tensor.randn(g, n).square().mul(0.01);
                        Tensor m0 = Tensor.randn(g, n).mul(0.1).to(t), v0 = v32.to(t);
                        Tensor vmax0 = v32.mul(Tensor.rand(g, n).add(0.5)).to(t); // some below v, some above
                        Tensor[] ref = {p0.contiguousCopy(), m0.contiguousCopy(), v0.contiguousCopy(), vmax0.contiguousCopy()};
                        REF.adamUpdate(ref[0], g0, ref[1], ref[2], c.amsgrad() ? ref[3] : null, c, step);
                        Tensor[] dev = new Tensor[4];
                        Tensor[] init = {p0, m0, v0, vmax0};
                        for (int i = 0; i < 4; i++) dev[i] = strided ? stridedDeviceCopy(init[i]) : deviceCopy(init[i]);
                        dut().adamUpdate(dev[0], deviceCopy(g0), dev[1], dev[2], c.amsgrad() ? dev[3] : null, c, step);
                        String what = "adam " + t + " n=" + n + " " + c + " step " + step + (strided ? " strided" : "");
                        double[] tol = t == DType.BF16 ? new double[] {0, 0} : tol(t, 1e-6);
                        String[] names = {"param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
                        for (int i = 0; i < 4; i++) check(ref[i], dev[i], tol, what + " " + names[i]);
                    }
                }
            }
        }
    }
}
