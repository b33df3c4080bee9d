package dev.jgrad.core.backend;

import dev.jgrad.core.kernels.VectorSgemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small matrix products of {@link VectorAttention}'s tiles: {@code C (m, n) = A (m, k) · B (k, n)}, or
 * {@code C += A·B}, with m, n, k at most a tile (64) or a head dimension.
 *
 * <p>{@code A(r, p) = a[aOff + r·ars + p·acs]} is read one scalar at a time (broadcast), so any strides work — a
 * transposed tile is just {@code ars = 1, acs = row length}, never copied. {@code B(p, j) = b[bOff + p·ldb + j]} and
 * {@code C} are row-major with unit column stride, read and written as vectors.
 *
 * <p>Register tiling: six rows of C times up to four vectors of columns live in up to 24 accumulators for the
 * whole k loop. Each step loads the vectors of row p of B once and broadcasts six scalars of A, so every loaded
 * vector feeds six FMAs and 24 independent FMA chains hide the latency (6×4: 24 accumulators + 4 B vectors + 1
 * broadcast of the 32 AVX-512 registers; with 16 registers (AVX2) blocks stop at 2 vectors, 6×2). Column blocks of
 * 4, 2 or 1 vectors; the last vector of a block is a masked load, and a block of fewer than six rows repeats its
 * last row (computed, not stored), so any m and n take the same code; a single row (decoding) has its own
 * kernel instead of repeating it six times. On 64×64×64 tiles alone, one thread, 6×4 ran about 15% faster than
 * 4×4; inside attention the two were within noise. The kernel ends by storing its accumulators, unconditionally,
 * into a small per-thread tile; {@link #writeBack} then clips the tile to C and adds the old C when accumulating.
 * (Written into the kernel, that branchy write-back made C2 give up intrinsifying the vector operations of the
 * whole kernel: 5 GFLOPS instead of 100.) Each C element is one FMA chain over p in increasing order, then one
 * add of the old C when accumulating: the same on every thread.
 *
 * <p>No packing: the tiles sit in L1/L2 already. {@code -Djgrad.attention.tiles=sgemm} routes the products
 * through {@link VectorSgemm} instead (packed panels), to compare the two in the attention benchmark.
 */
final class AttentionTiles {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final boolean SGEMM_TILES = "sgemm".equals(System.getProperty("jgrad.attention.tiles"));
    private static final VectorSgemm SGEMM = new VectorSgemm();

    private AttentionTiles() {}

    /** Rows of every micro-tile. */
    private static final int MR = 6;
    /** The widest column block, in vectors: 4 with 32 vector registers (AVX-512), 2 with 16 (AVX2). */
    private static final int MAX_VECTORS = L >= 16 ? 4 : 2;
    private static final int TILE_ROW = 4 * L;
    /**
     * A scratch tile for {@link #gemm}, one per thread, kept by the caller (a ThreadLocal lookup per product took
     * 3% of the samples of a forward profile).
     */
    static float[] newTile() {
        return new float[MR * TILE_ROW];
    }

    /** {@code C = A·B}, or {@code C += A·B} when accumulating; {@code tile} from {@link #newTile}, this thread's. */
    static void gemm(int m, int n, int k, float[] a, int aOff, int ars, int acs, float[] b, int bOff, int ldb,
                     float[] c, int cOff, int ldc, boolean accumulate, float[] tile) {
        if (m <= 0 || n <= 0) return;
        if (SGEMM_TILES) {
            boolean transA = acs != 1;
            int lda = transA ? acs : Math.max(ars, k);
            SGEMM.sgemm(transA, false, m, n, k, 1f, a, aOff, Math.max(lda, transA ? m : 1), b, bOff, Math.max(ldb, n),
                    accumulate ? 1f : 0f, c, cOff, ldc);
            return;
        }
        for (int c0 = 0; c0 < n; ) {
            int left = n - c0;
            int vectors = left > 3 * L && MAX_VECTORS == 4 ? 4 : left > L ? 2 : 1;
            int width = Math.min(left, vectors * L), lastLanes = width - (vectors - 1) * L;
            for (int r0 = 0; r0 < m; r0 += MR) {
                int rows = Math.min(MR, m - r0), ao = aOff + r0 * ars, bo = bOff + c0;
                if (rows == 1) row1(k, a, ao, acs, b, bo, ldb, width, tile); // decoding: one query row
                else switch (vectors) {
                    case 4 -> rows6x4(rows, k, a, ao, ars, acs, b, bo, ldb, lastLanes, tile);
                    case 2 -> rows6x2(rows, k, a, ao, ars, acs, b, bo, ldb, lastLanes, tile);
                    default -> rows6x1(rows, k, a, ao, ars, acs, b, bo, ldb, lastLanes, tile);
                }
                writeBack(tile, rows, width, c, cOff + r0 * ldc + c0, ldc, accumulate);
            }
            c0 += width;
        }
    }

    /** {@code C[r, 0..width) = tile[r, ..]} (or {@code +=} when accumulating) for the first {@code rows} rows. */
    private static void writeBack(float[] tile, int rows, int width, float[] c, int ci, int ldc, boolean accumulate) {
        int full = width / L * L;
        VectorMask<Float> tail = S.indexInRange(full, width);
        for (int r = 0; r < rows; r++, ci += ldc) {
            int j = 0;
            for (; j < full; j += L) {
                FloatVector t = FloatVector.fromArray(S, tile, r * TILE_ROW + j);
                if (accumulate) t = t.add(FloatVector.fromArray(S, c, ci + j));
                t.intoArray(c, ci + j);
            }
            if (j < width) {
                FloatVector t = FloatVector.fromArray(S, tile, r * TILE_ROW + j);
                if (accumulate) t = t.add(FloatVector.fromArray(S, c, ci + j, tail));
                t.intoArray(c, ci + j, tail);
            }
        }
    }

    /** Offset of row {@code r} of A in a block of {@code rows} rows; rows past the end repeat the last one. */
    private static int aRow(int ao, int ars, int r, int rows) {
        return ao + Math.min(r, rows - 1) * ars;
    }

    /** One row of C, up to four vectors wide (masked by {@code width}): four independent FMA chains. */
    private static void row1(int k, float[] a, int ao, int acs, float[] b, int bo, int ldb, int width, float[] tile) {
        VectorMask<Float> m0 = S.indexInRange(0, width), m1 = S.indexInRange(L, width),
                m2 = S.indexInRange(2 * L, width), m3 = S.indexInRange(3 * L, width);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        for (int p = 0, bp = bo, ap = ao; p < k; p++, bp += ldb, ap += acs) {
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c0 = FloatVector.fromArray(S, b, bp, m0).fma(x, c0);
            c1 = FloatVector.fromArray(S, b, bp + L, m1).fma(x, c1);
            c2 = FloatVector.fromArray(S, b, bp + 2 * L, m2).fma(x, c2);
            c3 = FloatVector.fromArray(S, b, bp + 3 * L, m3).fma(x, c3);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, L);
        c2.intoArray(tile, 2 * L);
        c3.intoArray(tile, 3 * L);
    }

    private static void rows6x4(int rows, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb,
                                int lastLanes, float[] tile) {
        VectorMask<Float> last = S.indexInRange(0, lastLanes);
        int a0 = ao, a1 = aRow(ao, ars, 1, rows), a2 = aRow(ao, ars, 2, rows), a3 = aRow(ao, ars, 3, rows),
                a4 = aRow(ao, ars, 4, rows), a5 = aRow(ao, ars, 5, rows);
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c02 = FloatVector.zero(S), c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c12 = FloatVector.zero(S), c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c22 = FloatVector.zero(S), c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c32 = FloatVector.zero(S), c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c42 = FloatVector.zero(S), c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c52 = FloatVector.zero(S), c53 = FloatVector.zero(S);
        for (int p = 0, bp = bo, ap = 0; p < k; p++, bp += ldb, ap += acs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L),
                    b2 = FloatVector.fromArray(S, b, bp + 2 * L), b3 = FloatVector.fromArray(S, b, bp + 3 * L, last);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
            x = FloatVector.broadcast(S, a[a5 + ap]);
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        int t = TILE_ROW;
        c10.intoArray(tile, t); c11.intoArray(tile, t + L); c12.intoArray(tile, t + 2 * L); c13.intoArray(tile, t + 3 * L);
        t += TILE_ROW;
        c20.intoArray(tile, t); c21.intoArray(tile, t + L); c22.intoArray(tile, t + 2 * L); c23.intoArray(tile, t + 3 * L);
        t += TILE_ROW;
        c30.intoArray(tile, t); c31.intoArray(tile, t + L); c32.intoArray(tile, t + 2 * L); c33.intoArray(tile, t + 3 * L);
        t += TILE_ROW;
        c40.intoArray(tile, t); c41.intoArray(tile, t + L); c42.intoArray(tile, t + 2 * L); c43.intoArray(tile, t + 3 * L);
        t += TILE_ROW;
        c50.intoArray(tile, t); c51.intoArray(tile, t + L); c52.intoArray(tile, t + 2 * L); c53.intoArray(tile, t + 3 * L);
    }

    private static void rows6x2(int rows, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb,
                                int lastLanes, float[] tile) {
        VectorMask<Float> last = S.indexInRange(0, lastLanes);
        int a0 = ao, a1 = aRow(ao, ars, 1, rows), a2 = aRow(ao, ars, 2, rows), a3 = aRow(ao, ars, 3, rows),
                a4 = aRow(ao, ars, 4, rows), a5 = aRow(ao, ars, 5, rows);
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0, bp = bo, ap = 0; p < k; p++, bp += ldb, ap += acs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp), b1 = FloatVector.fromArray(S, b, bp + L, last);
            FloatVector x = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            x = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
            x = FloatVector.broadcast(S, a[a5 + ap]);
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
        }
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, TILE_ROW); c11.intoArray(tile, TILE_ROW + L);
        c20.intoArray(tile, 2 * TILE_ROW); c21.intoArray(tile, 2 * TILE_ROW + L);
        c30.intoArray(tile, 3 * TILE_ROW); c31.intoArray(tile, 3 * TILE_ROW + L);
        c40.intoArray(tile, 4 * TILE_ROW); c41.intoArray(tile, 4 * TILE_ROW + L);
        c50.intoArray(tile, 5 * TILE_ROW); c51.intoArray(tile, 5 * TILE_ROW + L);
    }

    private static void rows6x1(int rows, int k, float[] a, int ao, int ars, int acs, float[] b, int bo, int ldb,
                                int lastLanes, float[] tile) {
        VectorMask<Float> last = S.indexInRange(0, lastLanes);
        int a0 = ao, a1 = aRow(ao, ars, 1, rows), a2 = aRow(ao, ars, 2, rows), a3 = aRow(ao, ars, 3, rows),
                a4 = aRow(ao, ars, 4, rows), a5 = aRow(ao, ars, 5, rows);
        FloatVector c0 = FloatVector.zero(S), c1 = FloatVector.zero(S), c2 = FloatVector.zero(S), c3 = FloatVector.zero(S);
        FloatVector c4 = FloatVector.zero(S), c5 = FloatVector.zero(S);
        for (int p = 0, bp = bo, ap = 0; p < k; p++, bp += ldb, ap += acs) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp, last);
            c0 = b0.fma(FloatVector.broadcast(S, a[a0 + ap]), c0);
            c1 = b0.fma(FloatVector.broadcast(S, a[a1 + ap]), c1);
            c2 = b0.fma(FloatVector.broadcast(S, a[a2 + ap]), c2);
            c3 = b0.fma(FloatVector.broadcast(S, a[a3 + ap]), c3);
            c4 = b0.fma(FloatVector.broadcast(S, a[a4 + ap]), c4);
            c5 = b0.fma(FloatVector.broadcast(S, a[a5 + ap]), c5);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, TILE_ROW);
        c2.intoArray(tile, 2 * TILE_ROW);
        c3.intoArray(tile, 3 * TILE_ROW);
        c4.intoArray(tile, 4 * TILE_ROW);
        c5.intoArray(tile, 5 * TILE_ROW);
    }
}
