package dev.jgrad.core.kernels;

import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.parallel.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Int8Matmul} on the Vector API: integer dot products of int8 blocks, split over {@link Parallel}.
 *
 * <p><b>The widening multiply-add.</b> With {@code L} int lanes (16 on AVX-512, 8 on AVX2), one step takes
 * {@code L} weight quants and {@code L} activation quants: each is loaded as {@code L} bytes and sign-extended to
 * {@code L} shorts ({@code vpmovsxbw}), the shorts are multiplied ({@code vpmullw}: a product of two int8 values,
 * at most 16384 in magnitude, is exact in 16 bits), and the products are sign-extended to {@code L} ints and added
 * into an int accumulator. Every conversion keeps the lane count and only doubles the width, the shape C2 maps
 * onto single instructions. A block of 32 takes {@code 32/L} steps; its int lanes are then converted to float and
 * multiplied by {@code d_w·d_x} into a float accumulator ({@code vcvtdq2ps} + one FMA per block), which is reduced
 * across lanes once per row. Q4_0's nibbles are unpacked in byte lanes first ({@code (b & 15) − 8} is value
 * {@code j}, {@code (b >>> 4) − 8} value {@code j + 16}), so both weight types share the same multiply-add.
 *
 * <p><b>matvec and GEMM.</b> The activations are quantized once per call (O(m·in), serial). Threads split the
 * weight rows. For {@code m = 1} each row streams its blocks once (~1.06 bytes a weight for Q8_0, ~0.56 for Q4_0:
 * this is what makes decoding fast). For {@code m > 1} each weight step, once loaded and widened, is multiplied
 * with four activation rows (four accumulators), so a weight row is read {@code ⌈m/4⌉} times from L1 rather than
 * {@code m} times; remaining rows take the one-row path.
 *
 * <p>Each output is summed by one thread in a fixed order: results do not depend on the thread count. Machines
 * with vectors narrower than 256 bits (fewer than 8 int lanes) take {@link ReferenceInt8Matmul}'s path.
 */
public final class VectorInt8Matmul implements Int8Matmul {

    static final VectorSpecies<Integer> I = chooseSpecies();
    static final int L = I.length();
    static final boolean VECTORIZED = L >= 8;
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, I.vectorShape());
    static final VectorSpecies<Short> S = VECTORIZED ? VectorSpecies.of(short.class, VectorShape.forBitSize(16 * L)) : null;
    static final VectorSpecies<Byte> B = VECTORIZED ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;

    private static final ReferenceInt8Matmul SCALAR = new ReferenceInt8Matmul();

    private static VectorSpecies<Integer> chooseSpecies() {
        int bits = IntVector.SPECIES_PREFERRED.vectorBitSize();
        return bits >= 512 ? IntVector.SPECIES_512 : bits >= 256 ? IntVector.SPECIES_256 : IntVector.SPECIES_PREFERRED;
    }

    /** Int lanes per vector in use (8 or 16 when vectorized). */
    public static int lanes() {
        return L;
    }

    @Override
    public void matmul(GgufType type, byte[] w, int out, int in, float[] x, int xOff, int m, float[] y, int yOff) {
        int rowBytes = Int8Matmul.check(type, w, out, in, x, xOff, m, y, yOff);
        if (!VECTORIZED) {
            SCALAR.matmul(type, w, out, in, x, xOff, m, y, yOff);
            return;
        }
        if (m == 0 || out == 0) return;
        int blocks = in / BLOCK;
        byte[] q = new byte[m * in];                 // (m, in) activation quants
        float[] d = new float[m * blocks];           // (m, in/32) activation scales
        Int8Matmul.quantizeActivations(x, xOff, m * in, q, 0, d, 0);
        boolean q4 = type == GgufType.Q4_0;
        int grain = Math.max(1, 65_536 / Math.max(1, in * m));   // about 64k multiply-adds per task
        Parallel.forRange(out, grain, (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                int i = 0;
                for (; i + 4 <= m; i += 4) rows4(q4, w, o * rowBytes, blocks, q, d, i, in, y, yOff + i * out + o, out);
                for (; i < m; i++) y[yOff + i * out + o] = row1(q4, w, o * rowBytes, blocks, q, d, i * in, i * blocks);
            }
        });
    }

    /** One weight row (blocks from {@code wAt}) times one activation row (quants from {@code xq}, scales from {@code xd}). */
    private static float row1(boolean q4, byte[] w, int wAt, int blocks, byte[] q, float[] d, int xq, int xd) {
        FloatVector acc = FloatVector.zero(F);
        int blockBytes = q4 ? 18 : 34;
        for (int b = 0; b < blocks; b++) {
            int at = wAt + b * blockBytes, xb = xq + b * BLOCK;
            IntVector sumi = IntVector.zero(I);
            if (q4) {
                for (int h = 0; h < 16; h += L) {
                    ByteVector bytes = ByteVector.fromArray(B, w, at + 2 + h);
                    sumi = sumi.add(mulWiden(low(bytes), ByteVector.fromArray(B, q, xb + h)))
                               .add(mulWiden(high(bytes), ByteVector.fromArray(B, q, xb + 16 + h)));
                }
            } else {
                for (int h = 0; h < BLOCK; h += L)
                    sumi = sumi.add(mulWiden(ByteVector.fromArray(B, w, at + 2 + h), ByteVector.fromArray(B, q, xb + h)));
            }
            float scale = Int8Matmul.scale(w, at) * d[xd + b];
            acc = toFloat(sumi).fma(FloatVector.broadcast(F, scale), acc);
        }
        return Lanes.sum(acc);
    }

    /**
     * One weight row times activation rows {@code i .. i+3}: each weight step is loaded and widened once and used
     * four times. Writes {@code y[yAt + a·out]} for {@code a < 4}.
     */
    private static void rows4(boolean q4, byte[] w, int wAt, int blocks, byte[] q, float[] d, int i, int in,
                              float[] y, int yAt, int out) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        int blockBytes = q4 ? 18 : 34;
        int x0 = i * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        int d0 = i * blocks, d1 = d0 + blocks, d2 = d1 + blocks, d3 = d2 + blocks;
        for (int b = 0; b < blocks; b++) {
            int at = wAt + b * blockBytes, k = b * BLOCK;
            IntVector s0 = IntVector.zero(I), s1 = s0, s2 = s0, s3 = s0;
            if (q4) {
                for (int h = 0; h < 16; h += L) {
                    ByteVector bytes = ByteVector.fromArray(B, w, at + 2 + h);
                    ShortVector lo = widen(low(bytes)), hi = widen(high(bytes));
                    int kl = k + h, kh = k + 16 + h;
                    s0 = s0.add(mulAdd(lo, q, x0 + kl)).add(mulAdd(hi, q, x0 + kh));
                    s1 = s1.add(mulAdd(lo, q, x1 + kl)).add(mulAdd(hi, q, x1 + kh));
                    s2 = s2.add(mulAdd(lo, q, x2 + kl)).add(mulAdd(hi, q, x2 + kh));
                    s3 = s3.add(mulAdd(lo, q, x3 + kl)).add(mulAdd(hi, q, x3 + kh));
                }
            } else {
                for (int h = 0; h < BLOCK; h += L) {
                    ShortVector wv = widen(ByteVector.fromArray(B, w, at + 2 + h));
                    int kh = k + h;
                    s0 = s0.add(mulAdd(wv, q, x0 + kh));
                    s1 = s1.add(mulAdd(wv, q, x1 + kh));
                    s2 = s2.add(mulAdd(wv, q, x2 + kh));
                    s3 = s3.add(mulAdd(wv, q, x3 + kh));
                }
            }
            float dw = Int8Matmul.scale(w, at);
            acc0 = toFloat(s0).fma(FloatVector.broadcast(F, dw * d[d0 + b]), acc0);
            acc1 = toFloat(s1).fma(FloatVector.broadcast(F, dw * d[d1 + b]), acc1);
            acc2 = toFloat(s2).fma(FloatVector.broadcast(F, dw * d[d2 + b]), acc2);
            acc3 = toFloat(s3).fma(FloatVector.broadcast(F, dw * d[d3 + b]), acc3);
        }
        y[yAt] = Lanes.sum(acc0);
        y[yAt + out] = Lanes.sum(acc1);
        y[yAt + 2 * out] = Lanes.sum(acc2);
        y[yAt + 3 * out] = Lanes.sum(acc3);
    }

    /** Q4_0 values j &lt; 16 of a block: the low nibbles, minus 8. */
    private static ByteVector low(ByteVector bytes) {
        return bytes.and((byte) 15).sub((byte) 8);
    }

    /** Q4_0 values j + 16: the high nibbles (a logical shift of each byte), minus 8. */
    private static ByteVector high(ByteVector bytes) {
        return bytes.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
    }

    private static ShortVector widen(ByteVector v) {
        return (ShortVector) v.convertShape(VectorOperators.B2S, S, 0);
    }

    /** {@code L} exact products of int8 pairs, as ints. */
    private static IntVector mulWiden(ByteVector a, ByteVector b) {
        return (IntVector) widen(a).mul(widen(b)).convertShape(VectorOperators.S2I, I, 0);
    }

    /** The weight shorts times the {@code L} activation quants at {@code q[at]}, as ints. */
    private static IntVector mulAdd(ShortVector wv, byte[] q, int at) {
        return (IntVector) wv.mul(widen(ByteVector.fromArray(B, q, at))).convertShape(VectorOperators.S2I, I, 0);
    }

    private static FloatVector toFloat(IntVector v) {
        return (FloatVector) v.convertShape(VectorOperators.I2F, F, 0);
    }
}
