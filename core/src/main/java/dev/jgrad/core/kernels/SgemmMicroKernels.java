package dev.jgrad.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled FMA micro-kernels of {@link VectorSgemm} and the write-back of their tiles into C.
 *
 * <p>A micro-kernel multiplies one packed A micro-panel, {@code (MR, kc)} stored row by row with the
 * constant row stride {@link #AS} ({@code aPanel[a + r*AS + p] = op(A)[r, p]}), by one packed B
 * micro-panel, {@code (kc, NR)} stored row by row ({@code bPanel[b + p*NR + j] = op(B)[p, j]}), where
 * {@code NR = 2·L} and {@code L} is the vector length. The {@code MR × NR} product lives in
 * {@code 2·MR} vector registers for the whole k loop. Each step of the loop is an outer product:
 * <pre>
 *   b0, b1 = B[p, 0:L], B[p, L:2L]               two vector loads
 *   for r in 0..MR:  x = broadcast(A[r, p])      one scalar load, broadcast
 *                    acc[r][0] += x · b0         two FMAs
 *                    acc[r][1] += x · b1
 * </pre>
 * so every loaded value feeds several FMAs ({@code 2·MR} FMAs per {@code MR + 2} loads) and the
 * {@code 2·MR} independent accumulator chains hide the FMA latency. Each C element is one FMA chain
 * over p in increasing order, the same whatever the tile shape or the thread that runs it.
 *
 * <p>Why these choices, for the JIT: the species and {@code AS} are constants, so every A address is
 * {@code a + constant} and every B address {@code b + constant}, both linear in the loop counter; C2
 * then hoists all bounds checks out of the loop and folds the offsets into the load instructions.
 * The accumulators are plain locals, which C2 keeps in registers (no boxing, nothing allocated in the
 * loop). The finished tile goes through a small buffer, {@code tile}, so that one generic
 * {@link #writeBack} handles full and edge tiles and the alpha/beta update.
 *
 * <p>Shapes, chosen by measurement on an AVX-512 Zen 4 (one 512-bit or two 256-bit FMAs per cycle per
 * core): 8×2L for 512-bit vectors, 8×32: 16 accumulators + 2 B vectors + broadcasts, within the 32
 * registers; 4×2L for 256-bit vectors, 4×16. In isolation (operands in L1/L2) 14×32, 12×32 and 8×32
 * all ran at ~116 GFLOPS on one core; 8×48 and 6×64 lost 7-14% (their KC×48/64 B micro-panels
 * overflow L1) and 10×48 spilled registers. In whole GEMMs 8×32 beat 14×32 by 3-6%: its 12 KiB A
 * micro-panel leaves more of the 32 KiB L1 to the B panels streaming past, and 8 divides the usual m
 * (14 leaves padded rows). Its 16 independent accumulator chains also cover FMA latency times
 * throughput on cores with two 512-bit FMA pipes (4 cycles × 2 = 8).
 *
 * <p>The 256-bit shape is set by AVX2's 16 registers and by C2, which may load several broadcasts of
 * a k step ahead of their FMAs (it did for 5 and 6 rows): up to {@code 2·MR + MR + 2} live registers,
 * so 4 rows is the most that surely does not spill. With {@code -XX:UseAVX=2} (true AVX2) 6×16 and
 * even 5×16 spilled an accumulator to the stack, putting a store and a reload on its FMA chain, and
 * ran at 40-47 GFLOPS against 106 for 4×16; with 32 registers ({@code -XX:MaxVectorSize=32} on
 * AVX-512) 6×16 did 114 and 4×16 108.
 *
 * <p>The code is species generic: {@link #S} is {@link FloatVector#SPECIES_PREFERRED}, so the same
 * source runs 512-bit or 256-bit vectors ({@code -XX:MaxVectorSize=32} selects the latter here).
 *
 * <p>The "direct" kernels do the same on operands read in place, with run-time strides, for the
 * small-problem path of {@link VectorSgemm}: C2 cannot hoist their bounds checks (one compare per
 * broadcast), which costs nothing measurable while the FMAs are the bottleneck and saves the copy.
 */
final class SgemmMicroKernels {

    /** The vector species every kernel uses; a constant, so C2 intrinsifies every vector operation. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Floats per vector (16 for AVX-512, 8 for AVX2). */
    static final int L = S.length();
    /** Columns of every micro-tile: two vectors. */
    static final int NR = 2 * L;
    /** Largest k block a packed A micro-panel holds. */
    static final int MAX_KC = 512;
    /**
     * Row stride of a packed A micro-panel, a compile-time constant so that C2 folds {@code r * AS}
     * into the addressing. A little over MAX_KC so that the rows of a panel do not all map to the same
     * cache sets.
     */
    static final int AS = MAX_KC + 16;

    private SgemmMicroKernels() {}

    /** Runs the packed {@code mr × NR} kernel ({@code mr} is 8 or 4) and leaves the tile in {@code tile}. */
    static void multiply(int mr, int kc, float[] aPanel, int a, float[] bPanel, int b, float[] tile) {
        if (mr == 8) kernel8x2(kc, aPanel, a, bPanel, b, tile);
        else kernel4x2(kc, aPanel, a, bPanel, b, tile);
    }

    /**
     * Runs the strided {@code mr × NR} kernel ({@code mr} is 8 or 4) on operands read in place:
     * {@code A[r, p] = a[aIndex + r·aRow + p·aStep]}, row p of B at {@code b[bIndex + p·bStep]}.
     */
    static void multiplyDirect(int mr, int kc, float[] a, int aIndex, int aRow, int aStep,
                               float[] b, int bIndex, int bStep, float[] tile) {
        if (mr == 8) direct8x2(kc, a, aIndex, aRow, aStep, b, bIndex, bStep, tile);
        else direct4x2(kc, a, aIndex, aRow, aStep, b, bIndex, bStep, tile);
    }

    /**
     * {@code C[i0 + r, j0 + j] = alpha · tile[r, j] + beta · C[...]} for {@code r < rows, j < cols};
     * with {@code beta == 0} the old C is not read (NaN in C does not leak in). The tile is
     * {@code (mr, NR)} row-major. Vector and scalar paths do the same float operations in the same
     * order, so a C element does not depend on which path wrote it.
     */
    static void writeBack(float[] tile, int rows, int cols, float alpha, float beta,
                          float[] c, int cIndex, int ldc) {
        int fullVectors = cols / L;
        for (int r = 0; r < rows; r++, cIndex += ldc) {
            int t = r * NR;
            int j = 0;
            if (beta == 0f) {
                for (int v = 0; v < fullVectors; v++, j += L) {
                    FloatVector.fromArray(S, tile, t + j).mul(alpha).intoArray(c, cIndex + j);
                }
                for (; j < cols; j++) c[cIndex + j] = alpha * tile[t + j];
            } else {
                for (int v = 0; v < fullVectors; v++, j += L) {
                    FloatVector old = FloatVector.fromArray(S, c, cIndex + j);
                    FloatVector.fromArray(S, tile, t + j).mul(alpha).add(old.mul(beta)).intoArray(c, cIndex + j);
                }
                for (; j < cols; j++) c[cIndex + j] = alpha * tile[t + j] + beta * c[cIndex + j];
            }
        }
    }

    /** The 4×2L kernel: 8 accumulators. */
    static void kernel4x2(int kc, float[] aPanel, int a, float[] bPanel, int b, float[] tile) {
        FloatVector c00a = FloatVector.zero(S), c00b = FloatVector.zero(S);
        FloatVector c01a = FloatVector.zero(S), c01b = FloatVector.zero(S);
        FloatVector c02a = FloatVector.zero(S), c02b = FloatVector.zero(S);
        FloatVector c03a = FloatVector.zero(S), c03b = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, a++, b += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bPanel, b);
            FloatVector b1 = FloatVector.fromArray(S, bPanel, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, aPanel[a +  0 * AS]); c00a = x.fma(b0, c00a); c00b = x.fma(b1, c00b);
            x = FloatVector.broadcast(S, aPanel[a +  1 * AS]); c01a = x.fma(b0, c01a); c01b = x.fma(b1, c01b);
            x = FloatVector.broadcast(S, aPanel[a +  2 * AS]); c02a = x.fma(b0, c02a); c02b = x.fma(b1, c02b);
            x = FloatVector.broadcast(S, aPanel[a +  3 * AS]); c03a = x.fma(b0, c03a); c03b = x.fma(b1, c03b);
        }
        c00a.intoArray(tile, 0 * L); c00b.intoArray(tile, 1 * L);
        c01a.intoArray(tile, 2 * L); c01b.intoArray(tile, 3 * L);
        c02a.intoArray(tile, 4 * L); c02b.intoArray(tile, 5 * L);
        c03a.intoArray(tile, 6 * L); c03b.intoArray(tile, 7 * L);
    }

    /** The 8×2L kernel: 16 accumulators. */
    static void kernel8x2(int kc, float[] aPanel, int a, float[] bPanel, int b, float[] tile) {
        FloatVector c00a = FloatVector.zero(S), c00b = FloatVector.zero(S);
        FloatVector c01a = FloatVector.zero(S), c01b = FloatVector.zero(S);
        FloatVector c02a = FloatVector.zero(S), c02b = FloatVector.zero(S);
        FloatVector c03a = FloatVector.zero(S), c03b = FloatVector.zero(S);
        FloatVector c04a = FloatVector.zero(S), c04b = FloatVector.zero(S);
        FloatVector c05a = FloatVector.zero(S), c05b = FloatVector.zero(S);
        FloatVector c06a = FloatVector.zero(S), c06b = FloatVector.zero(S);
        FloatVector c07a = FloatVector.zero(S), c07b = FloatVector.zero(S);
        for (int p = 0; p < kc; p++, a++, b += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bPanel, b);
            FloatVector b1 = FloatVector.fromArray(S, bPanel, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, aPanel[a +  0 * AS]); c00a = x.fma(b0, c00a); c00b = x.fma(b1, c00b);
            x = FloatVector.broadcast(S, aPanel[a +  1 * AS]); c01a = x.fma(b0, c01a); c01b = x.fma(b1, c01b);
            x = FloatVector.broadcast(S, aPanel[a +  2 * AS]); c02a = x.fma(b0, c02a); c02b = x.fma(b1, c02b);
            x = FloatVector.broadcast(S, aPanel[a +  3 * AS]); c03a = x.fma(b0, c03a); c03b = x.fma(b1, c03b);
            x = FloatVector.broadcast(S, aPanel[a +  4 * AS]); c04a = x.fma(b0, c04a); c04b = x.fma(b1, c04b);
            x = FloatVector.broadcast(S, aPanel[a +  5 * AS]); c05a = x.fma(b0, c05a); c05b = x.fma(b1, c05b);
            x = FloatVector.broadcast(S, aPanel[a +  6 * AS]); c06a = x.fma(b0, c06a); c06b = x.fma(b1, c06b);
            x = FloatVector.broadcast(S, aPanel[a +  7 * AS]); c07a = x.fma(b0, c07a); c07b = x.fma(b1, c07b);
        }
        c00a.intoArray(tile, 0 * L); c00b.intoArray(tile, 1 * L);
        c01a.intoArray(tile, 2 * L); c01b.intoArray(tile, 3 * L);
        c02a.intoArray(tile, 4 * L); c02b.intoArray(tile, 5 * L);
        c03a.intoArray(tile, 6 * L); c03b.intoArray(tile, 7 * L);
        c04a.intoArray(tile, 8 * L); c04b.intoArray(tile, 9 * L);
        c05a.intoArray(tile, 10 * L); c05b.intoArray(tile, 11 * L);
        c06a.intoArray(tile, 12 * L); c06b.intoArray(tile, 13 * L);
        c07a.intoArray(tile, 14 * L); c07b.intoArray(tile, 15 * L);
    }

    /** The 8×2L kernel on strided operands: A[r, p] = a[aIndex + r·aRow + p·aStep], B row p at b[bIndex + p·bStep]. */
    static void direct8x2(int kc, float[] a, int aIndex, int aRow, int aStep,
                           float[] b, int bIndex, int bStep, float[] tile) {
        FloatVector c00a = FloatVector.zero(S), c00b = FloatVector.zero(S);
        FloatVector c01a = FloatVector.zero(S), c01b = FloatVector.zero(S);
        FloatVector c02a = FloatVector.zero(S), c02b = FloatVector.zero(S);
        FloatVector c03a = FloatVector.zero(S), c03b = FloatVector.zero(S);
        FloatVector c04a = FloatVector.zero(S), c04b = FloatVector.zero(S);
        FloatVector c05a = FloatVector.zero(S), c05b = FloatVector.zero(S);
        FloatVector c06a = FloatVector.zero(S), c06b = FloatVector.zero(S);
        FloatVector c07a = FloatVector.zero(S), c07b = FloatVector.zero(S);
        int o1 = 1 * aRow, o2 = 2 * aRow, o3 = 3 * aRow, o4 = 4 * aRow, o5 = 5 * aRow, o6 = 6 * aRow, o7 = 7 * aRow;
        for (int p = 0; p < kc; p++, aIndex += aStep, bIndex += bStep) {
            FloatVector b0 = FloatVector.fromArray(S, b, bIndex);
            FloatVector b1 = FloatVector.fromArray(S, b, bIndex + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[aIndex]); c00a = x.fma(b0, c00a); c00b = x.fma(b1, c00b);
            x = FloatVector.broadcast(S, a[aIndex + o1]); c01a = x.fma(b0, c01a); c01b = x.fma(b1, c01b);
            x = FloatVector.broadcast(S, a[aIndex + o2]); c02a = x.fma(b0, c02a); c02b = x.fma(b1, c02b);
            x = FloatVector.broadcast(S, a[aIndex + o3]); c03a = x.fma(b0, c03a); c03b = x.fma(b1, c03b);
            x = FloatVector.broadcast(S, a[aIndex + o4]); c04a = x.fma(b0, c04a); c04b = x.fma(b1, c04b);
            x = FloatVector.broadcast(S, a[aIndex + o5]); c05a = x.fma(b0, c05a); c05b = x.fma(b1, c05b);
            x = FloatVector.broadcast(S, a[aIndex + o6]); c06a = x.fma(b0, c06a); c06b = x.fma(b1, c06b);
            x = FloatVector.broadcast(S, a[aIndex + o7]); c07a = x.fma(b0, c07a); c07b = x.fma(b1, c07b);
        }
        c00a.intoArray(tile, 0 * L); c00b.intoArray(tile, 1 * L);
        c01a.intoArray(tile, 2 * L); c01b.intoArray(tile, 3 * L);
        c02a.intoArray(tile, 4 * L); c02b.intoArray(tile, 5 * L);
        c03a.intoArray(tile, 6 * L); c03b.intoArray(tile, 7 * L);
        c04a.intoArray(tile, 8 * L); c04b.intoArray(tile, 9 * L);
        c05a.intoArray(tile, 10 * L); c05b.intoArray(tile, 11 * L);
        c06a.intoArray(tile, 12 * L); c06b.intoArray(tile, 13 * L);
        c07a.intoArray(tile, 14 * L); c07b.intoArray(tile, 15 * L);
    }

    /** The 4×2L kernel on strided operands: A[r, p] = a[aIndex + r·aRow + p·aStep], B row p at b[bIndex + p·bStep]. */
    static void direct4x2(int kc, float[] a, int aIndex, int aRow, int aStep,
                           float[] b, int bIndex, int bStep, float[] tile) {
        FloatVector c00a = FloatVector.zero(S), c00b = FloatVector.zero(S);
        FloatVector c01a = FloatVector.zero(S), c01b = FloatVector.zero(S);
        FloatVector c02a = FloatVector.zero(S), c02b = FloatVector.zero(S);
        FloatVector c03a = FloatVector.zero(S), c03b = FloatVector.zero(S);
        int o1 = 1 * aRow, o2 = 2 * aRow, o3 = 3 * aRow;
        for (int p = 0; p < kc; p++, aIndex += aStep, bIndex += bStep) {
            FloatVector b0 = FloatVector.fromArray(S, b, bIndex);
            FloatVector b1 = FloatVector.fromArray(S, b, bIndex + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[aIndex]); c00a = x.fma(b0, c00a); c00b = x.fma(b1, c00b);
            x = FloatVector.broadcast(S, a[aIndex + o1]); c01a = x.fma(b0, c01a); c01b = x.fma(b1, c01b);
            x = FloatVector.broadcast(S, a[aIndex + o2]); c02a = x.fma(b0, c02a); c02b = x.fma(b1, c02b);
            x = FloatVector.broadcast(S, a[aIndex + o3]); c03a = x.fma(b0, c03a); c03b = x.fma(b1, c03b);
        }
        c00a.intoArray(tile, 0 * L); c00b.intoArray(tile, 1 * L);
        c01a.intoArray(tile, 2 * L); c01b.intoArray(tile, 3 * L);
        c02a.intoArray(tile, 4 * L); c02b.intoArray(tile, 5 * L);
        c03a.intoArray(tile, 6 * L); c03b.intoArray(tile, 7 * L);
    }
}
