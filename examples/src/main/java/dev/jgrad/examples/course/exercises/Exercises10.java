package dev.jgrad.examples.course.exercises;

/** Chapter 10's exercises: evaluation metrics written by hand. Check with {@code ./jgrad learn 10 --check}. */
public interface Exercises10 {

    /** 10.1: the perplexity of a model that gave the correct token probability {@code p[i]} at each position. */
    double perplexity(double[] p);

    /** 10.2: F1 of the positive class from its true-positive, false-positive and false-negative counts (0 if undefined). */
    double f1(int tp, int fp, int fn);

    /** 10.3: the mean absolute error of {@code yPred} against {@code yTrue}. */
    double mae(double[] yTrue, double[] yPred);
}
