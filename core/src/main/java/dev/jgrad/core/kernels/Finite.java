package dev.jgrad.core.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Finds NaN and infinities in a float array: the check a loader runs on every weight it reads, so that a
 * corrupted or hostile checkpoint is refused by name instead of producing NaN logits later.
 *
 * <p>{@code x · 0} is {@code ±0} for every finite {@code x} and NaN for {@code ±∞} and NaN, so the sum of
 * {@code x · 0} over a block is NaN exactly when the block holds a non-finite value. The fast path adds those
 * products with the Vector API, a block of {@value #BLOCK} values at a time, at memory speed; only a block that
 * fails is scanned again, one value at a time with {@link Float#isFinite}, for the first offending index.
 */
public final class Finite {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int BLOCK = 4096;

    private Finite() {}

    /** The index of the first NaN or infinity in {@code a[from, to)}, or -1 when every value is finite. */
    public static int firstNonFinite(float[] a, int from, int to) {
        for (int start = from; start < to; start += BLOCK) {
            int end = Math.min(to, start + BLOCK);
            if (!blockIsFinite(a, start, end)) {
                for (int i = start; i < end; i++) if (!Float.isFinite(a[i])) return i;
            }
        }
        return -1;
    }

    /** The index of the first NaN or infinity in {@code a}, or -1. */
    public static int firstNonFinite(float[] a) {
        return firstNonFinite(a, 0, a.length);
    }

    private static boolean blockIsFinite(float[] a, int start, int end) {
        FloatVector acc = FloatVector.zero(F);
        int i = start, bound = start + F.loopBound(end - start);
        for (; i < bound; i += F.length()) acc = acc.add(FloatVector.fromArray(F, a, i).mul(0f));
        float s = Lanes.sum(acc);
        for (; i < end; i++) s += a[i] * 0f;
        return !Float.isNaN(s);
    }
}
