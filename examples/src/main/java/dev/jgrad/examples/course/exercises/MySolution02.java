package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 2's exercises: replace each {@code throw} with your code, then run {@code ./jgrad learn 2 --check}. */
public final class MySolution02 implements Exercises02 {

    @Override
    public int[] contiguousStrides(int[] shape) {
        throw new UnsupportedOperationException("exercise 2.1: each stride is the product of the sizes to its right");
    }

    @Override
    public int[] broadcastShape(int[] a, int[] b) {
        throw new UnsupportedOperationException("exercise 2.2: align the shapes from the right; a size 1 stretches");
    }

    @Override
    public double[][] softmaxBackward(double[][] y, double[][] g) {
        throw new UnsupportedOperationException("exercise 2.3: dx_k = y_k * (g_k - sum_j g_j * y_j), row by row");
    }
}
