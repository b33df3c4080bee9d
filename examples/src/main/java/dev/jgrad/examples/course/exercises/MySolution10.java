package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 10's exercises: replace each {@code throw} with an implementation. */
public class MySolution10 implements Exercises10 {

    @Override
    public double perplexity(double[] p) {
        throw new UnsupportedOperationException("exercise 10.1: return exp of the mean of -ln p[i]");
    }

    @Override
    public double f1(int tp, int fp, int fn) {
        throw new UnsupportedOperationException("exercise 10.2: return 2·precision·recall / (precision + recall), 0 when undefined");
    }

    @Override
    public double mae(double[] yTrue, double[] yPred) {
        throw new UnsupportedOperationException("exercise 10.3: return the mean of |yTrue[i] - yPred[i]|");
    }
}
