package dev.jgrad.examples.course.exercises;

/** The exercises of chapter 5 (attention). Implement them in {@link MySolution05}; check with {@code ./jgrad learn 5 --check}. */
public interface Exercises05 {

    /** Exercise 5.1: {@code softmax(q·kᵀ/√D)} for one head, q and k (T, D); keys after the query get weight 0 when {@code causal}. */
    double[][] attentionWeights(double[][] q, double[][] k, boolean causal);

    /** Exercise 5.2: RoPE: pair {@code (x[2i], x[2i+1])} rotated by {@code position · theta^(−2i/D)}, D = x.length. */
    double[] rope(double[] x, int position, double theta);

    /** Exercise 5.3: the bytes of a KV cache (keys and values) for every layer, kv head, feature and token. */
    long kvCacheBytes(int layers, int kvHeads, int headDim, int tokens, int bytesPerValue);
}
