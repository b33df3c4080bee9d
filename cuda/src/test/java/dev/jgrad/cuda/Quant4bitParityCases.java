package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.Weight4bit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 4-bit products of the device under test ({@code matmul4bit}, {@code matmul4bitInputGradient}) against the
 * reference backend: NF4 and FP4 code books, block sizes 64 and 128, odd shapes (blocks spanning rows, a row length
 * that is not a multiple of 8, so the matrix-vector kernel decodes nibble by nibble), one row (the matrix-vector
 * kernel) and many (the tiled kernels, more than one 64-row tile), strided inputs and outputs, outputs poisoned
 * with NaN first.
 *
 * <p>Tolerance, element-wise: {@code |a − e| ≤ 1e-5·|e| + 1e-5·M} with {@code M = Σ |x|·|W|} the magnitude of the
 * terms the element sums (computed by the reference on {@code |x|} and the weight with an absolute code book), so a
 * sum that cancels is judged against the rounding of its terms. Both products are float32 sums of up to 4099
 * products on the device and double sums on the reference.
 */
abstract class Quant4bitParityCases extends AttentionParityCases {

    /** bitsandbytes' NF4 table (published values) and FP4 table ({0, 0.0625, 8, 12, 4, 6, 2, 3} with a sign bit, / 12). */
    static final float[] NF4 = {-1.0f, -0.6961928f, -0.52507305f, -0.3949175f, -0.28444138f, -0.18477343f,
            -0.091050036f, 0f, 0.0795803f, 0.1609302f, 0.2461123f, 0.33791524f, 0.44070983f, 0.562617f, 0.72295684f, 1.0f};
    static final float[] FP4 = {0f, 0.0625f / 12, 8f / 12, 12f / 12, 4f / 12, 6f / 12, 2f / 12, 3f / 12,
            -0f, -0.0625f / 12, -8f / 12, -12f / 12, -4f / 12, -6f / 12, -2f / 12, -3f / 12};

    /** A random 4-bit weight (out, in) on the host: random nibbles, block scales in [0.1, 3). */
    static Weight4bit hostWeight(long seed, int out, int in, float[] codebook, int blocksize) {
        Generator g = new Generator(seed);
        int n = out * in;
        byte[] packed = new byte[(n + 1) / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (byte) g.nextInt(256);
        float[] absmax = new float[(n + blocksize - 1) / blocksize];
        for (int b = 0; b < absmax.length; b++) absmax[b] = 0.1f + 2.9f * (float) g.nextDouble();
        return new Weight4bit(new Tensor(new Storage.ByteStorage(DType.U8, packed), packed.length), Tensor.of(absmax),
                codebook, blocksize, out, in);
    }

    /** The same weight with every code-book entry made non-negative: its products are the magnitudes of the terms. */
    static Weight4bit magnitudes(Weight4bit w) {
        float[] abs = new float[16];
        for (int i = 0; i < 16; i++) abs[i] = Math.abs(w.codebook()[i]);
        return new Weight4bit(w.packed(), w.absmax(), abs, w.blocksize(), w.outFeatures(), w.inFeatures());
    }

    Weight4bit onDevice(Weight4bit w) {
        return new Weight4bit(w.packed().to(device()), w.absmax().to(device()), w.codebook(), w.blocksize(),
                w.outFeatures(), w.inFeatures());
    }

    /** |a − e| ≤ 1e-5·|e| + 1e-5·terms, element-wise. */
    static void assertWithinTerms(Tensor expected, Tensor terms, Tensor actual, String what) {
        double[] e = expected.toDoubleArray(), m = terms.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            double tol = 1e-5 * Math.abs(e[i]) + 1e-5 * m[i];
            assertTrue(Math.abs(a[i] - e[i]) <= tol,
                    what + " [" + i + "]: reference " + e[i] + ", device " + a[i] + " (tolerance " + tol + ")");
        }
    }

    @Test
    void fourBitProductsOnOddSizesBothCodeBooksAndBlockSizes() {
        int[][] shapes = {{1, 1}, {7, 15}, {17, 64}, {5, 1023}, {65, 48}, {3, 4099}};
        int cases = 0;
        for (float[] code : new float[][] {NF4, FP4}) {
            for (int bs : new int[] {64, 128}) {
                for (int[] s : shapes) {
                    int out = s[0], in = s[1];
                    Weight4bit w = hostWeight(31L * out + in + bs, out, in, code, bs), wd = onDevice(w);
                    for (int rows : new int[] {1, 2, 17, 70}) {
                        String what = (code == NF4 ? "NF4" : "FP4") + " bs" + bs + " W(" + out + ", " + in + ") rows=" + rows;
                        checkProducts(w, wd, rows, rows == 17, what);
                        cases++;
                    }
                }
            }
        }
        assertTrue(cases == 2 * 2 * shapes.length * 4);
    }

    private void checkProducts(Weight4bit w, Weight4bit wd, int rows, boolean strided, String what) {
        int out = w.outFeatures(), in = w.inFeatures();
        long seed = 7L * rows + out + 1000L * in;
        // x (rows, in): a transposed (in, rows) tensor when strided; y (rows, out) likewise
        Pair x = strided ? pair(randn(seed, in, rows)).view(Tensor::t) : pair(randn(seed, rows, in));
        Tensor y = Tensor.zeros(rows, out), terms = Tensor.zeros(rows, out);
        REF.matmul4bit(x.cpu(), w, y);
        REF.matmul4bit(x.cpu().abs(), magnitudes(w), terms);
        Tensor yd = strided ? poisoned(DType.F32, out, rows).t() : poisoned(DType.F32, rows, out);
        dut().matmul4bit(x.dev(), wd, yd);
        assertWithinTerms(y, terms, yd, what + " y = x·Wᵀ" + (strided ? " (strided x and y)" : ""));

        Pair gy = strided ? pair(randn(seed + 1, out, rows)).view(Tensor::t) : pair(randn(seed + 1, rows, out));
        Tensor gx = Tensor.zeros(rows, in), gterms = Tensor.zeros(rows, in);
        REF.matmul4bitInputGradient(gy.cpu(), w, gx);
        REF.matmul4bitInputGradient(gy.cpu().abs(), magnitudes(w), gterms);
        Tensor gxd = strided ? poisoned(DType.F32, in, rows).t() : poisoned(DType.F32, rows, in);
        dut().matmul4bitInputGradient(gy.dev(), wd, gxd);
        assertWithinTerms(gx, gterms, gxd, what + " gx = gy·W" + (strided ? " (strided gy and gx)" : ""));
    }

    @Test
    void fourBitProductsWithNoRowsOrAnEmptySide() {
        Weight4bit w = hostWeight(5, 9, 32, NF4, 64), wd = onDevice(w);
        Tensor y = poisoned(DType.F32, 0, 9), gx = poisoned(DType.F32, 0, 32);
        dut().matmul4bit(Tensor.zeros(0, 32).to(device()), wd, y);
        dut().matmul4bitInputGradient(Tensor.zeros(0, 9).to(device()), wd, gx);
        assertTrue(y.numel() == 0 && gx.numel() == 0);
        Weight4bit noOutputs = onDevice(hostWeight(6, 0, 32, NF4, 64));   // W (0, 32): gx must be zeros
        Tensor gx0 = poisoned(DType.F32, 3, 32);
        dut().matmul4bitInputGradient(Tensor.zeros(3, 0).to(device()), noOutputs, gx0);
        assertExact(Tensor.zeros(3, 32), gx0, "gy (3, 0) · W (0, 32)");
    }
}
