package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 7's exercises: replace each {@code throw} with an implementation. */
public class MySolution07 implements Exercises07 {

    @Override
    public double[] softmaxWithTemperature(float[] logits, double t) {
        throw new UnsupportedOperationException("exercise 7.1: divide the logits by t, subtract the max, exponentiate, normalise");
    }

    @Override
    public double[] topP(double[] probs, double p) {
        throw new UnsupportedOperationException("exercise 7.2: keep the smallest most-likely set with mass >= p, renormalise");
    }

    @Override
    public long positionsWithoutCache(int p, int n) {
        throw new UnsupportedOperationException("exercise 7.3: step s runs the whole sequence of p + s tokens");
    }

    @Override
    public long positionsWithCache(int p, int n) {
        throw new UnsupportedOperationException("exercise 7.4: the prompt once, then one new token per step");
    }
}
