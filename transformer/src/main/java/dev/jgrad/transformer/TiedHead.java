package dev.jgrad.transformer;

import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.functional.F;

/**
 * An output head that reuses the token embedding's weight (weight tying, Press and Wolf 2017):
 * {@code logits = h · Eᵀ} for {@code h (.., C)} and {@code E (V, C)}, giving {@code (.., V)}.
 *
 * <p>It owns no parameter: the weight belongs to the embedding, so it is counted, saved and updated once, and its
 * gradient sums the contributions of the lookup and of the head. It sits at {@code lm_head} like an untied
 * {@code Linear}, so the model uses either through {@link Forward}.
 */
public final class TiedHead extends Module implements Forward {

    private final Embedding embedding;

    public TiedHead(Embedding embedding) {
        this.embedding = embedding;
    }

    /** The weight in use, the embedding's {@code (V, C)}. */
    public Tensor weight() {
        return embedding.weight();
    }

    @Override
    public Tensor forward(Tensor h) {
        return F.linear(h, embedding.weight(), null);   // (.., C) → (.., V)
    }

    @Override
    protected String extraRepr() {
        return "tied to " + (embedding.path().isEmpty() ? "the token embedding" : embedding.path());
    }
}
