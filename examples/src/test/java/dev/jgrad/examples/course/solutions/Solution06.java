package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises06;

/** Reference solutions to chapter 6's exercises. */
public class Solution06 implements Exercises06 {

    @Override
    public long gptBlockParameters(int c, boolean bias) {
        long C = c;
        long layerNorms = 2 * (bias ? 2 * C : C);
        long attn = C * 3 * C + C * C + (bias ? 3 * C + C : 0);
        long mlp = C * 4 * C + 4 * C * C + (bias ? 4 * C + C : 0);
        return layerNorms + attn + mlp;
    }

    @Override
    public float[] dropout(float[] x, boolean[] keep, double p) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = keep[i] ? (float) (x[i] / (1 - p)) : 0f;
        return y;
    }

    @Override
    public int earlyStopIndex(double[] valLosses, int patience, double minDelta) {
        double best = Double.POSITIVE_INFINITY;
        int without = 0;
        for (int i = 0; i < valLosses.length; i++) {
            if (valLosses[i] < best - minDelta) {
                best = valLosses[i];
                without = 0;
            } else if (++without >= patience) {
                return i;
            }
        }
        return valLosses.length - 1;
    }
}
