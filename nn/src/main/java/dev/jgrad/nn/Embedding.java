package dev.jgrad.nn;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.init.Init;

/**
 * A lookup table: integer ids {@code (..)} → rows of {@code weight (numEmbeddings, dim)}, giving
 * {@code (.., dim)}. The backward adds each output row's gradient into the row it was read from (repeated
 * ids add up). Initialised from {@code N(0, 1)}, as PyTorch's {@code nn.Embedding}.
 */
public class Embedding extends Module implements Forward {

    private final int numEmbeddings, embeddingDim;

    /** Initialised from {@link Init#defaultGenerator()}. */
    public Embedding(int numEmbeddings, int embeddingDim) {
        this(numEmbeddings, embeddingDim, Init.defaultGenerator());
    }

    public Embedding(int numEmbeddings, int embeddingDim, Generator gen) {
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new IllegalArgumentException("Embedding: sizes must be positive, got " + numEmbeddings + " x " + embeddingDim);
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        registerParameter("weight", Tensor.zeros(numEmbeddings, embeddingDim));
        resetParameters(gen);
    }

    public void resetParameters(Generator gen) {
        Init.normal(weight(), 0, 1, gen);
    }

    public Tensor weight() {
        return parameter("weight");
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    /** Rows of the table at {@code ids} (I32 or I64, each in [0, numEmbeddings)). */
    @Override
    public Tensor forward(Tensor ids) {
        if (ids.dtype().isFloatingPoint())
            throw new IllegalArgumentException(where() + ": ids must be integers, got " + ids.dtype() + " of shape "
                    + Shape.str(ids.shape()));
        long[] v = ids.toLongArray();
        for (int i = 0; i < v.length; i++)
            if (v[i] < 0 || v[i] >= numEmbeddings)
                throw new IllegalArgumentException(where() + ": id " + v[i] + " at position " + i + " of ids "
                        + Shape.str(ids.shape()) + " is out of range [0, " + numEmbeddings + ")");
        return weight().embedding(ids);
    }

    private String where() {
        String what = "(Embedding " + numEmbeddings + ", " + embeddingDim + ")";
        return path().isEmpty() ? what : path() + " " + what;
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim;
    }
}
