package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

import java.util.Arrays;

/**
 * The validated sizes of a fused attention call and its launch geometry: which kernels run it and with how much
 * dynamic shared memory.
 *
 * <p>q {@code (B, Hq, Tq, D)}, k and v {@code (B, Hkv, Tk, D)} with {@code Hq} a multiple of {@code Hkv} (GQA).
 * Float32 with D one of {@link Kernels#ATTENTION_HEAD_DIMS} runs the tiled kernels of attention.cu; every other
 * head dim, and float64, runs the generic kernels of attention_generic.cu (one block per output row).
 */
record AttentionShape(int batch, int heads, int kvHeads, int queries, int keys, int headDim) {

    /** Tile rows of the tiled kernels (BR = BC in attention.cu). */
    static final int TILE = 32;
    static final int THREADS = 128;
    /** Threads (and chunk length) of the generic kernels (GT in attention_generic.cu). */
    static final int GENERIC_THREADS = 128;

    static AttentionShape of(Tensor q, Tensor k, Tensor v) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException("attention: q, k, v must be (B, H, T, D), got " + Shape.str(q.shape())
                    + ", " + Shape.str(k.shape()) + ", " + Shape.str(v.shape()));
        if (!Arrays.equals(k.shape(), v.shape()))
            throw new IllegalArgumentException("attention: k " + Shape.str(k.shape()) + " and v " + Shape.str(v.shape())
                    + " differ");
        int b = q.size(0), hq = q.size(1), tq = q.size(2), d = q.size(3);
        int hkv = k.size(1), tk = k.size(2);
        if (k.size(0) != b || k.size(3) != d)
            throw new IllegalArgumentException("attention: q " + Shape.str(q.shape()) + " and k " + Shape.str(k.shape())
                    + " disagree in batch or head dim");
        if (hkv == 0 || hq % hkv != 0)
            throw new IllegalArgumentException("attention: " + hq + " query heads are not a multiple of " + hkv
                    + " key/value heads");
        if (tq > LaunchConfig.MAX_GRID_X || hq > LaunchConfig.MAX_GRID_YZ || b > LaunchConfig.MAX_GRID_YZ)
            throw new IllegalArgumentException("attention: " + hq + " heads or a batch of " + b + " exceed the CUDA grid ("
                    + LaunchConfig.MAX_GRID_YZ + ")");
        return new AttentionShape(b, hq, hkv, tq, tk, d);
    }

    /** True when the tiled float32 kernels of attention.cu take this shape in {@code computeType}. */
    boolean tiled(DType computeType) {
        return computeType == DType.F32 && variantOrNegative() >= 0;
    }

    /** Index of the head dim in {@link Kernels#ATTENTION_HEAD_DIMS}. */
    int variant() {
        int v = variantOrNegative();
        if (v < 0) throw new IllegalStateException("head dim " + headDim + " has no tiled kernel");
        return v;
    }

    private int variantOrNegative() {
        for (int i = 0; i < Kernels.ATTENTION_HEAD_DIMS.length; i++) if (Kernels.ATTENTION_HEAD_DIMS[i] == headDim) return i;
        return -1;
    }

    // ---- tiled kernels -------------------------------------------------------------------------------------

    /** Grid over query tiles: (ceil(Tq / 32), Hq, B). */
    LaunchConfig queryGrid(int sharedBytes) {
        return new LaunchConfig(ceil(queries), heads, batch, THREADS, 1, 1, sharedBytes);
    }

    /** Grid over key tiles: (ceil(Tk / 32), Hkv, B). */
    LaunchConfig keyGrid(int sharedBytes) {
        return new LaunchConfig(ceil(keys), kvHeads, batch, THREADS, 1, 1, sharedBytes);
    }

    private static int ceil(int t) {
        return Math.max(1, (t + TILE - 1) / TILE);
    }

    /** Forward: Q, K, V tiles of 32 × (D+1) floats, a 32 × 33 score tile, 32 key flags (FORWARD_SMEM_FLOATS). */
    int forwardSharedBytes() {
        return (3 * TILE * (headDim + 1) + TILE * (TILE + 1) + TILE) * 4;
    }

    /** dK/dV: K, V, Q, dO tiles, P⊙Z and dS tiles, lse, delta and dropout row keys, key flags (DKDV_SMEM_FLOATS). */
    int dkdvSharedBytes() {
        return (4 * TILE * (headDim + 1) + 2 * TILE * (TILE + 1) + 3 * TILE + TILE) * 4;
    }

    /** dQ: Q, dO, K, V tiles, a dS tile, lse and delta, key flags (DQ_SMEM_FLOATS). */
    int dqSharedBytes() {
        return (4 * TILE * (headDim + 1) + TILE * (TILE + 1) + 2 * TILE + TILE) * 4;
    }

    // ---- generic kernels -------------------------------------------------------------------------------------

    /** One block per query row: (Tq, Hq, B), or per key row: (Tk, Hkv, B). */
    LaunchConfig genericGrid(boolean perKey, int sharedBytes) {
        return perKey ? new LaunchConfig(Math.max(1, keys), kvHeads, batch, GENERIC_THREADS, 1, 1, sharedBytes)
                : new LaunchConfig(Math.max(1, queries), heads, batch, GENERIC_THREADS, 1, 1, sharedBytes);
    }

    /** Forward: q row and accumulator (2·D), chunk weights and reduction scratch (2·GT), elements of the dtype. */
    int genericForwardSharedBytes(int elementBytes) {
        return (2 * headDim + 2 * GENERIC_THREADS) * elementBytes;
    }

    /** dQ: q row, dO row, accumulator (3·D) and the chunk's dS (GT). */
    int genericDqSharedBytes(int elementBytes) {
        return (3 * headDim + GENERIC_THREADS) * elementBytes;
    }

    /** dK/dV: k row, v row, two accumulators (4·D), the chunk's P⊙Z and dS (2·GT). */
    int genericDkdvSharedBytes(int elementBytes) {
        return (4 * headDim + 2 * GENERIC_THREADS) * elementBytes;
    }

    /** Multiply-adds of forward (2 products of Tq·Tk·D per head; causal halves them when Tq = Tk) as FLOPs. */
    double forwardFlops(boolean causal) {
        double f = 4.0 * batch * heads * (double) queries * keys * headDim;
        return causal ? f / 2 : f;
    }
}
