package dev.jgrad.examples.course.exercises;

/** Chapter 9's exercises: the roofline and a tiled matmul. Check with {@code ./jgrad learn 9 --check}. */
public interface Exercises09 {

    /** 9.1: FLOP per byte of an fp32 {@code (m×k)·(k×n)} product that reads A and B and writes C once. */
    double matmulIntensity(int m, int n, int k);

    /** 9.2: the roofline: GFLOPS attainable at {@code intensity} FLOP/byte under a peak and a bandwidth (GB/s). */
    double attainableGflops(double peakGflops, double bandwidthGBs, double intensity);

    /**
     * 9.3: {@code c += a·b} for row-major {@code a (m×k)}, {@code b (k×n)}, {@code c (m×n)}, computed in
     * {@code tile×tile} blocks (any m, n, k: edge blocks are smaller).
     */
    void matmulTiled(float[] a, float[] b, float[] c, int m, int n, int k, int tile);
}
