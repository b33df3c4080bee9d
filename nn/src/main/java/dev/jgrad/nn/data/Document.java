package dev.jgrad.nn.data;

import java.util.Objects;

/**
 * One document of a corpus: the unit that deduplication removes and that splitting assigns to
 * train, validation or test as a whole.
 *
 * @param source where it came from, for messages: a file path, {@code path#k} for the k-th
 *               (0-based) document of a split file, or {@code path:line} for a JSONL record
 * @param text   the document's text
 */
public record Document(String source, String text) {
    public Document {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(text, "text");
    }
}
