package dev.jgrad.cuda;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The CPU references the GPU kernels are compared with, checked against facts that do not depend on them:
 * normalized rows have mean 0 and variance 1, gradient rows of a softmax loss sum to 0, attention to a single
 * key returns its value, Adam's first step is −lr·g/(|g| + eps), a rotation keeps lengths and its inverse
 * undoes it, and a hand-packed 4-bit byte decodes to the code book entries.
 */
class FusedReferencesTest {

    private static final Generator G = new Generator(5);

    @Test
    void layerNormRowsAreStandardizedAndItsInputGradientRowsSumToZero() {
        Tensor x = Tensor.randn(G, 3, 17).mul(4).add(2);
        Tensor[] r = FusedReferences.layerNorm(x, Tensor.ones(17), Tensor.zeros(17), 1e-5, Tensor.randn(G, 3, 17));
        double[] mean = r[0].mean(-1, false).toDoubleArray(), var = r[0].var(-1, false, 0).toDoubleArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, mean[i], 1e-6);
            assertEquals(1, var[i], 1e-4);
        }
        for (double s : r[3].sum(-1, false).toDoubleArray()) assertEquals(0, s, 1e-5);
        assertArrayEquals(new int[] {3}, r[1].shape());
    }

    @Test
    void rmsNormRowsHaveUnitMeanSquare() {
        Tensor[] r = FusedReferences.rmsNorm(Tensor.randn(G, 4, 9).mul(3), Tensor.ones(9), 0, Tensor.randn(G, 4, 9));
        for (double ms : r[0].square().mean(-1, false).toDoubleArray()) assertEquals(1, ms, 1e-5);
    }

    @Test
    void crossEntropyMatchesTheUnsmoothedFormulaAndItsGradientRowsSumToZero() {
        Tensor logits = Tensor.of(new float[] {1, 2, 3, 0, 0, 0}, 2, 3);
        Tensor[] r = FusedReferences.crossEntropy(logits, new long[] {2, -100}, -100, 0, Tensor.ones(2));
        double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
        assertEquals(lse - 3, r[0].get(0), 1e-6);
        assertEquals(0, r[0].get(1), 0);                     // ignored row
        assertEquals(Math.log(3), r[1].get(1), 1e-6);
        double[] g = r[2].toDoubleArray();
        assertEquals(0, g[0] + g[1] + g[2], 1e-6);
        assertEquals(Math.exp(3 - lse) - 1, g[2], 1e-6);
        assertArrayEquals(new double[] {0, 0, 0}, java.util.Arrays.copyOfRange(g, 3, 6), 0.0); // ±0
        // smoothing ε: loss = (1 − ε)(lse − x_t) + ε(lse − mean x)
        Tensor[] s = FusedReferences.crossEntropy(logits, new long[] {2, 0}, -100, 0.1, Tensor.ones(2));
        assertEquals(0.9 * (lse - 3) + 0.1 * (lse - 2), s[0].get(0), 1e-6);
    }

    @Test
    void attentionToOneVisibleKeyReturnsItsValue() {
        Tensor q = Tensor.randn(G, 1, 2, 3, 4), k = Tensor.randn(G, 1, 1, 3, 4), v = Tensor.randn(G, 1, 1, 3, 4);
        Tensor[] r = FusedReferences.attention(q, k, v, 0.5, true, Tensor.ones(1, 2, 3, 4));
        // causal: query 0 sees key 0 only, in both query heads (GQA: one kv head)
        for (int h = 0; h < 2; h++)
            for (int d = 0; d < 4; d++) assertEquals(v.get(0, 0, 0, d), r[0].get(0, h, 0, d), 1e-6);
        assertEquals(0.5 * dot(q, k, 0), r[1].get(0, 0, 0), 1e-5); // lse of one score = the score
        assertArrayEquals(k.shape(), r[3].shape());
    }

    private static double dot(Tensor q, Tensor k, int h) {
        double s = 0;
        for (int d = 0; d < 4; d++) s += q.get(0, h, 0, d) * k.get(0, 0, 0, d);
        return s;
    }

    @Test
    void adamFirstStepIsLrTimesGradOverItsMagnitude() {
        double[] p = {1, -2, 3}, g = {0.5, -0.25, 2}, m = new double[3], v = new double[3];
        FusedReferences.adam(p, g, m, v, 1, 0.1, 0.9, 0.999, 1e-8, 0, true, 1);
        assertArrayEquals(new double[] {0.9, -1.9, 2.9}, p, 1e-6);
        double[] w = {1};
        FusedReferences.adam(w, new double[] {0}, new double[1], new double[1], 1, 0.1, 0.9, 0.999, 1e-8, 0.5, true, 1);
        assertEquals(0.95, w[0], 1e-12); // AdamW decay alone: p·(1 − lr·wd)
        double[] s = {1}, buf = new double[1];
        FusedReferences.sgd(s, new double[] {2}, buf, 0.1, 0.9, 0, 0, false, true, 1);
        FusedReferences.sgd(s, new double[] {2}, buf, 0.1, 0.9, 0, 0, false, false, 1);
        assertEquals(1 - 0.2 - 0.1 * (0.9 * 2 + 2), s[0], 1e-12);
    }

    @Test
    void ropeKeepsPairLengthsAndItsInverseUndoesIt() {
        Tensor[] tables = RopeTables.build(8, 6, 10000);
        Tensor x = Tensor.randn(G, 2, 5, 8);
        Tensor y = FusedReferences.rope(x, tables[0], tables[1], 6, false, false, 2);
        Tensor back = FusedReferences.rope(y, tables[0], tables[1], 6, false, true, 2);
        float[] a = x.toFloatArray(), b = back.toFloatArray(), yy = y.toFloatArray();
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5);
        // pair (0, 3) of row 0 keeps its length; dims 6, 7 pass through
        assertEquals(Math.hypot(a[0], a[3]), Math.hypot(yy[0], yy[3]), 1e-5);
        assertEquals(a[6], yy[6]);
        // position 2 of row 0 (t = 0 + offset 2), frequency 0: angle 2
        assertEquals(a[0] * Math.cos(2) - a[3] * Math.sin(2), yy[0], 1e-5);
    }

    @Test
    void fourBitDecodingReadsTheHighNibbleFirst() {
        float[] code = new float[16];
        for (int i = 0; i < 16; i++) code[i] = i - 8;
        byte[] packed = {(byte) 0x1F, (byte) 0xA0};
        float[] out = FusedReferences.dequantize4bit(packed, new float[] {2f, 3f}, code, 2, 3);
        assertArrayEquals(new float[] {(1 - 8) * 2f, (15 - 8) * 2f, (10 - 8) * 3f}, out);
    }
}
