package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 3's exercises: replace each {@code throw} with your code, then run {@code ./jgrad learn 3 --check}. */
public final class MySolution03 implements Exercises03 {

    @Override
    public void momentumStep(double[] param, double[] velocity, double[] grad, double lr, double momentum) {
        throw new UnsupportedOperationException("exercise 3.1: v = momentum*v + g, then p = p - lr*v, for each element");
    }

    @Override
    public void adamStep(double[] param, double[] m, double[] v, double[] grad, int t, double lr, double beta1, double beta2, double eps) {
        throw new UnsupportedOperationException("exercise 3.2: update m and v, divide by (1 - beta^t), step by lr*mHat/(sqrt(vHat)+eps)");
    }

    @Override
    public double accuracy(double[][] logits, int[] labels) {
        throw new UnsupportedOperationException("exercise 3.3: count the rows whose argmax equals the label, divide by the rows");
    }
}
