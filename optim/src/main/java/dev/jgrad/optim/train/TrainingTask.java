package dev.jgrad.optim.train;

import dev.jgrad.core.Tensor;
import dev.jgrad.nn.data.Batch;

/**
 * What the {@link Trainer} trains: the loss of a model on one batch. For a language model this is the
 * cross-entropy of the next-token logits; for a classifier, the loss of its predictions.
 */
@FunctionalInterface
public interface TrainingTask {

    /** The mean loss on {@code batch} (a scalar, with the graph recorded when gradients are enabled). */
    Tensor loss(Batch batch);

    /** How many items (tokens) a batch holds, for throughput and FLOP accounting. */
    default long items(Batch batch) {
        return (long) batch.batchSize() * batch.blockSize();
    }
}
