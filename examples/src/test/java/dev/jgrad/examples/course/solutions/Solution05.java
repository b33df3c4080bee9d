package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises05;

/** Reference solutions to chapter 5's exercises. */
public final class Solution05 implements Exercises05 {

    @Override
    public double[][] attentionWeights(double[][] q, double[][] k, boolean causal) {
        int t = q.length, d = q[0].length;
        double[][] w = new double[t][k.length];
        for (int i = 0; i < t; i++) {
            double max = Double.NEGATIVE_INFINITY, z = 0;
            for (int j = 0; j < k.length; j++) {
                double s = 0;
                for (int c = 0; c < d; c++) s += q[i][c] * k[j][c];
                w[i][j] = causal && j > i ? Double.NEGATIVE_INFINITY : s / Math.sqrt(d);
                max = Math.max(max, w[i][j]);
            }
            for (int j = 0; j < k.length; j++) z += w[i][j] = Math.exp(w[i][j] - max);
            for (int j = 0; j < k.length; j++) w[i][j] /= z;
        }
        return w;
    }

    @Override
    public double[] rope(double[] x, int position, double theta) {
        int d = x.length;
        double[] out = new double[d];
        for (int i = 0; i < d / 2; i++) {
            double angle = position * Math.pow(theta, -2.0 * i / d), c = Math.cos(angle), s = Math.sin(angle);
            out[2 * i] = x[2 * i] * c - x[2 * i + 1] * s;
            out[2 * i + 1] = x[2 * i + 1] * c + x[2 * i] * s;
        }
        return out;
    }

    @Override
    public long kvCacheBytes(int layers, int kvHeads, int headDim, int tokens, int bytesPerValue) {
        return 2L * layers * kvHeads * headDim * tokens * bytesPerValue;
    }
}
