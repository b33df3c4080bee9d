package dev.jgrad.examples.course.exercises;

/** Chapter 6's exercises: a GPT block's size, dropout and early stopping. Check with {@code ./jgrad learn 6 --check}. */
public interface Exercises06 {

    /**
     * 6.1: the number of parameters of one GPT-2 block of width {@code c}: two LayerNorms, the fused q/k/v projection
     * {@code (C, 3C)}, the attention output projection {@code (C, C)} and the MLP {@code (C, 4C)}, {@code (4C, C)};
     * with {@code bias}, every Linear and LayerNorm has a bias.
     */
    long gptBlockParameters(int c, boolean bias);

    /**
     * 6.2: inverted dropout in training mode: element i is kept where {@code keep[i]} and then scaled by
     * {@code 1 / (1 - p)}, so the expected value is unchanged; dropped elements are 0.
     */
    float[] dropout(float[] x, boolean[] keep, double p);

    /**
     * 6.3: early stopping: the index of the evaluation at which training stops, after {@code patience} evaluations in
     * a row that did not improve on the best loss by more than {@code minDelta}; the last index if that never happens.
     */
    int earlyStopIndex(double[] valLosses, int patience, double minDelta);
}
