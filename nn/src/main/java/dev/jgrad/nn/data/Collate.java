package dev.jgrad.nn.data;

import dev.jgrad.core.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Collate functions: how a {@link DataLoader} turns the list of samples it read into one batch (PyTorch's
 * {@code default_collate} for tensors and for tuples of tensors). Any {@code Function<List<T>, B>} can be used
 * instead, for samples of other kinds or for padding variable-length samples.
 */
public final class Collate {

    private Collate() {}

    /**
     * Stacks B samples of one shape {@code S} into one tensor {@code (B, S..)} (a copy).
     *
     * @throws IllegalArgumentException when the samples' shapes differ (the message names both)
     */
    public static Tensor stack(List<Tensor> samples) {
        return Tensor.stack(samples, 0);
    }

    /**
     * Stacks samples that are lists of tensors (e.g. {@code [input, target]} from a {@link TensorDataset})
     * position by position: B samples {@code [a_i (S..), b_i (R..)]} give {@code [a (B, S..), b (B, R..)]}.
     *
     * @throws IllegalArgumentException when the samples hold different numbers of tensors, or the tensors at one
     *                                  position differ in shape
     */
    public static List<Tensor> stackFields(List<List<Tensor>> samples) {
        if (samples.isEmpty()) throw new IllegalArgumentException("collate: no samples to stack");
        int fields = samples.get(0).size();
        List<Tensor> batch = new ArrayList<>(fields);
        for (int f = 0; f < fields; f++) {
            List<Tensor> column = new ArrayList<>(samples.size());
            for (List<Tensor> sample : samples) {
                if (sample.size() != fields)
                    throw new IllegalArgumentException("collate: samples hold " + fields + " and " + sample.size()
                            + " tensors");
                column.add(sample.get(f));
            }
            batch.add(stack(column));
        }
        return List.copyOf(batch);
    }
}
