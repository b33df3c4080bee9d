package dev.jgrad.nn.data;

import dev.jgrad.core.Generator;
import java.util.Objects;

/**
 * Every window of a {@link Windows} exactly once per epoch, in an order reshuffled each epoch.
 *
 * <p>At the start of each epoch the window indices {@code 0 .. W-1} are shuffled by Fisher–Yates
 * with the sampler's own {@link Generator} (seeded here); batch k of the epoch holds windows
 * {@code order[k·B .. k·B + B)}. With {@code dropLast} the final {@code W mod B} windows of the
 * epoch's order are skipped (each epoch skips different ones) so every batch has B rows;
 * without it the last batch of the epoch is smaller.
 *
 * <p>State: the generator state <em>at the start of the current epoch</em>, the epoch, and the
 * batch position within it. Restoring re-runs that epoch's shuffle (which leaves the generator
 * exactly where the original did) and skips to the position, so batches continue bit for bit.
 */
public final class EpochWindowSampler implements BatchSampler {

    private final Windows windows;
    private final int batchSize;
    private final boolean dropLast;
    private final Generator generator;
    private final int[] order;
    private long[] epochStartState;
    private long epoch;
    private long position;

    /**
     * @throws IllegalArgumentException for {@code batchSize <= 0}, more than 2^31 - 1 windows, or
     *                                  fewer windows than one batch with {@code dropLast}
     */
    public EpochWindowSampler(Windows windows, int batchSize, boolean dropLast, long seed) {
        this.windows = Objects.requireNonNull(windows, "windows");
        Windows.requirePositive("batchSize", batchSize);
        Windows.requireBatchFits(batchSize, windows.blockSize());
        if (windows.count() > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(windows.count() + " windows are too many to shuffle; raise the stride");
        if (dropLast && windows.count() < batchSize)
            throw new IllegalArgumentException("only " + windows.count() + " windows, fewer than one batch of "
                    + batchSize + " (dropLast)");
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        this.generator = new Generator(seed);
        this.order = new int[(int) windows.count()];
        startEpoch(0);
    }

    /** Batches per epoch: {@code W / B} with dropLast, {@code ceil(W / B)} without. */
    public long batchesPerEpoch() {
        long w = windows.count();
        return dropLast ? w / batchSize : (w + batchSize - 1) / batchSize;
    }

    /** Completed epochs. */
    public long epoch() {
        return epoch;
    }

    @Override
    public Batch next() {
        if (position == batchesPerEpoch()) startEpoch(epoch + 1);
        int first = (int) (position * batchSize);
        int rows = Math.min(batchSize, order.length - first);
        int t = windows.blockSize();
        int[] x = new int[rows * t];
        int[] y = new int[rows * t];
        for (int b = 0; b < rows; b++) {
            windows.copyInput(order[first + b], x, b * t);
            windows.copyTarget(order[first + b], y, b * t);
        }
        position++;
        return new Batch(rows, t, x, y);
    }

    private void startEpoch(long newEpoch) {
        epochStartState = generator.state();
        generator.permutation(order);
        epoch = newEpoch;
        position = 0;
    }

    @Override
    public State state() {
        return new State(epochStartState, epoch, position);
    }

    @Override
    public void restore(State state) {
        if (state.position() > batchesPerEpoch())
            throw new IllegalArgumentException("position " + state.position() + " is past the " + batchesPerEpoch()
                    + " batches of an epoch");
        generator.setState(state.generator());
        startEpoch(state.epoch());
        position = state.position();
    }
}
