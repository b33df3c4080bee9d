package dev.jgrad.nn.data;

import java.util.Objects;

/**
 * A read-only sequence of token ids addressed by {@code long}, so that memory-mapped caches
 * larger than 2^31 tokens work: an in-memory array ({@link #of(int[])}), a {@link TokenCache},
 * or a {@link #slice} of either.
 */
public interface TokenSource {

    /** The number of tokens. */
    long size();

    /** The token at {@code index}, {@code 0 <= index < size()}. */
    int get(long index);

    /** Copies {@code length} tokens starting at {@code from} into {@code destination[offset ...]}. */
    default void copy(long from, int[] destination, int offset, int length) {
        Objects.checkFromIndexSize(from, length, size());
        Objects.checkFromIndexSize(offset, length, destination.length);
        for (int i = 0; i < length; i++) destination[offset + i] = get(from + i);
    }

    /** The tokens {@code [from, to)} as a view (no copy). */
    default TokenSource slice(long from, long to) {
        Objects.checkFromToIndex(from, to, size());
        TokenSource parent = this;
        return new TokenSource() {
            @Override
            public long size() {
                return to - from;
            }

            @Override
            public int get(long index) {
                return parent.get(from + Objects.checkIndex(index, to - from));
            }

            @Override
            public void copy(long start, int[] destination, int offset, int length) {
                Objects.checkFromIndexSize(start, length, to - from);
                parent.copy(from + start, destination, offset, length);
            }
        };
    }

    /** An in-memory source over {@code tokens} (not copied). */
    static TokenSource of(int[] tokens) {
        Objects.requireNonNull(tokens, "tokens");
        return new TokenSource() {
            @Override
            public long size() {
                return tokens.length;
            }

            @Override
            public int get(long index) {
                return tokens[Math.toIntExact(Objects.checkIndex(index, tokens.length))];
            }

            @Override
            public void copy(long from, int[] destination, int offset, int length) {
                Objects.checkFromIndexSize(from, length, tokens.length);
                System.arraycopy(tokens, (int) from, destination, offset, length);
            }
        };
    }
}
