package dev.jgrad.nn.data;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Batches from a {@link Dataset}, with PyTorch's {@code DataLoader} semantics: each iteration is one epoch, in
 * which every sample is read exactly once, in index order or (with {@link Builder#shuffle(long)}) in an order
 * drawn anew each epoch; every {@code batchSize} samples are collated into one batch; the last, smaller batch is
 * kept or dropped ({@link Builder#dropLast(boolean)}).
 *
 * {@snippet :
 * TensorDataset data = new TensorDataset(x, y);                       // x (N, 2), y (N)
 * DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(data).batchSize(32).shuffle(42).build();
 * for (int epoch = 0; epoch < 10; epoch++)
 *     for (List<Tensor> batch : loader) {                              // [x (32, 2), y (32)]
 *         Tensor loss = F.crossEntropy(model.forward(batch.get(0)), batch.get(1));
 *     }
 * }
 *
 * <p>Shuffling: the loader owns a {@link Generator} seeded once, and each epoch (each call of
 * {@link #iterator()}) shuffles the indices {@code 0 .. N-1} with it by Fisher–Yates. Epoch k's order is
 * therefore a function of the seed and k alone: two loaders built with the same seed give the same batches,
 * epoch after epoch, and the orders of successive epochs differ. (PyTorch's {@code RandomSampler} draws its
 * orders the same way from its {@code generator}, though not the same numbers.)
 *
 * <p>Batches: with N samples and batch size B an epoch has {@code ceil(N / B)} batches, the last holding
 * {@code N mod B} samples when B does not divide N; with {@code dropLast} it has {@code N / B}, all full, and the
 * samples at the end of the epoch's order (different ones each epoch when shuffling) are skipped. Samples are read
 * and collated on the calling thread as the iteration reaches them.
 *
 * @param <T> the type of one sample
 * @param <B> the type of one batch, what the collate function makes of a list of samples
 */
public final class DataLoader<T, B> implements Iterable<B> {

    private final Dataset<T> dataset;
    private final Function<? super List<T>, ? extends B> collate;
    private final int batchSize;
    private final boolean dropLast;
    private final Generator shuffler;   // null: index order
    private long epochsStarted;

    private DataLoader(Builder<T, B> b) {
        this.dataset = b.dataset;
        this.collate = b.collate;
        this.batchSize = b.batchSize;
        this.dropLast = b.dropLast;
        this.shuffler = b.shuffle ? new Generator(b.seed) : null;
    }

    /**
     * A builder for a loader over samples that are tensors of one shape, or over any samples with a collate
     * function of one's own: {@link Collate#stack} makes {@code (B, S..)} batches of {@code (S..)} samples.
     */
    public static <T, B> Builder<T, B> builder(Dataset<T> dataset, Function<? super List<T>, ? extends B> collate) {
        return new Builder<>(dataset, collate);
    }

    /** A builder for a loader over a {@link TensorDataset}, whose batches are its tensors' rows stacked ({@link Collate#stackFields}). */
    public static Builder<List<Tensor>, List<Tensor>> builder(TensorDataset dataset) {
        return new Builder<>(dataset, Collate::stackFields);
    }

    /** The data set the samples come from. */
    public Dataset<T> dataset() {
        return dataset;
    }

    /** The number of samples per batch (the last batch of an epoch may hold fewer unless dropLast). */
    public int batchSize() {
        return batchSize;
    }

    /** Batches per epoch, PyTorch's {@code len(loader)}: {@code N / B} with dropLast, {@code ceil(N / B)} without. */
    public int batchesPerEpoch() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (int) (((long) n + batchSize - 1) / batchSize);
    }

    /** The number of epochs started so far (calls of {@link #iterator()}). */
    public long epochsStarted() {
        return epochsStarted;
    }

    /**
     * The batches of the next epoch. The epoch's order is fixed here (shuffled when the loader shuffles), so an
     * epoch left unfinished does not change the orders of the epochs after it.
     */
    @Override
    public Iterator<B> iterator() {
        int n = dataset.size();
        int[] order = new int[n];
        if (shuffler != null) shuffler.permutation(order);
        else for (int i = 0; i < n; i++) order[i] = i;
        epochsStarted++;
        int batches = batchesPerEpoch();
        return new Iterator<>() {
            private int next;   // the next batch of this epoch

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public B next() {
                if (!hasNext()) throw new NoSuchElementException("the epoch's " + batches + " batches are done");
                int from = next * batchSize, to = Math.min(from + batchSize, n);
                List<T> samples = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) samples.add(dataset.get(order[i]));
                next++;
                return collate.apply(samples);
            }
        };
    }

    /**
     * The settings of a {@link DataLoader}, with PyTorch's defaults: batch size 1, no shuffling, the last
     * batch kept.
     */
    public static final class Builder<T, B> {
        private final Dataset<T> dataset;
        private final Function<? super List<T>, ? extends B> collate;
        private int batchSize = 1;
        private boolean shuffle, dropLast;
        private long seed;

        private Builder(Dataset<T> dataset, Function<? super List<T>, ? extends B> collate) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            this.collate = Objects.requireNonNull(collate, "collate");
        }

        /** Samples per batch (positive). */
        public Builder<T, B> batchSize(int b) {
            batchSize = b;
            return this;
        }

        /** Shuffles the samples each epoch, with a generator seeded by {@code seed} (same seed, same orders). */
        public Builder<T, B> shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** Whether the last batch of an epoch is dropped when it would hold fewer than batchSize samples. */
        public Builder<T, B> dropLast(boolean drop) {
            dropLast = drop;
            return this;
        }

        /** @throws IllegalArgumentException when the batch size is not positive */
        public DataLoader<T, B> build() {
            if (batchSize <= 0)
                throw new IllegalArgumentException("DataLoader: batch size must be positive, got " + batchSize);
            return new DataLoader<>(this);
        }
    }
}
