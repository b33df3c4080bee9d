package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 5's exercises: replace each {@code throw} with your code, then run {@code ./jgrad learn 5 --check}. */
public final class MySolution05 implements Exercises05 {

    @Override
    public double[][] attentionWeights(double[][] q, double[][] k, boolean causal) {
        throw new UnsupportedOperationException("exercise 5.1: scores q_i.k_j/sqrt(D), -infinity for j > i when causal, softmax each row");
    }

    @Override
    public double[] rope(double[] x, int position, double theta) {
        throw new UnsupportedOperationException("exercise 5.2: rotate each pair (x[2i], x[2i+1]) by position * theta^(-2i/D)");
    }

    @Override
    public long kvCacheBytes(int layers, int kvHeads, int headDim, int tokens, int bytesPerValue) {
        throw new UnsupportedOperationException("exercise 5.3: keys and values, for each layer, kv head, feature and token");
    }
}
