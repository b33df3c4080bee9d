package dev.jgrad.core.backend;

/**
 * The dropout mask of fused attention, as a pure function of {@code (seed, batch, head, i, j)}.
 *
 * <p>Flash-style attention never stores the {@code (Tq, Tk)} weight matrix, so it cannot store a dropout mask
 * either: the backward pass regenerates it. A counter-based generator makes that possible — the keep/drop
 * decision for weight {@code (b, h, i, j)} is a hash of those coordinates and the seed, the same in the forward
 * and in the backward, on any thread, in any tile order, in the reference and in the vector kernels.
 *
 * <p>The hash, in two stages:
 * <ol>
 *   <li>per row, {@link #rowKey}: the 64-bit SplitMix64 finaliser applied to the seed, then mixed with the batch,
 *       the query head and the query index, folded to 32 bits;</li>
 *   <li>per element, {@link #bits}: {@code x = rowKey + j·0x9E3779B9}, then Wellons' {@code lowbias32} mixer
 *       ({@code x ^= x>>>16; x *= 0x7feb352d; x ^= x>>>15; x *= 0x846ca68b; x ^= x>>>16}), a bijection on 32-bit
 *       integers with good avalanche — 32-bit integer operations only, so the vector kernels evaluate it on
 *       16 lanes at once.</li>
 * </ol>
 * The top 24 bits are a uniform integer {@code u} in {@code [0, 2^24)}; the weight is kept when
 * {@code u ≥ round(p · 2^24)} ({@link #threshold}), i.e. with probability {@code 1 − p} up to {@code 2^-25}.
 */
public final class AttentionDropout {

    /** The golden-ratio increment that spreads consecutive key indices over the 32-bit ring. */
    static final int KEY_STEP = 0x9E3779B9;
    static final int MUL1 = 0x7feb352d, MUL2 = 0x846ca68b;

    private AttentionDropout() {}

    /** The 32-bit key of query row {@code (batch, head, i)}. */
    public static int rowKey(long seed, int batch, int head, int i) {
        long z = mix64(seed + 0x9E3779B97F4A7C15L);
        z = mix64(z ^ batch);
        z = mix64(z ^ (((long) head << 32) | (i & 0xffffffffL)));
        return (int) (z ^ (z >>> 32));
    }

    /** 32 well-mixed bits for key {@code j} of the row whose key is {@code rowKey}. */
    public static int bits(int rowKey, int j) {
        int x = rowKey + j * KEY_STEP;
        x ^= x >>> 16;
        x *= MUL1;
        x ^= x >>> 15;
        x *= MUL2;
        x ^= x >>> 16;
        return x;
    }

    /** The drop threshold on the 24-bit uniform: {@code round(p · 2^24)}. */
    public static int threshold(double p) {
        return (int) Math.round(p * (1 << 24));
    }

    /** True when weight {@code j} of the row is kept (not dropped). */
    public static boolean keep(int rowKey, int j, int threshold) {
        return (bits(rowKey, j) >>> 8) >= threshold;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
