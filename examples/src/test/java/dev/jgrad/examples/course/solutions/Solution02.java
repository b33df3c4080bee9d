package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises02;

/** Reference solutions to chapter 2's exercises. */
public final class Solution02 implements Exercises02 {

    @Override
    public int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = s;
            s *= shape[d];
        }
        return strides;
    }

    @Override
    public int[] broadcastShape(int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 1; i <= rank; i++) {
            int x = i <= a.length ? a[a.length - i] : 1, y = i <= b.length ? b[b.length - i] : 1;
            if (x != y && x != 1 && y != 1) throw new IllegalArgumentException("sizes " + x + " and " + y + " do not broadcast");
            out[rank - i] = Math.max(x, y);
        }
        return out;
    }

    @Override
    public double[][] softmaxBackward(double[][] y, double[][] g) {
        double[][] dx = new double[y.length][];
        for (int i = 0; i < y.length; i++) {
            double gy = 0;
            for (int j = 0; j < y[i].length; j++) gy += g[i][j] * y[i][j];
            dx[i] = new double[y[i].length];
            for (int k = 0; k < y[i].length; k++) dx[i][k] = y[i][k] * (g[i][k] - gy);
        }
        return dx;
    }
}
