package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises10;

/** Reference solutions to chapter 10's exercises. */
public class Solution10 implements Exercises10 {

    @Override
    public double perplexity(double[] p) {
        double nll = 0;
        for (double v : p) nll -= Math.log(v);
        return Math.exp(nll / p.length);
    }

    @Override
    public double f1(int tp, int fp, int fn) {
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    @Override
    public double mae(double[] yTrue, double[] yPred) {
        double s = 0;
        for (int i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i] - yPred[i]);
        return s / yTrue.length;
    }
}
