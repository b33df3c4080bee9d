package dev.jgrad.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

import java.util.Arrays;

import static dev.jgrad.core.kernels.SgemmMicroKernels.AS;
import static dev.jgrad.core.kernels.SgemmMicroKernels.L;
import static dev.jgrad.core.kernels.SgemmMicroKernels.NR;
import static dev.jgrad.core.kernels.SgemmMicroKernels.S;

/**
 * Copies blocks of op(A) and op(B) into the contiguous panel layouts the micro-kernels stream through.
 *
 * <p>Packing absorbs the transposes: whatever the storage order, a packed A micro-panel holds
 * {@code op(A)[i0 : i0+MR, p0 : p0+kc]} row by row and a packed B micro-panel holds
 * {@code op(B)[p0 : p0+kc, j0 : j0+NR]} row by row, so all four transpose combinations run the same
 * kernel. Rows past {@code m} and columns past {@code n} are padded with zeros, so edge tiles run the
 * full kernel too; their padded results are simply not written back.
 */
final class SgemmPacking {

    private SgemmPacking() {}

    /**
     * Packs {@code op(A)[i0 : i0+rows, p0 : p0+kc]} into {@code ceil(rows/mr)} micro-panels of
     * {@code mr} rows with row stride {@link SgemmMicroKernels#AS}:
     * {@code dst[panel·mr·AS + r·AS + p] = op(A)[i0 + panel·mr + r, p0 + p]}.
     * op(A) is A {@code (m, k)} with row stride lda (rows are copied whole), or with {@code transA} A
     * stored {@code (k, m)} (walked one stored row at a time, scattering into the panel rows).
     */
    static void packA(boolean transA, float[] a, int aOffset, int lda, int i0, int rows, int p0, int kc,
                      int mr, float[] dst) {
        for (int panel = 0, d = 0; panel * mr < rows; panel++, d += mr * AS) {
            int first = i0 + panel * mr;
            int live = Math.min(mr, rows - panel * mr);
            if (transA) {
                // op(A)[i, p] = A[p, i]: each p gives `live` contiguous floats, one for each row.
                int src = aOffset + p0 * lda + first;
                for (int p = 0; p < kc; p++, src += lda) {
                    for (int r = 0, at = d + p; r < live; r++, at += AS) dst[at] = a[src + r];
                }
            } else {
                for (int r = 0; r < live; r++) {
                    System.arraycopy(a, aOffset + (first + r) * lda + p0, dst, d + r * AS, kc);
                }
            }
            for (int r = live; r < mr; r++) Arrays.fill(dst, d + r * AS, d + r * AS + kc, 0f);
        }
    }

    /**
     * Fills {@code offsets} with {@code 0, ld, 2·ld, ...} for the first {@code lanes} lanes and 0 for
     * the rest (the Vector API bounds-checks masked-off gather lanes too, so they must point at a real
     * element), and returns the mask of the live lanes.
     */
    private static VectorMask<Float> gatherOffsets(int[] offsets, int ld, int lanes) {
        for (int r = 0; r < L; r++) offsets[r] = r < lanes ? r * ld : 0;
        return S.indexInRange(0, lanes);
    }

    /**
     * Packs {@code op(B)[p0 : p0+kc, j0+fromPanel·NR : j0+toPanel·NR]} (clipped to {@code cols}) into
     * micro-panels of {@code (kc, NR)}: {@code dst[panel·kc·NR + p·NR + j] = op(B)[p0 + p, j0 + panel·NR + j]}.
     * op(B) is B {@code (k, n)} with row stride ldb, or with {@code transB} B stored {@code (n, k)}.
     */
    static void packB(boolean transB, float[] b, int bOffset, int ldb, int p0, int kc, int j0, int cols,
                      int fromPanel, int toPanel, float[] dst) {
        int[] rowOffsets = new int[L];
        for (int panel = fromPanel; panel < toPanel; panel++) {
            int d = panel * kc * NR;
            int first = j0 + panel * NR;
            int live = Math.min(NR, cols - panel * NR);
            if (transB) {
                // op(B)[p, j] = B[j, p]: for each p gather one float from each of the NR stored rows.
                int src = bOffset + first * ldb + p0;
                for (int half = 0; half < NR; half += L) {
                    int lanes = Math.min(L, live - half);
                    if (lanes <= 0) {
                        for (int p = 0, at = d + half; p < kc; p++, at += NR) FloatVector.zero(S).intoArray(dst, at);
                        continue;
                    }
                    VectorMask<Float> load = gatherOffsets(rowOffsets, ldb, lanes);
                    for (int p = 0, at = d + half, from = src + half * ldb; p < kc; p++, at += NR) {
                        FloatVector.fromArray(S, b, from + p, rowOffsets, 0, load).intoArray(dst, at);
                    }
                }
            } else if (live == NR) {
                // op(B)[p, j] = B[p, j]: each p is NR contiguous floats, two vector copies.
                for (int p = 0; p < kc; p++) {
                    int src = bOffset + (p0 + p) * ldb + first;
                    int at = d + p * NR;
                    FloatVector.fromArray(S, b, src).intoArray(dst, at);
                    FloatVector.fromArray(S, b, src + L).intoArray(dst, at + L);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOffset + (p0 + p) * ldb + first;
                    int at = d + p * NR;
                    for (int j = 0; j < live; j++) dst[at + j] = b[src + j];
                    for (int j = live; j < NR; j++) dst[at + j] = 0f;
                }
            }
        }
    }
}
