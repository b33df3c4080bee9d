package dev.jgrad.nn.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Tokenised documents concatenated into one stream, the way GPT-style models are trained:
 * {@code doc0 [sep] doc1 [sep] doc2}. The optional separator (an end-of-text token) goes
 * <em>between</em> consecutive documents, not after the last one. Document i starts at
 * {@code documentStarts[i]}; a separator belongs to no document.
 *
 * @param tokens         the concatenated ids
 * @param documentStarts the offset of each document's first token, ascending
 */
public record PackedTokens(int[] tokens, long[] documentStarts) {

    public PackedTokens {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(documentStarts, "documentStarts");
    }

    /** Packs {@code documents} (each an id array) with an optional separator between them. */
    public static PackedTokens pack(List<int[]> documents, OptionalInt separator) {
        Objects.requireNonNull(separator, "separator");
        long total = 0;
        for (int[] d : documents) total += d.length;
        if (separator.isPresent() && !documents.isEmpty()) total += documents.size() - 1;
        if (total > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("packed size " + total + " tokens exceeds an int[]; use TokenCache instead");
        int[] tokens = new int[(int) total];
        long[] starts = new long[documents.size()];
        int at = 0;
        for (int i = 0; i < documents.size(); i++) {
            if (i > 0 && separator.isPresent()) tokens[at++] = separator.getAsInt();
            starts[i] = at;
            int[] d = documents.get(i);
            System.arraycopy(d, 0, tokens, at, d.length);
            at += d.length;
        }
        return new PackedTokens(tokens, starts);
    }

    /** The tokens as a {@link TokenSource}. */
    public TokenSource source() {
        return TokenSource.of(tokens);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PackedTokens p && Arrays.equals(tokens, p.tokens) && Arrays.equals(documentStarts, p.documentStarts);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(tokens) + Arrays.hashCode(documentStarts);
    }

    @Override
    public String toString() {
        return "PackedTokens[" + tokens.length + " tokens, " + documentStarts.length + " documents]";
    }
}
