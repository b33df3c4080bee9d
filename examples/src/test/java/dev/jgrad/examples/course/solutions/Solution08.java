package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises08;

/** Reference solutions to chapter 8's exercises. */
public class Solution08 implements Exercises08 {

    @Override
    public float[] loraDelta(float[] b, float[] a, int out, int r, int in, double alpha) {
        float[] delta = new float[out * in];
        for (int i = 0; i < out; i++)
            for (int j = 0; j < in; j++) {
                double sum = 0;
                for (int p = 0; p < r; p++) sum += (double) b[i * r + p] * a[p * in + j];
                delta[i * in + j] = (float) (alpha / r * sum);
            }
        return delta;
    }

    @Override
    public float[] quantizeBlock(float[] block, float[] codebook) {
        float absmax = 0;
        for (float v : block) absmax = Math.max(absmax, Math.abs(v));
        float[] back = new float[block.length];
        if (absmax == 0) return back;
        for (int i = 0; i < block.length; i++) {
            float x = block[i] / absmax;
            int best = 0;
            for (int c = 1; c < codebook.length; c++) if (Math.abs(x - codebook[c]) < Math.abs(x - codebook[best])) best = c;
            back[i] = codebook[best] * absmax;
        }
        return back;
    }

    @Override
    public double bitsPerParameter(int blocksize, boolean doubleQuant, int blocksize2) {
        return doubleQuant ? 4 + 8.0 / blocksize + 32.0 / ((double) blocksize * blocksize2) : 4 + 32.0 / blocksize;
    }
}
