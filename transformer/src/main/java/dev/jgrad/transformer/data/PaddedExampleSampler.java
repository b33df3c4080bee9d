package dev.jgrad.transformer.data;

import dev.jgrad.core.Generator;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.BatchSampler;

import java.util.Arrays;
import java.util.List;

/**
 * Batches of whole instruction examples, one example per row, each right-padded to the longest in its batch.
 *
 * <p>Why padding rather than packing several examples into one row: jgrad's attention is causal with no
 * per-token segment (document) mask, so examples packed into one row would attend to the examples before
 * them. One example per row keeps attention inside each example exactly. With right padding no key-padding mask
 * is needed either: under a causal mask a real token only attends to earlier positions, never to the pads after
 * it, and the pads' own outputs are not trained (their targets are {@link SftExample#IGNORE}). So the loss and
 * its gradients equal those of each example run alone.
 *
 * <p>Row b of a batch holds example e: {@code x = tokens[0..n-1)}, {@code y = labels[1..n)}, then
 * {@code padId} in x and {@link SftExample#IGNORE} in y up to the batch's width {@code T = max(n) - 1}.
 *
 * <p>Every example once per epoch, in an order reshuffled each epoch (Fisher–Yates with the sampler's own
 * {@link Generator}); the last batch of an epoch may be smaller. State, as in
 * {@link dev.jgrad.nn.data.EpochWindowSampler}: the generator at the start of the epoch, the epoch, the
 * position in it.
 */
public final class PaddedExampleSampler implements BatchSampler {

    private final List<SftExample> examples;
    private final int batchSize;
    private final int padId;
    private final Generator generator;
    private final int[] order;
    private long[] epochStartState;
    private long epoch;
    private long position;

    /**
     * @param examples  at least one, each of at least two tokens
     * @param batchSize rows per batch
     * @param padId     the id that fills x after an example's end (any valid id; its outputs are not trained)
     * @param seed      shuffling seed
     */
    public PaddedExampleSampler(List<SftExample> examples, int batchSize, int padId, long seed) {
        if (examples.isEmpty()) throw new IllegalArgumentException("no examples to sample");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        for (SftExample e : examples)
            if (e.length() < 2) throw new IllegalArgumentException("an example needs at least 2 tokens, got " + e.length());
        this.examples = List.copyOf(examples);
        this.batchSize = batchSize;
        this.padId = padId;
        this.generator = new Generator(seed);
        this.order = new int[examples.size()];
        startEpoch(0);
    }

    /** Batches per epoch: ceil(examples / batch size). */
    public long batchesPerEpoch() {
        return (order.length + batchSize - 1) / batchSize;
    }

    @Override
    public Batch next() {
        if (position == batchesPerEpoch()) startEpoch(epoch + 1);
        int first = (int) (position * batchSize);
        int rows = Math.min(batchSize, order.length - first);
        position++;
        return batch(examples, Arrays.copyOfRange(order, first, first + rows), padId);
    }

    /** The batch of {@code examples[indices[0]], examples[indices[1]], ...}, padded as the class describes. */
    public static Batch batch(List<SftExample> examples, int[] indices, int padId) {
        int t = 0;
        for (int i : indices) t = Math.max(t, examples.get(i).length() - 1);
        int[] x = new int[indices.length * t];
        int[] y = new int[indices.length * t];
        Arrays.fill(x, padId);
        Arrays.fill(y, SftExample.IGNORE);
        for (int b = 0; b < indices.length; b++) {
            SftExample e = examples.get(indices[b]);
            int[] tokens = e.tokens();
            int[] labels = e.labels();
            System.arraycopy(tokens, 0, x, b * t, tokens.length - 1);
            System.arraycopy(labels, 1, y, b * t, labels.length - 1);
        }
        return new Batch(indices.length, t, x, y);
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
