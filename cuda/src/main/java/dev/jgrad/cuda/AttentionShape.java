package dev.jgrad.cuda;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

import java.util.Arrays;

/**
 * The validated sizes of a flash-attention call and its launch geometry.
 *
 * <p>q {@code (B, Hq, Tq, D)}, k and v {@code (B, Hkv, Tk, D)} with {@code Hq} a multiple of {@code Hkv} (GQA),
 * D one of {@link Kernels#ATTENTION_HEAD_DIMS}; all float32.
 */
record AttentionShape(int batch, int heads, int kvHeads, int queries, int keys, int headDim) {

    /** Tile rows of the kernels (BR = BC in attention.cu). */
    static final int TILE = 32;
    static final int THREADS = 128;

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
        if (Arrays.stream(Kernels.ATTENTION_HEAD_DIMS).noneMatch(x -> x == d))
            throw new IllegalArgumentException("attention: head dim " + d + " has no CUDA kernel (supported: "
                    + Arrays.toString(Kernels.ATTENTION_HEAD_DIMS) + ")");
        return new AttentionShape(b, hq, hkv, tq, tk, d);
    }

    /** Index of the head dim in {@link Kernels#ATTENTION_HEAD_DIMS}. */
    int variant() {
        for (int i = 0; i < Kernels.ATTENTION_HEAD_DIMS.length; i++) if (Kernels.ATTENTION_HEAD_DIMS[i] == headDim) return i;
        throw new IllegalStateException("head dim " + headDim);
    }

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

    /** Dynamic shared memory of the forward kernel: Q, K, V tiles of 32 × (D+1) floats and a 32 × 33 score tile. */
    int forwardSharedBytes() {
        return (3 * TILE * (headDim + 1) + TILE * (TILE + 1)) * 4;
    }

    /** The dK/dV kernel: K, V, Q, dO tiles, P and dS tiles, lse and delta vectors. */
    int dkdvSharedBytes() {
        return (4 * TILE * (headDim + 1) + 2 * TILE * (TILE + 1) + 2 * TILE) * 4;
    }

    /** The dQ kernel: Q, dO, K, V tiles, a dS tile, lse and delta vectors. */
    int dqSharedBytes() {
        return (4 * TILE * (headDim + 1) + TILE * (TILE + 1) + 2 * TILE) * 4;
    }

    /** Multiply-adds of forward (2 products of Tq·Tk·D per head; causal halves them when Tq = Tk) as FLOPs. */
    double forwardFlops(boolean causal) {
        double f = 4.0 * batch * heads * (double) queries * keys * headDim;
        return causal ? f / 2 : f;
    }
}
