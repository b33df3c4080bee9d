package dev.jgrad.nn.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of next-token examples, row-major: row b of x is {@code x[b·T .. b·T + T)} and
 * {@code y[b·T + t]} is the token that follows {@code x[b·T + t]}.
 *
 * @param batchSize B, rows
 * @param blockSize T, tokens per row
 * @param x         inputs, {@code (B, T)} flattened
 * @param y         targets, {@code (B, T)} flattened
 */
public record Batch(int batchSize, int blockSize, int[] x, int[] y) {

    public Batch {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(y, "y");
        if ((long) batchSize * blockSize != x.length || x.length != y.length)
            throw new IllegalArgumentException("batch (" + batchSize + ", " + blockSize + ") needs x and y of "
                    + (long) batchSize * blockSize + " ids, got " + x.length + " and " + y.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && batchSize == b.batchSize && blockSize == b.blockSize
                && Arrays.equals(x, b.x) && Arrays.equals(y, b.y);
    }

    @Override
    public int hashCode() {
        return Objects.hash(batchSize, blockSize, Arrays.hashCode(x), Arrays.hashCode(y));
    }

    @Override
    public String toString() {
        return "Batch[B=" + batchSize + ", T=" + blockSize + ", x=" + Arrays.toString(Arrays.copyOf(x, Math.min(8, x.length)))
                + (x.length > 8 ? "..." : "") + "]";
    }
}
