package dev.jgrad.core.backend;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Cached cos/sin tables of rotary position embeddings, one per {@code (θ, D)}, grown on demand.
 *
 * <p>Entry {@code [pos, i]} is {@code cos(pos · θ^(−2i/D))} (and sin), the angle formed in double precision and
 * rounded to float once, with {@link StrictMath} so that every JVM and every JIT state gives the same bits. An
 * entry does not depend on the table's capacity, so growing a table never changes a result. Tables stop
 * growing at {@link #MAX_CACHED_POSITIONS}; larger positions are computed by the reference kernel.
 */
final class RopeTables {

    /** Positions beyond this are not cached (a D = 128 table of this many rows takes 32 MiB). */
    static final int MAX_CACHED_POSITIONS = 1 << 16;

    /** {@code cos} and {@code sin} are {@code (positions, D/2)} row-major. */
    record Table(int positions, float[] cos, float[] sin) {}

    private record Key(long thetaBits, int d) {}

    private static final ConcurrentHashMap<Key, Table> CACHE = new ConcurrentHashMap<>();

    private RopeTables() {}

    /** {@code θ^(−2i/D)}, the angular frequency of pair {@code i}. */
    static double inverseFrequency(double theta, int d, int i) {
        return 1.0 / StrictMath.pow(theta, 2.0 * i / d);
    }

    /** A table covering positions {@code [0, positions)}, or null when that exceeds the cache limit. */
    static Table get(double theta, int d, int positions) {
        if (positions > MAX_CACHED_POSITIONS) return null;
        Key key = new Key(Double.doubleToLongBits(theta), d);
        Table t = CACHE.get(key);
        if (t != null && t.positions() >= positions) return t;
        return CACHE.compute(key, (k, old) -> {
            if (old != null && old.positions() >= positions) return old;
            int capacity = Math.max(64, Integer.highestOneBit(Math.max(1, positions - 1)) << 1);
            return build(theta, d, Math.min(capacity, MAX_CACHED_POSITIONS));
        });
    }

    private static Table build(double theta, int d, int positions) {
        int half = d / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = inverseFrequency(theta, d, i);
        float[] cos = new float[positions * half], sin = new float[positions * half];
        for (int pos = 0; pos < positions; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * inv[i];
                cos[pos * half + i] = (float) StrictMath.cos(angle);
                sin[pos * half + i] = (float) StrictMath.sin(angle);
            }
        }
        return new Table(positions, cos, sin);
    }
}
