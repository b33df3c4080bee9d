package dev.jgrad.examples.course.exercises;

/** Your solutions to chapter 9's exercises: replace each {@code throw} with an implementation. */
public class MySolution09 implements Exercises09 {

    @Override
    public double matmulIntensity(int m, int n, int k) {
        throw new UnsupportedOperationException("exercise 9.1: 2·m·n·k FLOP over 4·(m·k + k·n + m·n) bytes");
    }

    @Override
    public double attainableGflops(double peakGflops, double bandwidthGBs, double intensity) {
        throw new UnsupportedOperationException("exercise 9.2: the lower of the compute roof and bandwidth × intensity");
    }

    @Override
    public void matmulTiled(float[] a, float[] b, float[] c, int m, int n, int k, int tile) {
        throw new UnsupportedOperationException("exercise 9.3: loop over tile blocks of i, p, j; inside, the naive loop clipped to the block");
    }
}
