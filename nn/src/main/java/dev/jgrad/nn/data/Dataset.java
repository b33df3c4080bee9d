package dev.jgrad.nn.data;

/**
 * A map-style data set, as PyTorch's {@code torch.utils.data.Dataset}: a fixed number of samples, each read by
 * its index. A {@link DataLoader} draws the indices (in order or shuffled), reads the samples and collates them
 * into batches.
 *
 * <p>Implement it over whatever holds the data: tensors in memory ({@link TensorDataset}), files read on demand,
 * or samples computed from the index. {@code get} should return the same sample for the same index every time.
 *
 * @param <T> the type of one sample (a tensor, a list of tensors for inputs and targets, a record, ...)
 */
public interface Dataset<T> {

    /** The number of samples; valid indices are {@code 0 .. size() - 1}. */
    int size();

    /**
     * The sample at {@code index}.
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [0, size())}
     */
    T get(int index);
}
