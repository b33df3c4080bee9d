package dev.jgrad.nn.data;

import java.util.Objects;

/**
 * Fixed-length training windows over a token stream, for next-token prediction.
 *
 * <p>Window {@code w} covers the {@code blockSize + 1} tokens {@code [w·stride, w·stride +
 * blockSize + 1)}: its input x is the first {@code blockSize} of them and its target y the last
 * {@code blockSize} (x shifted by one). Windows start at 0, stride, 2·stride, ... as long as the
 * whole window fits, so
 *
 * <pre>  count = (N - blockSize - 1) / stride + 1     (integer division, N = tokens)</pre>
 *
 * <p><b>Last partial window rule:</b> tokens after the last full window (fewer than
 * {@code stride} of them) are not used; nothing is padded. {@code stride = blockSize} gives
 * non-overlapping inputs whose targets overlap the next window's first input token by one (the
 * nanoGPT evaluation layout); {@code stride < blockSize} overlaps windows.
 */
public final class Windows {

    private final TokenSource tokens;
    private final int blockSize;
    private final int stride;
    private final long count;

    /**
     * @throws IllegalArgumentException if {@code blockSize <= 0}, {@code stride <= 0}, or the
     *                                  stream is shorter than one window ({@code blockSize + 1})
     */
    public Windows(TokenSource tokens, int blockSize, int stride) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        requirePositive("blockSize", blockSize);
        requirePositive("stride", stride);
        requireOneWindow(tokens.size(), blockSize);
        this.blockSize = blockSize;
        this.stride = stride;
        this.count = (tokens.size() - blockSize - 1) / stride + 1;
    }

    public long count() {
        return count;
    }

    public int blockSize() {
        return blockSize;
    }

    public int stride() {
        return stride;
    }

    public TokenSource tokens() {
        return tokens;
    }

    /** The offset of window {@code w}'s first token. */
    public long start(long window) {
        return Objects.checkIndex(window, count) * stride;
    }

    /** Copies window {@code w}'s input x ({@code blockSize} tokens) to {@code destination[offset ...]}. */
    public void copyInput(long window, int[] destination, int offset) {
        tokens.copy(start(window), destination, offset, blockSize);
    }

    /** Copies window {@code w}'s target y (x shifted by one) to {@code destination[offset ...]}. */
    public void copyTarget(long window, int[] destination, int offset) {
        tokens.copy(start(window) + 1, destination, offset, blockSize);
    }

    static void requirePositive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    static void requireBatchFits(int batchSize, int blockSize) {
        if ((long) batchSize * blockSize > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("batch of " + batchSize + " x " + blockSize + " tokens exceeds an int[]");
    }

    static void requireOneWindow(long tokens, int blockSize) {
        if (tokens < (long) blockSize + 1)
            throw new IllegalArgumentException("data set of " + tokens + " tokens is smaller than one window: blockSize "
                    + blockSize + " needs at least " + ((long) blockSize + 1) + " tokens (input plus one shifted target)");
    }
}
