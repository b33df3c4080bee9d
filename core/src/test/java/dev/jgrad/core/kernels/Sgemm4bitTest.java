package dev.jgrad.core.kernels;

import dev.jgrad.core.Generator;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fused 4-bit kernels: a hand-computed product, both implementations against an independent
 * decode-then-{@link ReferenceSgemm}, and {@link VectorSgemm4bit} against {@link ReferenceSgemm4bit} on odd sizes,
 * NF4 and FP4 code books, block sizes 32 to 256. Shapes with {@code in} a multiple of 2·lanes take the in-register
 * decoder; the others the row-buffer path. (Surefire runs this class twice: at the preferred vector width and
 * with {@code -XX:MaxVectorSize=32}, 8 lanes.)
 */
public class Sgemm4bitTest {

    /** bitsandbytes' NF4 table (published values) and FP4 table ({0, 0.0625, 8, 12, 4, 6, 2, 3} with a sign bit, / 12). */
    public static final float[] NF4 = {-1.0f, -0.6961928f, -0.52507305f, -0.3949175f, -0.28444138f, -0.18477343f, -0.091050036f,
            0f, 0.0795803f, 0.1609302f, 0.2461123f, 0.33791524f, 0.44070983f, 0.562617f, 0.72295684f, 1.0f};
    public static final float[] FP4 = fp4();

    private static final int[] OUTS = {1, 7, 17, 64};
    private static final int[] INS = {1, 7, 15, 17, 32, 64, 96, 1023, 1024};
    private static final int[] MS = {1, 2, 5, 17};

    private final Sgemm4bit reference = new ReferenceSgemm4bit();
    private final Sgemm4bit vector = new VectorSgemm4bit();

    private static float[] fp4() {
        float[] raw = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f};
        float[] t = new float[16];
        for (int i = 0; i < 16; i++) t[i] = raw[i] / 12f;
        return t;
    }

    @Test
    void reportsLanes() {
        System.out.println("VectorSgemm4bit lanes: " + VectorSgemm4bit.lanes());
        assertTrue(VectorSgemm4bit.decodesInRegisters(), "this machine's vectors should take the in-register path");
    }

    /**
     * By hand: code book {@code i − 8}; bytes 0x19, 0x8F, 0xA0 hold nibbles 1, 9, 8, 15, 10, 0 (high nibble first),
     * i.e. −7, 1, 0, 7, 2, −8; blocks of 4 with absmax 0.5 and 2, so the first block spans both rows:
     * {@code W = [[−3.5, 0.5, 0], [3.5, 4, −16]]}. With {@code x = (1, 2, 3)}: {@code y = (−2.5, −36.5)}; with
     * {@code gy = (1, −1)}: {@code gx = (−7, −3.5, 16)}.
     */
    @Test
    void aHandComputedProduct() {
        Packed4bit w = handWeight();
        for (Sgemm4bit kernel : new Sgemm4bit[] {reference, vector}) {
            float[] y = new float[2], gx = new float[3];
            kernel.matvec(w, new float[] {1, 2, 3}, 0, y, 0);
            assertArrayEquals(new float[] {-2.5f, -36.5f}, y, kernel.getClass().getSimpleName());
            kernel.inputGradient(w, 1, new float[] {1, -1}, 0, gx, 0);
            assertArrayEquals(new float[] {-7f, -3.5f, 16f}, gx, kernel.getClass().getSimpleName());
        }
    }

    public static Packed4bit handWeight() {
        float[] code = new float[16];
        for (int i = 0; i < 16; i++) code[i] = i - 8;
        return new Packed4bit(new byte[] {0x19, (byte) 0x8F, (byte) 0xA0}, new float[] {0.5f, 2f}, code, 4, 2, 3);
    }

    @Test
    void bothAgreeWithDecodeThenSgemm() {
        Generator g = new Generator(1);
        ReferenceSgemm sgemm = new ReferenceSgemm();
        for (int out : new int[] {1, 7, 17}) {
            for (int in : new int[] {1, 15, 17, 64, 96, 1023}) {
                Packed4bit w = weight(g, out, in, NF4, 32);
                float[] wd = decode(w);
                for (int m : new int[] {1, 5}) {
                    float[] x = random(g, m * in), gy = random(g, m * out);
                    float[] yExpected = new float[m * out], gxExpected = new float[m * in];
                    sgemm.sgemm(false, true, m, out, in, 1f, x, 0, in, wd, 0, in, 0f, yExpected, 0, out);
                    sgemm.sgemm(false, false, m, in, out, 1f, gy, 0, out, wd, 0, in, 0f, gxExpected, 0, in);
                    for (Sgemm4bit kernel : new Sgemm4bit[] {reference, vector}) {
                        String label = kernel.getClass().getSimpleName() + " " + out + "x" + in + " m=" + m;
                        float[] y = new float[m * out], gx = new float[m * in];
                        kernel.matmul(w, m, x, 0, y, 0);
                        kernel.inputGradient(w, m, gy, 0, gx, 0);
                        // ReferenceSgemm sums in double too; the vector kernels in float32 (|sum| of up to ~1023
                        // products of size ~3 each).
                        float tolerance = kernel == reference ? 1e-5f : 2e-3f;
                        assertArrayEquals(yExpected, y, tolerance, label + " matmul");
                        assertArrayEquals(gxExpected, gx, tolerance, label + " inputGradient");
                    }
                }
            }
        }
    }

    @Test
    void vectorMatchesReferenceOnOddSizes() {
        Generator g = new Generator(2);
        int cases = 0;
        for (int out : OUTS) {
            for (int in : INS) {
                for (int bs : new int[] {32, 64, 128, 256}) {
                    float[] code = (out + in + bs) % 2 == 0 ? NF4 : FP4;
                    Packed4bit w = weight(g, out, in, code, bs);
                    for (int m : MS) {
                        check(w, m, g, out + "x" + in + " bs" + bs + (code == NF4 ? " NF4" : " FP4") + " m=" + m);
                        cases++;
                    }
                }
            }
        }
        assertEquals(OUTS.length * INS.length * 4 * MS.length, cases);
    }

    @Test
    void blocksSmallerThanAGroupTakeTheRowBufferPath() {
        Generator g = new Generator(5);
        for (int bs : new int[] {2, 8, 16}) { // below 2·lanes: a group would straddle two blocks
            Packed4bit w = weight(g, 9, 64, NF4, bs);
            check(w, 1, g, "9x64 bs" + bs + " m=1");
            check(w, 6, g, "9x64 bs" + bs + " m=6");
        }
    }

    @Test
    void vectorMatchesReferenceOnALargerAlignedWeight() {
        Generator g = new Generator(3);
        Packed4bit w = weight(g, 131, 2048, NF4, 64); // 131 rows: panels end mid-tile
        check(w, 1, g, "131x2048 m=1");
        check(w, 9, g, "131x2048 m=9");
    }

    @Test
    void offsetsAndBoundsAreHonoured() {
        Generator g = new Generator(4);
        Packed4bit w = weight(g, 9, 64, NF4, 64);
        float[] x = random(g, 3 + 2 * 64);
        float[] y = new float[5 + 2 * 9 + 1];
        Arrays.fill(y, 42f);
        vector.matmul(w, 2, x, 3, y, 5);
        float[] yRef = new float[2 * 9];
        reference.matmul(w, 2, Arrays.copyOfRange(x, 3, x.length), 0, yRef, 0);
        assertArrayEquals(yRef, Arrays.copyOfRange(y, 5, 5 + 18), 1e-4f);
        assertEquals(42f, y[4]);
        assertEquals(42f, y[23]);
        assertThrows(IndexOutOfBoundsException.class, () -> vector.matmul(w, 3, x, 3, y, 5));
        assertThrows(IndexOutOfBoundsException.class, () -> vector.inputGradient(w, 2, new float[17], 0, new float[128], 0));
    }

    @Test
    void aShortOrMalformedWeightIsRefused() {
        float[] code = NF4;
        assertThrows(IllegalArgumentException.class, () -> new Packed4bit(new byte[4], new float[1], code, 64, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new Packed4bit(new byte[5], new float[0], code, 64, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new Packed4bit(new byte[5], new float[1], code, 48, 3, 3));
        assertThrows(IllegalArgumentException.class, () -> new Packed4bit(new byte[5], new float[1], new float[15], 64, 3, 3));
    }

    private void check(Packed4bit w, int m, Generator g, String label) {
        int out = w.rows(), in = w.cols();
        float[] x = random(g, m * in), gy = random(g, m * out);
        float[] absW = decode(w);
        for (int i = 0; i < absW.length; i++) absW[i] = Math.abs(absW[i]);

        float[] yRef = new float[m * out], yVec = new float[m * out];
        reference.matmul(w, m, x, 0, yRef, 0);
        Arrays.fill(yVec, Float.NaN); // outputs are overwritten, not accumulated
        vector.matmul(w, m, x, 0, yVec, 0);
        for (int i = 0; i < m; i++) {
            for (int o = 0; o < out; o++) {
                double scale = 0;
                for (int k = 0; k < in; k++) scale += Math.abs(x[i * in + k]) * absW[o * in + k];
                assertEquals(yRef[i * out + o], yVec[i * out + o], 2e-6 * scale + 1e-30, label + " matmul (" + i + ", " + o + ")");
            }
        }
        if (m == 1) {
            float[] yMv = new float[out];
            vector.matvec(w, x, 0, yMv, 0);
            assertArrayEquals(yVec, yMv, label + " matvec equals matmul with m=1");
        }

        float[] gxRef = new float[m * in], gxVec = new float[m * in];
        Arrays.fill(gxVec, Float.NaN);
        reference.inputGradient(w, m, gy, 0, gxRef, 0);
        vector.inputGradient(w, m, gy, 0, gxVec, 0);
        for (int i = 0; i < m; i++) {
            for (int k = 0; k < in; k++) {
                double scale = 0;
                for (int o = 0; o < out; o++) scale += Math.abs(gy[i * out + o]) * absW[o * in + k];
                assertEquals(gxRef[i * in + k], gxVec[i * in + k], 2e-6 * scale + 1e-30, label + " inputGradient (" + i + ", " + k + ")");
            }
        }
    }

    /** The weight decoded densely, written independently of the kernels: byte j holds elements 2j (high) and 2j+1. */
    public static float[] decode(Packed4bit w) {
        int n = w.rows() * w.cols();
        float[] out = new float[n];
        for (int j = 0; 2 * j < n; j++) {
            int b = w.packed()[j] & 0xff;
            out[2 * j] = w.codebook()[b >> 4] * w.absmax()[2 * j / w.blocksize()];
            if (2 * j + 1 < n) out[2 * j + 1] = w.codebook()[b & 15] * w.absmax()[(2 * j + 1) / w.blocksize()];
        }
        return out;
    }

    /** Random nibbles (a zero row when out > 2) and positive block scales. */
    public static Packed4bit weight(Generator g, int out, int in, float[] code, int bs) {
        int n = out * in;
        byte[] packed = new byte[(n + 1) / 2];
        for (int i = 0; i < packed.length; i++) packed[i] = (byte) g.nextInt(256);
        float[] absmax = new float[(n + bs - 1) / bs];
        for (int b = 0; b < absmax.length; b++) absmax[b] = 0.1f + (float) Math.abs(g.nextGaussian());
        int zero = code == NF4 ? 7 : 0;
        if (out > 2) for (int f = in; f < 2 * in; f++) setNibble(packed, f, zero);
        return new Packed4bit(packed, absmax, code, bs, out, in);
    }

    private static void setNibble(byte[] packed, int f, int nibble) {
        int b = packed[f / 2] & 0xff;
        packed[f / 2] = (byte) (f % 2 == 0 ? (b & 0x0f) | nibble << 4 : (b & 0xf0) | nibble);
    }

    static float[] random(Generator g, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) g.nextGaussian();
        return v;
    }
}
