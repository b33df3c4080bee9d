package dev.jgrad.nn.data;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Samples that are rows of tensors, as PyTorch's {@code TensorDataset}: given tensors {@code a (N, ..)},
 * {@code b (N, ..)}, ... (typically inputs and targets), sample {@code i} is the list
 * {@code [a[i], b[i], ...]}, each a view (no copy) with the first dimension removed.
 *
 * <p>{@link DataLoader#builder(TensorDataset)} batches these by stacking each position along a new first
 * dimension, so a batch of B samples is {@code [a (B, ..), b (B, ..)]}.
 */
public final class TensorDataset implements Dataset<List<Tensor>> {

    private final List<Tensor> tensors;

    /**
     * @throws IllegalArgumentException when no tensor is given, a tensor is a scalar, or the tensors' first
     *                                  dimensions differ
     */
    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("TensorDataset: needs at least one tensor");
        for (int k = 0; k < tensors.length; k++) {
            Tensor t = Objects.requireNonNull(tensors[k], "tensor " + k);
            if (t.rank() == 0)
                throw new IllegalArgumentException("TensorDataset: tensor " + k + " is a scalar; samples are indexed"
                        + " along the first dimension");
            if (t.size(0) != tensors[0].size(0))
                throw new IllegalArgumentException("TensorDataset: tensor " + k + " of shape " + Shape.str(t.shape())
                        + " has " + t.size(0) + " rows, but tensor 0 of shape " + Shape.str(tensors[0].shape())
                        + " has " + tensors[0].size(0));
        }
        this.tensors = List.of(tensors);
    }

    /** The tensors the samples come from, in the order given. */
    public List<Tensor> tensors() {
        return tensors;
    }

    @Override
    public int size() {
        return tensors.get(0).size(0);
    }

    /** Row {@code index} of every tensor: {@code [a[index], b[index], ...]}, views without a copy. */
    @Override
    public List<Tensor> get(int index) {
        Objects.checkIndex(index, size());
        List<Tensor> sample = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) sample.add(t.select(0, index));
        return List.copyOf(sample);
    }
}
