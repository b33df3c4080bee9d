package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises07;

import java.util.Arrays;
import java.util.Comparator;

/** Reference solutions to chapter 7's exercises. */
public class Solution07 implements Exercises07 {

    @Override
    public double[] softmaxWithTemperature(float[] logits, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l / t);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(logits[i] / t - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    @Override
    public double[] topP(double[] probs, double p) {
        Integer[] order = new Integer[probs.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> -probs[i]));
        double[] kept = new double[probs.length];
        double mass = 0;
        for (int i : order) {
            kept[i] = probs[i];
            mass += probs[i];
            if (mass >= p) break;
        }
        for (int i = 0; i < kept.length; i++) kept[i] /= mass;
        return kept;
    }

    @Override
    public long positionsWithoutCache(int p, int n) {
        return (long) n * p + (long) n * (n - 1) / 2;
    }

    @Override
    public long positionsWithCache(int p, int n) {
        return p + n - 1L;
    }
}
