package dev.jgrad.examples.course.exercises;

/** The exercises of chapter 2 (tensors). Implement them in {@link MySolution02}; check with {@code ./jgrad learn 2 --check}. */
public interface Exercises02 {

    /** Exercise 2.1: the strides of a contiguous row-major tensor of this shape ({@code [2,3,4]} → {@code [12,4,1]}). */
    int[] contiguousStrides(int[] shape);

    /**
     * Exercise 2.2: the shape {@code a} and {@code b} broadcast to (aligned from the right, size 1 stretches), or
     * {@link IllegalArgumentException} when two sizes differ and neither is 1.
     */
    int[] broadcastShape(int[] a, int[] b);

    /** Exercise 2.3: the gradient of each row's input, given the row's softmax output {@code y} and upstream gradient {@code g}. */
    double[][] softmaxBackward(double[][] y, double[][] g);
}
