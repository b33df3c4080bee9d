package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import static dev.jgrad.cuda.BackendParityCases.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Every fused kernel of {@link CudaKernels} against its float64 CPU reference ({@link FusedReferences}) on odd
 * sizes, with NaN-poisoned outputs. Tolerances: 1e-5 relative, with an absolute floor of 1e-5·√(terms summed).
 */
@RequiresCuda
class CudaKernelsGpuTest {

    private static final Device GPU = Device.cuda(0);
    private final Generator gen = new Generator(2024);

    private CudaKernels k() {
        return CudaKernels.on(GPU);
    }

    private Tensor randn(int... shape) {
        return Tensor.randn(gen, shape);
    }

    private static Tensor nan(int... shape) {
        Tensor t = Tensor.empty(DType.F32, GPU, shape);
        t.backend().fill(t, Double.NaN);
        return t;
    }

    private static Tensor gpu(Tensor t) {
        return t.to(GPU);
    }

    @Test
    void layerNormForwardAndBackward() {
        for (int[] s : new int[][] {{1, 1}, {7, 15}, {17, 1023}, {300, 768}}) {
            int rows = s[0], cols = s[1];
            Tensor x = randn(rows, cols).mul(3).add(1), w = randn(cols), b = randn(cols), dy = randn(rows, cols);
            Tensor[] ref = FusedReferences.layerNorm(x, w, b, 1e-5, dy);
            Tensor out = nan(rows, cols), mean = nan(rows), rstd = nan(rows);
            k().layerNormForward(gpu(x), gpu(w), gpu(b), 1e-5f, out, mean, rstd);
            String what = "layerNorm " + rows + "x" + cols;
            assertClose(ref[0], out, 1e-5, 1e-5, what);
            assertClose(ref[1], mean, 1e-5, 1e-5, what + " mean");
            assertClose(ref[2], rstd, 1e-5, 1e-5, what + " rstd");
            Tensor dx = nan(rows, cols), dw = nan(cols), db = nan(cols);
            k().layerNormBackward(gpu(dy), gpu(x), gpu(w), mean, rstd, dx, dw, db, false);
            assertClose(ref[3], dx, 1e-5, 1e-5, what + " dx");
            assertClose(ref[4], dw, 1e-5, 1e-5 * Math.sqrt(rows), what + " dWeight");
            assertClose(ref[5], db, 1e-5, 1e-5 * Math.sqrt(rows), what + " dBias");
        }
    }

    @Test
    void rmsNormForwardAndBackward() {
        for (int[] s : new int[][] {{1, 1}, {7, 15}, {17, 1023}, {513, 4096}}) {
            int rows = s[0], cols = s[1];
            Tensor x = randn(rows, cols).mul(2), w = randn(cols), dy = randn(rows, cols);
            Tensor[] ref = FusedReferences.rmsNorm(x, w, 1e-6, dy);
            Tensor out = nan(rows, cols), rstd = nan(rows), dx = nan(rows, cols), dw = nan(cols);
            k().rmsNormForward(gpu(x), gpu(w), 1e-6f, out, rstd);
            k().rmsNormBackward(gpu(dy), gpu(x), gpu(w), rstd, dx, dw, false);
            String what = "rmsNorm " + rows + "x" + cols;
            assertClose(ref[0], out, 1e-5, 1e-5, what);
            assertClose(ref[1], rstd, 1e-5, 1e-5, what + " rstd");
            assertClose(ref[2], dx, 1e-5, 1e-5, what + " dx");
            assertClose(ref[3], dw, 1e-5, 1e-5 * Math.sqrt(rows), what + " dWeight");
        }
    }

    @Test
    void crossEntropyWithIgnoredRowsAndLabelSmoothing() {
        for (int[] s : new int[][] {{1, 7}, {17, 15}, {65, 50257}}) {
            int rows = s[0], v = s[1];
            Tensor logits = randn(rows, v).mul(3);
            long[] targets = new long[rows];
            for (int r = 0; r < rows; r++) targets[r] = r % 5 == 3 ? -100 : (r * 7919L) % v;
            for (double eps : new double[] {0, 0.1}) {
                Tensor gradLoss = Tensor.full(1.0 / rows, rows);
                Tensor[] ref = FusedReferences.crossEntropy(logits, targets, -100, eps, gradLoss);
                Tensor loss = nan(rows), lse = nan(rows), dl = nan(rows, v);
                Tensor t = gpu(Tensor.of(targets));
                k().crossEntropyForward(gpu(logits), t, -100, (float) eps, loss, lse);
                k().crossEntropyBackward(gpu(logits), t, lse, gpu(Tensor.scalar(1.0 / rows)), -100, (float) eps, dl);
                String what = "cross-entropy " + rows + "x" + v + " eps " + eps;
                assertClose(ref[0], loss, 1e-5, 1e-5, what + " loss");
                assertClose(ref[1], lse, 1e-5, 1e-5, what + " lse");
                assertClose(ref[2], dl, 1e-5, 1e-7, what + " dlogits");
            }
        }
    }

    @Test
    void adamAdamwAndSgdSteps() {
        int n = 100_003;
        float[] p0 = randn(n).toFloatArray(), g0 = randn(n).toFloatArray(), m0 = randn(n).mul(0.1).toFloatArray();
        float[] v0 = randn(n).square().mul(0.01).toFloatArray();
        for (boolean decoupled : new boolean[] {true, false}) {
            double[] p = toDouble(p0), g = toDouble(g0), m = toDouble(m0), v = toDouble(v0);
            FusedReferences.adam(p, g, m, v, 7, 1e-3, 0.9, 0.95, 1e-8, 0.1, decoupled, 0.5);
            Tensor pt = gpu(Tensor.of(p0.clone())), mt = gpu(Tensor.of(m0.clone())), vt = gpu(Tensor.of(v0.clone()));
            k().adamStep(pt, gpu(Tensor.of(g0)), mt, vt, 7, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, decoupled, 0.5f);
            assertClose(Tensor.of(p), pt, 1e-5, 1e-7, "adam param decoupled=" + decoupled);
            assertClose(Tensor.of(m), mt, 1e-5, 1e-7, "adam m");
            assertClose(Tensor.of(v), vt, 1e-5, 1e-9, "adam v");
        }
        for (boolean nesterov : new boolean[] {false, true}) {
            double[] p = toDouble(p0), buf = toDouble(m0);
            FusedReferences.sgd(p, toDouble(g0), buf, 0.05, 0.9, 0.1, 1e-4, nesterov, false, 1);
            Tensor pt = gpu(Tensor.of(p0.clone())), bt = gpu(Tensor.of(m0.clone()));
            k().sgdStep(pt, gpu(Tensor.of(g0)), bt, 0.05f, 0.9f, 0.1f, 1e-4f, nesterov, false, 1f);
            assertClose(Tensor.of(p), pt, 1e-5, 1e-7, "sgd nesterov=" + nesterov);
            assertClose(Tensor.of(buf), bt, 1e-5, 1e-7, "sgd buffer");
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    @Test
    void flashAttentionForwardAndBackwardWithGqaCausalAndKvCache() {
        for (int d : Kernels.ATTENTION_HEAD_DIMS) {
            for (int[] t : new int[][] {{1, 1}, {17, 17}, {64, 64}, {33, 70}, {1, 70}}) {
                for (boolean causal : new boolean[] {false, true}) {
                    int tq = t[0], tk = t[1];
                    Tensor q = randn(2, 4, tq, d), kk = randn(2, 2, tk, d), v = randn(2, 2, tk, d), dOut = randn(2, 4, tq, d);
                    float scale = (float) (1 / Math.sqrt(d));
                    Tensor[] ref = FusedReferences.attention(q, kk, v, scale, causal, dOut);
                    Tensor out = nan(2, 4, tq, d), lse = nan(2, 4, tq);
                    Tensor qg = gpu(q), kg = gpu(kk), vg = gpu(v);
                    k().attentionForward(qg, kg, vg, scale, causal, out, lse);
                    String what = "attention D=" + d + " Tq=" + tq + " Tk=" + tk + " causal=" + causal;
                    assertClose(ref[0], out, 1e-5, 1e-5, what + " out");
                    assertClose(ref[1], lse, 1e-5, 1e-5, what + " lse");
                    Tensor dq = nan(2, 4, tq, d), dk = nan(2, 2, tk, d), dv = nan(2, 2, tk, d);
                    k().attentionBackward(qg, kg, vg, out, gpu(dOut), lse, scale, causal, dq, dk, dv);
                    double floor = 1e-5 * Math.sqrt(2.0 * Math.max(tq, tk));
                    assertClose(ref[2], dq, 1e-5, floor, what + " dq");
                    assertClose(ref[3], dk, 1e-5, floor, what + " dk");
                    assertClose(ref[4], dv, 1e-5, floor, what + " dv");
                }
            }
        }
    }

    @Test
    void ropeBothPairingsForwardAndInverse() {
        Tensor[] tables = CudaKernels.ropeTables(64, 48, 10000);
        Tensor cos = gpu(tables[0]), sin = gpu(tables[1]);
        Tensor x = randn(2, 3, 17, 64);
        for (boolean interleaved : new boolean[] {false, true}) {
            for (boolean inverse : new boolean[] {false, true}) {
                Tensor ref = FusedReferences.rope(x, tables[0], tables[1], 48, interleaved, inverse, 5);
                Tensor out = nan(2, 3, 17, 64);
                k().rope(gpu(x), cos, sin, 48, interleaved, inverse, 5, out);
                assertClose(ref, out, 1e-5, 1e-6, "rope interleaved=" + interleaved + " inverse=" + inverse);
            }
        }
        Tensor inPlace = gpu(x);
        k().rope(inPlace, cos, sin, 48, false, false, 5, inPlace);
        assertClose(FusedReferences.rope(x, tables[0], tables[1], 48, false, false, 5), inPlace, 1e-5, 1e-6, "in place");
    }

    @Test
    void embeddingForwardAndDeterministicBackward() {
        Tensor weight = randn(1000, 33);
        long[] ids = new long[4099];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 31L * i) % 997;
        Tensor idT = Tensor.of(ids);
        Tensor out = nan(ids.length, 33);
        k().embeddingForward(gpu(weight), gpu(idT), out);
        assertClose(weight.indexSelect(0, idT), out, 0, 0, "embedding forward");
        Tensor dOut = randn(ids.length, 33);
        Tensor expected = Tensor.zeros(1000, 33);
        BackendParityCases.REF.indexAdd(expected, 0, idT, dOut);
        Tensor d1 = gpu(Tensor.zeros(1000, 33)), d2 = gpu(Tensor.zeros(1000, 33));
        k().embeddingBackward(gpu(dOut), gpu(idT), d1);
        k().embeddingBackward(gpu(dOut), idT, d2);
        assertClose(expected, d1, 1e-5, 1e-5, "embedding backward");
        assertArrayEquals(d1.toFloatArray(), d2.toFloatArray(), "bit-identical runs (device and host ids)");
    }

    @Test
    void fourBitDequantizeMatvecAndMatmul() {
        float[] nf4 = {-1.0f, -0.6961928f, -0.52507305f, -0.3949175f, -0.28444138f, -0.18477343f, -0.091050036f, 0f,
                0.0795803f, 0.1609302f, 0.2461123f, 0.33791524f, 0.44070983f, 0.562617f, 0.72295684f, 1.0f};
        for (int[] s : new int[][] {{1, 64}, {7, 15}, {17, 1024}, {301, 4096}}) {
            int rows = s[0], cols = s[1], n = rows * cols, bs = 64;
            byte[] packed = new byte[(n + 1) / 2];
            for (int i = 0; i < packed.length; i++) packed[i] = (byte) ((i * 2654435761L) >>> 13);
            float[] absmax = randn((n + bs - 1) / bs).abs().add(0.1).toFloatArray();
            float[] w = FusedReferences.dequantize4bit(packed, absmax, nf4, bs, n);
            Tensor pk = gpu(new Tensor(new dev.jgrad.core.Storage.ByteStorage(DType.U8, packed), packed.length));
            Tensor am = gpu(Tensor.of(absmax));
            Tensor deq = nan(n);
            k().dequantize4bit(pk, am, nf4, bs, deq);
            assertClose(Tensor.of(w), deq, 0, 0, "dequantize " + rows + "x" + cols);
            Tensor wt = Tensor.of(w, rows, cols);
            Tensor x = randn(cols), y = nan(rows);
            k().matvec4bit(pk, am, nf4, bs, rows, cols, gpu(x), y);
            assertClose(wt.matmul(x), y, 1e-5, 1e-5 * Math.sqrt(cols), "matvec " + rows + "x" + cols);
            Tensor xs = randn(37, cols), ys = nan(37, rows);
            k().matmul4bit(pk, am, nf4, bs, rows, cols, gpu(xs), ys);
            assertClose(xs.matmul(wt.t()), ys, 1e-5, 1e-5 * Math.sqrt(cols), "matmul " + rows + "x" + cols);
        }
    }
}
