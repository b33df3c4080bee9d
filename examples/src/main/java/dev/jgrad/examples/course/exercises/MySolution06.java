package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 6's exercises: replace each {@code throw} with an implementation. */
public class MySolution06 implements Exercises06 {

    @Override
    public long gptBlockParameters(int c, boolean bias) {
        throw new UnsupportedOperationException("exercise 6.1: add up the weights (and biases) of ln_1, attn, ln_2 and mlp");
    }

    @Override
    public float[] dropout(float[] x, boolean[] keep, double p) {
        throw new UnsupportedOperationException("exercise 6.2: kept elements divided by (1 - p), the others 0");
    }

    @Override
    public int earlyStopIndex(double[] valLosses, int patience, double minDelta) {
        throw new UnsupportedOperationException("exercise 6.3: count evaluations without improvement; stop when the count reaches patience");
    }
}
