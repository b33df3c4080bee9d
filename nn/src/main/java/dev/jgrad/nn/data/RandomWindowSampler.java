package dev.jgrad.nn.data;

import dev.jgrad.core.Generator;
import java.util.Objects;

/**
 * nanoGPT's {@code get_batch}: each row starts at an offset drawn uniformly from
 * {@code [0, N - T)}, with {@code x = tokens[i : i+T]} and {@code y = tokens[i+1 : i+T+1]}.
 * Rows may overlap and repeat; there are no epochs.
 *
 * <p>The sampler owns its {@link Generator} (seeded here, shared with nothing), so its state alone
 * determines the following batches. Offsets are drawn in row order, one per row; for
 * {@code N - T <= 2^31 - 1} each is {@link Generator#nextInt(int)}, beyond that an unbiased
 * draw from {@link Generator#nextLong()} by rejection.
 */
public final class RandomWindowSampler implements BatchSampler {

    private final TokenSource tokens;
    private final int batchSize;
    private final int blockSize;
    private final Generator generator;
    private long drawn;

    /**
     * @throws IllegalArgumentException for {@code batchSize <= 0}, {@code blockSize <= 0}, or fewer
     *                                  than {@code blockSize + 1} tokens
     */
    public RandomWindowSampler(TokenSource tokens, int batchSize, int blockSize, long seed) {
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        Windows.requirePositive("batchSize", batchSize);
        Windows.requirePositive("blockSize", blockSize);
        Windows.requireOneWindow(tokens.size(), blockSize);
        Windows.requireBatchFits(batchSize, blockSize);
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.generator = new Generator(seed);
    }

    @Override
    public Batch next() {
        int[] x = new int[batchSize * blockSize];
        int[] y = new int[batchSize * blockSize];
        long bound = tokens.size() - blockSize; // start in [0, N - T): the target needs token start + T
        for (int b = 0; b < batchSize; b++) {
            long start = uniform(bound);
            tokens.copy(start, x, b * blockSize, blockSize);
            tokens.copy(start + 1, y, b * blockSize, blockSize);
        }
        drawn++;
        return new Batch(batchSize, blockSize, x, y);
    }

    private long uniform(long bound) {
        if (bound <= Integer.MAX_VALUE) return generator.nextInt((int) bound);
        long limit = Long.MAX_VALUE - Long.MAX_VALUE % bound; // accept r < limit: a whole number of bound-sized ranges
        long r;
        do r = generator.nextLong() >>> 1; while (r >= limit);
        return r % bound;
    }

    @Override
    public State state() {
        return new State(generator.state(), 0, drawn);
    }

    @Override
    public void restore(State state) {
        generator.setState(state.generator());
        drawn = state.position();
    }
}
