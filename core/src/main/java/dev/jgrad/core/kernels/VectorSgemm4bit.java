package dev.jgrad.core.kernels;

import dev.jgrad.core.parallel.Parallel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * 4-bit products that decode the weight in vector registers, on the Vector API, split over {@link Parallel}.
 *
 * <p><b>Decoding a group.</b> With {@code L} float lanes (16 on AVX-512, 8 on AVX2), {@code L} packed bytes
 * hold a group of {@code 2L} weights. One load brings the bytes in; widening gives {@code L} ints;
 * {@code (b >>> 4) & 15} are the nibbles of the even weights and {@code b & 15} those of the odd ones. Each
 * nibble vector indexes the 16-entry code book, already multiplied by the block's absmax (once per block),
 * with a lane permute ({@code selectFrom}: one {@code vpermd}/{@code vpermi2d}). So a group becomes two float
 * vectors, <em>evens</em> and <em>odds</em>, with no float copy of the weight anywhere.
 *
 * <p><b>Even/odd layout.</b> Rather than re-interleave the decoded weights, the kernels permute the other
 * operand once: within each group of {@code 2L}, the {@code L} even-indexed elements come first and the
 * {@code L} odd-indexed ones second. A dot product is the same sum in any order, so {@code x} is permuted
 * once per call ({@code in} floats) and the weight never is. This needs {@code in % 2L == 0} (every row starts
 * a group) and {@code blocksize % 2L == 0} (no group straddles two blocks: true of bitsandbytes' block sizes,
 * 32 and up, at 8 or 16 lanes); other shapes take a plain path that decodes one row at a time into a row buffer.
 *
 * <p><b>matvec</b> {@code y = W·x}: threads split the rows; each row streams its packed bytes once with two
 * FMA accumulators. Memory traffic is ~0.5 byte per weight instead of 4: this is what makes 4-bit decoding fast.
 *
 * <p><b>matmul</b> {@code Y = X·Wᵀ}: threads split W into panels of rows; a panel is decoded once into a
 * small buffer (≤ 256 KiB, L2-resident) in the even/odd layout, then 4×4 register tiles of dot products run
 * over it: per step, 4 loads of X, 4 of W, 16 FMAs, reduced once at the end. Decoding costs O(out·in) and is
 * amortized over all m rows.
 *
 * <p><b>inputGradient</b> {@code GX = GY·W}: threads split the columns of GX (so no two write the same
 * element); for each column chunk, panels of W rows are decoded into a 32 KiB buffer and 4-row × 4-vector
 * tiles accumulate {@code GX[i, chunk] += GY[i, o] · W[o, chunk]} over the panel's rows.
 *
 * <p>Every output element is summed by one thread in a fixed order: results do not depend on the thread
 * count. The lane count follows the preferred species (16 on AVX-512, 8 on AVX2); {@code -XX:MaxVectorSize=32}
 * gives 8 lanes on an AVX-512 machine (the tests run both).
 */
public final class VectorSgemm4bit implements Sgemm4bit {

    static final VectorSpecies<Float> F = chooseSpecies();
    static final int L = F.length();
    /** The in-register decoder handles 8 or 16 lanes; other widths use the row-buffer path throughout. */
    static final boolean DECODES_IN_REGISTERS = L == 8 || L == 16;
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    static final VectorSpecies<Byte> B = DECODES_IN_REGISTERS ? VectorSpecies.of(byte.class, VectorShape.forBitSize(8 * L)) : null;
    /** Weights per decoded group: L bytes. */
    static final int GROUP = 2 * L;
    /** Columns of GX per parallel chunk in inputGradient (a multiple of 4L). */
    private static final int GRAD_CHUNK = 256;
    /** Rows of W per decoded panel in inputGradient. */
    private static final int GRAD_PANEL = 32;

    private static VectorSpecies<Float> chooseSpecies() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        return bits >= 512 ? FloatVector.SPECIES_512 : bits >= 256 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_PREFERRED;
    }

    /** Float lanes per vector in use. */
    public static int lanes() {
        return L;
    }

    /** True when this machine's vectors take the in-register decoder (8 or 16 float lanes). */
    public static boolean decodesInRegisters() {
        return DECODES_IN_REGISTERS;
    }

    @Override
    public void matvec(Packed4bit w, float[] x, int xOffset, float[] y, int yOffset) {
        Sgemm4bit.checkBounds(w, 1, x, xOffset, true, y, yOffset);
        int out = w.rows(), in = w.cols();
        if (!inRegisters(w)) {
            rowBufferMatmul(w, 1, x, xOffset, y, yOffset);
            return;
        }
        float[] xp = new float[in];
        toEvenOdd(x, xOffset, xp, 0, in);
        Parallel.forRange(out, Math.max(1, (1 << 15) / Math.max(1, in)),
                (from, to) -> matvecRows(w, xp, y, yOffset, from, to));
    }

    /** {@code y[o] = Σ_k W[o, k]·x[k]} for rows [from, to), x in even/odd layout. */
    private static void matvecRows(Packed4bit w, float[] xp, float[] y, int yOffset, int from, int to) {
        int in = w.cols(), bs = w.blocksize(), blockShift = Integer.numberOfTrailingZeros(bs);
        byte[] packed = w.packed();
        float[] absmax = w.absmax(), code = w.codebook();
        FloatVector code1 = FloatVector.fromArray(F, code, 0);
        FloatVector code2 = L == 16 ? code1 : FloatVector.fromArray(F, code, L);
        for (int o = from; o < to; o++) {
            long rowStart = (long) o * in;
            FloatVector even = FloatVector.zero(F), odd = FloatVector.zero(F);
            FloatVector even2 = FloatVector.zero(F), odd2 = FloatVector.zero(F);
            int k = 0;
            while (k < in) {
                int block = (int) ((rowStart + k) >>> blockShift);
                int segmentEnd = (int) Math.min(in, ((block + 1L) << blockShift) - rowStart);
                float scale = absmax[block];
                IntVector table1 = code1.mul(scale).reinterpretAsInts(), table2 = code2.mul(scale).reinterpretAsInts();
                for (; k + 2 * GROUP <= segmentEnd; k += 2 * GROUP) { // two groups at a time, four accumulators
                    int p = (int) ((rowStart + k) >>> 1);
                    IntVector bytes = (IntVector) ByteVector.fromArray(B, packed, p).convertShape(VectorOperators.B2I, I, 0);
                    IntVector bytes2 = (IntVector) ByteVector.fromArray(B, packed, p + L).convertShape(VectorOperators.B2I, I, 0);
                    even = lookup(bytes.lanewise(VectorOperators.LSHR, 4), table1, table2).fma(FloatVector.fromArray(F, xp, k), even);
                    odd = lookup(bytes, table1, table2).fma(FloatVector.fromArray(F, xp, k + L), odd);
                    even2 = lookup(bytes2.lanewise(VectorOperators.LSHR, 4), table1, table2).fma(FloatVector.fromArray(F, xp, k + GROUP), even2);
                    odd2 = lookup(bytes2, table1, table2).fma(FloatVector.fromArray(F, xp, k + GROUP + L), odd2);
                }
                for (; k < segmentEnd; k += GROUP) {
                    IntVector bytes = (IntVector) ByteVector.fromArray(B, packed, (int) ((rowStart + k) >>> 1))
                            .convertShape(VectorOperators.B2I, I, 0);
                    FloatVector wEven = lookup(bytes.lanewise(VectorOperators.LSHR, 4), table1, table2);
                    FloatVector wOdd = lookup(bytes, table1, table2);
                    even = wEven.fma(FloatVector.fromArray(F, xp, k), even);
                    odd = wOdd.fma(FloatVector.fromArray(F, xp, k + L), odd);
                }
            }
            y[yOffset + o] = Lanes.sum(even.add(odd).add(even2.add(odd2)));
        }
    }

    @Override
    public void matmul(Packed4bit w, int m, float[] x, int xOffset, float[] y, int yOffset) {
        Sgemm4bit.checkBounds(w, m, x, xOffset, true, y, yOffset);
        if (m == 1) {
            matvec(w, x, xOffset, y, yOffset);
            return;
        }
        int out = w.rows(), in = w.cols();
        if (m == 0 || out == 0) return;
        if (!inRegisters(w)) {
            rowBufferMatmul(w, m, x, xOffset, y, yOffset);
            return;
        }
        int mPad = roundUp(m, 4);
        float[] xp = new float[mPad * in]; // (mPad, in), even/odd layout, padding rows zero
        for (int i = 0; i < m; i++) toEvenOdd(x, xOffset + i * in, xp, i * in, in);
        int panelRows = Math.max(4, Math.min(64, (65536 / in) & ~3));
        int panels = (out + panelRows - 1) / panelRows;
        Parallel.forRange(panels, 1, (from, to) -> {
            float[] panel = new float[panelRows * in];
            for (int p = from; p < to; p++) {
                int o0 = p * panelRows, rows = Math.min(panelRows, out - o0);
                decodePanel(w, o0, rows, 0, in, panel, in);
                Arrays.fill(panel, rows * in, roundUp(rows, 4) * in, 0f);
                matmulTiles(xp, m, mPad, in, panel, rows, y, yOffset, out, o0);
            }
        });
    }

    /** Y[i, o0 + r] for all i and the panel's rows r, in 4×4 tiles of full-length dot products. */
    private static void matmulTiles(float[] xp, int m, int mPad, int in, float[] panel, int rows,
                                    float[] y, int yOffset, int out, int o0) {
        int rowsPad = roundUp(rows, 4);
        for (int i = 0; i < mPad; i += 4) {
            int x0 = i * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
            for (int r = 0; r < rowsPad; r += 4) {
                int w0 = r * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
                FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
                FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
                FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
                FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
                for (int k = 0; k < in; k += L) {
                    FloatVector a0 = FloatVector.fromArray(F, xp, x0 + k), a1 = FloatVector.fromArray(F, xp, x1 + k);
                    FloatVector a2 = FloatVector.fromArray(F, xp, x2 + k), a3 = FloatVector.fromArray(F, xp, x3 + k);
                    FloatVector b0 = FloatVector.fromArray(F, panel, w0 + k);
                    c00 = a0.fma(b0, c00); c10 = a1.fma(b0, c10); c20 = a2.fma(b0, c20); c30 = a3.fma(b0, c30);
                    FloatVector b1 = FloatVector.fromArray(F, panel, w1 + k);
                    c01 = a0.fma(b1, c01); c11 = a1.fma(b1, c11); c21 = a2.fma(b1, c21); c31 = a3.fma(b1, c31);
                    FloatVector b2 = FloatVector.fromArray(F, panel, w2 + k);
                    c02 = a0.fma(b2, c02); c12 = a1.fma(b2, c12); c22 = a2.fma(b2, c22); c32 = a3.fma(b2, c32);
                    FloatVector b3 = FloatVector.fromArray(F, panel, w3 + k);
                    c03 = a0.fma(b3, c03); c13 = a1.fma(b3, c13); c23 = a2.fma(b3, c23); c33 = a3.fma(b3, c33);
                }
                store(y, yOffset, out, m, rows, i, r, o0, c00, c01, c02, c03, 0);
                store(y, yOffset, out, m, rows, i, r, o0, c10, c11, c12, c13, 1);
                store(y, yOffset, out, m, rows, i, r, o0, c20, c21, c22, c23, 2);
                store(y, yOffset, out, m, rows, i, r, o0, c30, c31, c32, c33, 3);
            }
        }
    }

    /** Reduces one row of a 4×4 tile into Y, skipping padding rows and columns. */
    private static void store(float[] y, int yOffset, int out, int m, int rows, int i, int r, int o0,
                              FloatVector s0, FloatVector s1, FloatVector s2, FloatVector s3, int a) {
        if (i + a >= m) return;
        int base = yOffset + (i + a) * out + o0 + r;
        if (r < rows) y[base] = Lanes.sum(s0);
        if (r + 1 < rows) y[base + 1] = Lanes.sum(s1);
        if (r + 2 < rows) y[base + 2] = Lanes.sum(s2);
        if (r + 3 < rows) y[base + 3] = Lanes.sum(s3);
    }

    @Override
    public void inputGradient(Packed4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset) {
        Sgemm4bit.checkBounds(w, m, gy, gyOffset, false, gx, gxOffset);
        int out = w.rows(), in = w.cols();
        if (m == 0 || in == 0) return;
        if (!inRegisters(w)) {
            rowBufferInputGradient(w, m, gy, gyOffset, gx, gxOffset);
            return;
        }
        int mPad = roundUp(m, 4), inPad = roundUp(in, 4 * L);
        float[] gyp = new float[mPad * out]; // (mPad, out), padding rows zero
        System.arraycopy(gy, gyOffset, gyp, 0, m * out);
        float[] gxp = new float[mPad * inPad]; // (mPad, inPad), even/odd layout, accumulated over W's rows
        int chunks = (inPad + GRAD_CHUNK - 1) / GRAD_CHUNK;
        Parallel.forRange(chunks, 1, (from, to) -> {
            float[] panel = new float[GRAD_PANEL * GRAD_CHUNK];
            for (int c = from; c < to; c++) {
                int k0 = c * GRAD_CHUNK, k1 = Math.min(inPad, k0 + GRAD_CHUNK), kDecoded = Math.min(in, k1);
                for (int o0 = 0; o0 < out; o0 += GRAD_PANEL) {
                    int rows = Math.min(GRAD_PANEL, out - o0);
                    decodePanel(w, o0, rows, k0, kDecoded, panel, GRAD_CHUNK);
                    if (kDecoded < k1) {
                        for (int r = 0; r < rows; r++) Arrays.fill(panel, r * GRAD_CHUNK + kDecoded - k0, r * GRAD_CHUNK + k1 - k0, 0f);
                    }
                    gradientTiles(gyp, mPad, out, o0, rows, panel, k0, k1, gxp, inPad);
                }
            }
        });
        for (int i = 0; i < m; i++) fromEvenOdd(gxp, i * inPad, gx, gxOffset + i * in, in);
    }

    /** {@code GXp[i, k0:k1] += Σ_r GY[i, o0 + r] · panel[r, :]} in tiles of 4 rows × 4 vectors. */
    private static void gradientTiles(float[] gyp, int mPad, int out, int o0, int rows, float[] panel, int k0, int k1,
                                      float[] gxp, int inPad) {
        for (int i = 0; i < mPad; i += 4) {
            int g0 = i * out + o0, g1 = g0 + out, g2 = g1 + out, g3 = g2 + out;
            for (int k = k0; k < k1; k += 4 * L) {
                int d0 = i * inPad + k, d1 = d0 + inPad, d2 = d1 + inPad, d3 = d2 + inPad;
                FloatVector c00 = FloatVector.fromArray(F, gxp, d0), c01 = FloatVector.fromArray(F, gxp, d0 + L);
                FloatVector c02 = FloatVector.fromArray(F, gxp, d0 + 2 * L), c03 = FloatVector.fromArray(F, gxp, d0 + 3 * L);
                FloatVector c10 = FloatVector.fromArray(F, gxp, d1), c11 = FloatVector.fromArray(F, gxp, d1 + L);
                FloatVector c12 = FloatVector.fromArray(F, gxp, d1 + 2 * L), c13 = FloatVector.fromArray(F, gxp, d1 + 3 * L);
                FloatVector c20 = FloatVector.fromArray(F, gxp, d2), c21 = FloatVector.fromArray(F, gxp, d2 + L);
                FloatVector c22 = FloatVector.fromArray(F, gxp, d2 + 2 * L), c23 = FloatVector.fromArray(F, gxp, d2 + 3 * L);
                FloatVector c30 = FloatVector.fromArray(F, gxp, d3), c31 = FloatVector.fromArray(F, gxp, d3 + L);
                FloatVector c32 = FloatVector.fromArray(F, gxp, d3 + 2 * L), c33 = FloatVector.fromArray(F, gxp, d3 + 3 * L);
                for (int r = 0; r < rows; r++) {
                    int p = r * GRAD_CHUNK + k - k0;
                    FloatVector b0 = FloatVector.fromArray(F, panel, p), b1 = FloatVector.fromArray(F, panel, p + L);
                    FloatVector b2 = FloatVector.fromArray(F, panel, p + 2 * L), b3 = FloatVector.fromArray(F, panel, p + 3 * L);
                    FloatVector a = FloatVector.broadcast(F, gyp[g0 + r]);
                    c00 = b0.fma(a, c00); c01 = b1.fma(a, c01); c02 = b2.fma(a, c02); c03 = b3.fma(a, c03);
                    a = FloatVector.broadcast(F, gyp[g1 + r]);
                    c10 = b0.fma(a, c10); c11 = b1.fma(a, c11); c12 = b2.fma(a, c12); c13 = b3.fma(a, c13);
                    a = FloatVector.broadcast(F, gyp[g2 + r]);
                    c20 = b0.fma(a, c20); c21 = b1.fma(a, c21); c22 = b2.fma(a, c22); c23 = b3.fma(a, c23);
                    a = FloatVector.broadcast(F, gyp[g3 + r]);
                    c30 = b0.fma(a, c30); c31 = b1.fma(a, c31); c32 = b2.fma(a, c32); c33 = b3.fma(a, c33);
                }
                c00.intoArray(gxp, d0); c01.intoArray(gxp, d0 + L); c02.intoArray(gxp, d0 + 2 * L); c03.intoArray(gxp, d0 + 3 * L);
                c10.intoArray(gxp, d1); c11.intoArray(gxp, d1 + L); c12.intoArray(gxp, d1 + 2 * L); c13.intoArray(gxp, d1 + 3 * L);
                c20.intoArray(gxp, d2); c21.intoArray(gxp, d2 + L); c22.intoArray(gxp, d2 + 2 * L); c23.intoArray(gxp, d2 + 3 * L);
                c30.intoArray(gxp, d3); c31.intoArray(gxp, d3 + L); c32.intoArray(gxp, d3 + 2 * L); c33.intoArray(gxp, d3 + 3 * L);
            }
        }
    }

    /**
     * Decodes W[o0 : o0+rows, k0 : k1] (k0, k1 multiples of 2L) into {@code panel[r·ld + (k − k0)]}, even/odd
     * layout, absmax applied.
     */
    private static void decodePanel(Packed4bit w, int o0, int rows, int k0, int k1, float[] panel, int ld) {
        int in = w.cols(), bs = w.blocksize(), blockShift = Integer.numberOfTrailingZeros(bs);
        byte[] packed = w.packed();
        float[] absmax = w.absmax(), code = w.codebook();
        FloatVector code1 = FloatVector.fromArray(F, code, 0);
        FloatVector code2 = L == 16 ? code1 : FloatVector.fromArray(F, code, L);
        for (int r = 0; r < rows; r++) {
            long rowStart = (long) (o0 + r) * in;
            int dst = r * ld - k0;
            int k = k0;
            while (k < k1) {
                int block = (int) ((rowStart + k) >>> blockShift);
                int segmentEnd = (int) Math.min(k1, ((block + 1L) << blockShift) - rowStart);
                float scale = absmax[block];
                IntVector table1 = code1.mul(scale).reinterpretAsInts(), table2 = code2.mul(scale).reinterpretAsInts();
                for (; k < segmentEnd; k += GROUP) {
                    IntVector bytes = (IntVector) ByteVector.fromArray(B, packed, (int) ((rowStart + k) >>> 1))
                            .convertShape(VectorOperators.B2I, I, 0);
                    lookup(bytes.lanewise(VectorOperators.LSHR, 4), table1, table2).intoArray(panel, dst + k);
                    lookup(bytes, table1, table2).intoArray(panel, dst + k + L);
                }
            }
        }
    }

    /**
     * {@code table[nibble]} for each lane, where the nibble is the low 4 bits of the lane: {@code selectFrom}
     * wraps its indexes (mod 16 for one 16-lane table or two 8-lane ones), which is exactly {@code & 15}, so the
     * mask is free.
     */
    private static FloatVector lookup(IntVector indexes, IntVector table1, IntVector table2) {
        return (L == 16 ? indexes.selectFrom(table1) : indexes.selectFrom(table1, table2)).reinterpretAsFloats();
    }

    // ---- Shapes the in-register decoder does not take (in % 2L != 0): one row at a time into a row buffer.

    private static void rowBufferMatmul(Packed4bit w, int m, float[] x, int xOffset, float[] y, int yOffset) {
        int out = w.rows(), in = w.cols();
        Parallel.forRange(out, Math.max(1, (1 << 15) / Math.max(1, m * in)), (from, to) -> {
            float[] row = new float[in];
            for (int o = from; o < to; o++) {
                decodeRow(w, o, row);
                for (int i = 0; i < m; i++) y[yOffset + i * out + o] = dot(x, xOffset + i * in, row, in);
            }
        });
    }

    private static void rowBufferInputGradient(Packed4bit w, int m, float[] gy, int gyOffset, float[] gx, int gxOffset) {
        int out = w.rows(), in = w.cols();
        Arrays.fill(gx, gxOffset, gxOffset + m * in, 0f);
        Parallel.forRange(m, Math.max(1, (1 << 15) / Math.max(1, out * in)), (from, to) -> {
            float[] row = new float[in];
            for (int o = 0; o < out; o++) {
                decodeRow(w, o, row);
                for (int i = from; i < to; i++) axpy(gy[gyOffset + i * out + o], row, gx, gxOffset + i * in, in);
            }
        });
    }

    /** Row {@code o} of W in natural order. */
    private static void decodeRow(Packed4bit w, int o, float[] row) {
        int in = w.cols(), bs = w.blocksize();
        byte[] packed = w.packed();
        float[] absmax = w.absmax(), code = w.codebook();
        long rowStart = (long) o * in;
        int k = 0;
        while (k < in) {
            long e = rowStart + k;
            int block = (int) (e / bs);
            int segmentEnd = (int) Math.min(in, (block + 1L) * bs - rowStart);
            float scale = absmax[block];
            for (; k < segmentEnd; k++, e++) {
                int b = packed[(int) (e >>> 1)];
                row[k] = code[(e & 1) == 0 ? (b >>> 4) & 15 : b & 15] * scale;
            }
        }
    }

    private static float dot(float[] x, int xStart, float[] row, int n) {
        FloatVector acc = FloatVector.zero(F);
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            acc = FloatVector.fromArray(F, x, xStart + k).fma(FloatVector.fromArray(F, row, k), acc);
        }
        float sum = Lanes.sum(acc);
        for (; k < n; k++) sum = Math.fma(x[xStart + k], row[k], sum);
        return sum;
    }

    private static void axpy(float alpha, float[] row, float[] dst, int dstStart, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int k = 0;
        for (int bound = F.loopBound(n); k < bound; k += L) {
            FloatVector.fromArray(F, row, k).fma(a, FloatVector.fromArray(F, dst, dstStart + k)).intoArray(dst, dstStart + k);
        }
        for (; k < n; k++) dst[dstStart + k] = Math.fma(alpha, row[k], dst[dstStart + k]);
    }

    // ---- Layout helpers.

    /** The in-register path's condition: whole groups per row, and no group across a block boundary. */
    private static boolean inRegisters(Packed4bit w) {
        return DECODES_IN_REGISTERS && w.cols() % GROUP == 0 && w.blocksize() % GROUP == 0;
    }

    /** Within each group of 2L: the L even-indexed elements, then the L odd-indexed ones. */
    static void toEvenOdd(float[] src, int srcStart, float[] dst, int dstStart, int n) {
        for (int g = 0; g < n; g += GROUP) {
            for (int j = 0; j < L; j++) {
                dst[dstStart + g + j] = src[srcStart + g + 2 * j];
                dst[dstStart + g + L + j] = src[srcStart + g + 2 * j + 1];
            }
        }
    }

    /** The inverse of {@link #toEvenOdd}. */
    static void fromEvenOdd(float[] src, int srcStart, float[] dst, int dstStart, int n) {
        for (int g = 0; g < n; g += GROUP) {
            for (int j = 0; j < L; j++) {
                dst[dstStart + g + 2 * j] = src[srcStart + g + j];
                dst[dstStart + g + 2 * j + 1] = src[srcStart + g + L + j];
            }
        }
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
