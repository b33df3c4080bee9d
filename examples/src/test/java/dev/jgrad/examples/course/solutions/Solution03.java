package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises03;

/** Reference solutions to chapter 3's exercises. */
public final class Solution03 implements Exercises03 {

    @Override
    public void momentumStep(double[] param, double[] velocity, double[] grad, double lr, double momentum) {
        for (int i = 0; i < param.length; i++) {
            velocity[i] = momentum * velocity[i] + grad[i];
            param[i] -= lr * velocity[i];
        }
    }

    @Override
    public void adamStep(double[] param, double[] m, double[] v, double[] grad, int t, double lr, double beta1, double beta2, double eps) {
        for (int i = 0; i < param.length; i++) {
            m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
            v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
            double mHat = m[i] / (1 - Math.pow(beta1, t)), vHat = v[i] / (1 - Math.pow(beta2, t));
            param[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
    }

    @Override
    public double accuracy(double[][] logits, int[] labels) {
        int right = 0;
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int j = 1; j < logits[i].length; j++) if (logits[i][j] > logits[i][best]) best = j;
            if (best == labels[i]) right++;
        }
        return (double) right / logits.length;
    }
}
