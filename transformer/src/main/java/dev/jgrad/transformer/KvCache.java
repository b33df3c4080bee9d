package dev.jgrad.transformer;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;

/**
 * The keys and values of every layer for the tokens seen so far, so that decoding one more token costs one
 * token's work instead of recomputing the whole prefix.
 *
 * <p>Each layer owns two preallocated buffers {@code (B, Hkv, capacity, hd)}. A forward over {@code T} new tokens
 * writes their keys and values at positions {@code [length, length + T)} of every layer ({@link #update}), attends
 * over the first {@code length + T} positions (a view, never a copy), and then the model {@link #advance advances}
 * the length once. Nothing is reallocated while decoding: the cost of a step is the weights it reads plus
 * {@code O(length·hd)} attention work per head.
 *
 * <p>The prompt is written by one batched forward ({@code T = prompt length}: matrix-matrix products); each
 * generated token then runs with {@code T = 1} (matrix-vector products).
 */
public final class KvCache {

    private final Tensor[] keys, values;   // per layer (B, Hkv, capacity, hd)
    private final int batch, kvHeads, capacity, headDim;
    private int length;

    /** A cache on the host for {@code layers} layers, {@code batch} sequences and up to {@code capacity} positions. */
    public KvCache(int layers, int batch, int kvHeads, int capacity, int headDim) {
        this(layers, batch, kvHeads, capacity, headDim, Device.cpu());
    }

    /** A cache on {@code device} (the model's: the new keys and values are written there without leaving it). */
    public KvCache(int layers, int batch, int kvHeads, int capacity, int headDim, Device device) {
        if (layers <= 0 || batch <= 0 || kvHeads <= 0 || capacity <= 0 || headDim <= 0)
            throw new IllegalArgumentException("KvCache: every size must be positive, got layers=" + layers + ", batch="
                    + batch + ", kvHeads=" + kvHeads + ", capacity=" + capacity + ", headDim=" + headDim);
        long perLayer = (long) batch * kvHeads * capacity * headDim;
        if (perLayer > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("KvCache: one layer's buffer (" + batch + ", " + kvHeads + ", " + capacity
                    + ", " + headDim + ") has more elements than a Java array holds");
        this.batch = batch;
        this.kvHeads = kvHeads;
        this.capacity = capacity;
        this.headDim = headDim;
        keys = new Tensor[layers];
        values = new Tensor[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = Tensor.empty(DType.F32, device, batch, kvHeads, capacity, headDim);      // zero-filled
            values[l] = Tensor.empty(DType.F32, device, batch, kvHeads, capacity, headDim);
        }
    }

    /** Number of positions already cached: the position of the next token. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batchSize() {
        return batch;
    }

    public int layers() {
        return keys.length;
    }

    /** Forgets every cached position (the buffers are kept for the next sequence). */
    public void reset() {
        length = 0;
    }

    /**
     * Forgets the positions from {@code newLength} on, keeping the first {@code newLength} (to regenerate from a
     * shared prefix, or to run the same decode step again in a benchmark).
     */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length)
            throw new IllegalArgumentException("KvCache: cannot truncate " + length + " cached positions to " + newLength);
        length = newLength;
    }

    /**
     * Checks that {@code newTokens} more positions fit and that the batch matches; called by the model before it
     * runs a forward with this cache.
     */
    public void checkRoom(int batchSize, int newTokens) {
        if (batchSize != batch)
            throw new IllegalArgumentException("KvCache: the cache holds " + batch + " sequences, the input has " + batchSize);
        if (newTokens < 1 || (long) length + newTokens > capacity)
            throw new IllegalArgumentException("KvCache: " + newTokens + " new tokens after " + length
                    + " cached ones exceed the capacity of " + capacity + " positions");
    }

    /**
     * Writes the new keys and values {@code (B, Hkv, T, hd)} of layer {@code layer} at positions
     * {@code [length, length + T)} and returns views of all {@code length + T} cached positions, {@code {keys,
     * values}}, each {@code (B, Hkv, length + T, hd)}.
     */
    public Tensor[] update(int layer, Tensor newKeys, Tensor newValues) {
        int t = newKeys.size(2);
        if (newKeys.rank() != 4 || newKeys.size(0) != batch || newKeys.size(1) != kvHeads || newKeys.size(3) != headDim
                || !java.util.Arrays.equals(newKeys.shape(), newValues.shape()))
            throw new IllegalArgumentException("KvCache: layer " + layer + " expects keys and values (" + batch + ", "
                    + kvHeads + ", T, " + headDim + "), got " + Shape.str(newKeys.shape()) + " and "
                    + Shape.str(newValues.shape()));
        checkRoom(newKeys.size(0), t);
        write(keys[layer], newKeys);
        write(values[layer], newValues);
        return new Tensor[] {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
    }

    /**
     * Copies {@code src (B, Hkv, T, hd)} into positions {@code [length, length + T)} of {@code buffer}: one
     * {@code hd}-float row at a time when the source rows are dense float32 (the usual case: RoPE output, or a view of
     * the fused qkv projection), otherwise through the generic strided copy.
     */
    private void write(Tensor buffer, Tensor src) {
        int t = src.size(2);
        if (!(src.storage() instanceof Storage.FloatStorage) || !(buffer.storage() instanceof Storage.FloatStorage)
                || src.stride(3) != 1) { // another dtype or device: the generic copy
            try (NoGrad ignored = NoGrad.enter()) {
                buffer.narrow(2, length, t).copyFrom(src);
            }
            return;
        }
        float[] from = ((Storage.FloatStorage) src.storage()).data, to = ((Storage.FloatStorage) buffer.storage()).data;
        buffer.storage().bumpVersion();   // an in-place write, as copyFrom would record
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < kvHeads; h++)
                for (int i = 0; i < t; i++)
                    System.arraycopy(from, src.offset() + b * src.stride(0) + h * src.stride(1) + i * src.stride(2), to,
                            ((b * kvHeads + h) * capacity + length + i) * headDim, headDim);
    }

    /** Moves the length past the {@code t} tokens every layer has just written. */
    public void advance(int t) {
        checkRoom(batch, t);
        length += t;
    }
}
