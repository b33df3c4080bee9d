package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 8's exercises: replace each {@code throw} with an implementation. */
public class MySolution08 implements Exercises08 {

    @Override
    public float[] loraDelta(float[] b, float[] a, int out, int r, int in, double alpha) {
        throw new UnsupportedOperationException("exercise 8.1: multiply B (out x r) by A (r x in), then scale by alpha / r");
    }

    @Override
    public float[] quantizeBlock(float[] block, float[] codebook) {
        throw new UnsupportedOperationException("exercise 8.2: divide by the absmax, snap to the nearest code, multiply back");
    }

    @Override
    public double bitsPerParameter(int blocksize, boolean doubleQuant, int blocksize2) {
        throw new UnsupportedOperationException("exercise 8.3: 4 bits plus the absmax bits shared by each block");
    }
}
