package dev.jgrad.nn.data;

import java.util.Objects;

/**
 * nanoGPT's split of a single token stream (Tiny Shakespeare): the first
 * {@code floor(trainFraction · N)} tokens train, the rest validate. Use it for corpora that are
 * one document; for many documents prefer {@link DocumentSplit}, which never cuts a document.
 *
 * @param train      tokens {@code [0, cut)}
 * @param validation tokens {@code [cut, N)}
 */
public record TokenSplit(TokenSource train, TokenSource validation) {

    public TokenSplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(validation, "validation");
    }

    /** nanoGPT's {@code data[:int(n*0.9)]}, {@code data[int(n*0.9):]} for {@code trainFraction = 0.9}. */
    public static TokenSplit headTail(TokenSource tokens, double trainFraction) {
        if (!(trainFraction > 0 && trainFraction < 1))
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        long n = tokens.size();
        long cut = (long) Math.floor(trainFraction * n);
        if (cut == 0 || cut == n)
            throw new IllegalArgumentException("cannot split " + n + " tokens at fraction " + trainFraction + ": a part would be empty");
        return new TokenSplit(tokens.slice(0, cut), tokens.slice(cut, n));
    }
}
