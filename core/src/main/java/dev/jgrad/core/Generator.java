package dev.jgrad.core;

/**
 * A seeded pseudo-random generator (xoshiro256**), the single source of randomness in jgrad:
 * initialisation, dropout, data sampling and token sampling all draw from one.
 *
 * <p>Numbers are drawn sequentially on the calling thread, so a seed gives the same stream on every
 * run and every thread count. The full state is four longs plus the cached normal deviate;
 * {@link #state()} and {@link #setState(long[])} let checkpoints resume a stream exactly.
 */
public final class Generator {

    private long s0, s1, s2, s3;
    private boolean hasSpareNormal;
    private double spareNormal;

    /** A generator seeded with {@code seed} (expanded by SplitMix64 so that nearby seeds differ fully). */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /** Re-seeds this generator. */
    public void manualSeed(long seed) {
        long x = seed;
        s0 = splitMix(x += 0x9E3779B97F4A7C15L);
        s1 = splitMix(x += 0x9E3779B97F4A7C15L);
        s2 = splitMix(x += 0x9E3779B97F4A7C15L);
        s3 = splitMix(x + 0x9E3779B97F4A7C15L);
        hasSpareNormal = false;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The next 64 random bits. */
    public long nextLong() {
        long result = Long.rotateLeft(s1 * 5, 7) * 9;
        long t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = Long.rotateLeft(s3, 45);
        return result;
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound), unbiased (Lemire's multiply-and-reject). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        long m = (nextLong() >>> 32) * bound;
        long low = m & 0xffffffffL;
        if (low < bound) {
            long threshold = (0x100000000L - bound) % bound;
            while (low < threshold) {
                m = (nextLong() >>> 32) * bound;
                low = m & 0xffffffffL;
            }
        }
        return (int) (m >>> 32);
    }

    /**
     * Writes a uniformly random permutation of {@code 0 .. order.length-1} into {@code order}: the identity, then
     * Fisher–Yates (for i = n-1 down to 1, swap i with {@code nextInt(i + 1)}). The same state gives the same
     * permutation on every machine, which is what makes shuffled data orders reproducible and resumable.
     */
    public void permutation(int[] order) {
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int i = order.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Standard normal deviate by the Box–Muller transform (the second value is cached). */
    public double nextGaussian() {
        if (hasSpareNormal) {
            hasSpareNormal = false;
            return spareNormal;
        }
        double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
        double u2 = nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double theta = 2.0 * Math.PI * u2;
        spareNormal = r * Math.sin(theta);
        hasSpareNormal = true;
        return r * Math.cos(theta);
    }

    /** The complete state: {s0, s1, s2, s3, hasSpare, bits of spare}. */
    public long[] state() {
        return new long[] {s0, s1, s2, s3, hasSpareNormal ? 1 : 0, Double.doubleToRawLongBits(spareNormal)};
    }

    /** Restores a state from {@link #state()}. */
    public void setState(long[] state) {
        if (state.length != 6) throw new IllegalArgumentException("generator state has 6 longs, got " + state.length);
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new IllegalArgumentException("generator state must not be all zero");
        s0 = state[0];
        s1 = state[1];
        s2 = state[2];
        s3 = state[3];
        hasSpareNormal = state[4] != 0;
        spareNormal = Double.longBitsToDouble(state[5]);
    }

    /** A new generator whose stream is independent of this one's continuation (for per-worker streams). */
    public Generator split() {
        return new Generator(nextLong());
    }
}
