package dev.jgrad.nn.data;

import java.util.Objects;

/**
 * Where one document ends and the next begins inside a text file.
 *
 * <ul>
 *   <li>{@link #wholeFile()}: the file is one document (the default).</li>
 *   <li>{@link #blankLines()}: documents are separated by one or more blank lines (lines that are
 *       empty or hold only whitespace); the blank lines belong to no document.</li>
 *   <li>{@link #separatorLine(String)}: documents are separated by lines equal to the separator
 *       (after removing a trailing {@code \r}), e.g. {@code "%"} in fortune files. Blank lines
 *       inside a document are kept.</li>
 * </ul>
 *
 * Documents that are empty or only whitespace are never produced.
 *
 * @param kind      which rule
 * @param separator the separator line for {@link Kind#SEPARATOR_LINE}, otherwise {@code null}
 */
public record DocumentBoundary(Kind kind, String separator) {

    /** The three rules. */
    public enum Kind { WHOLE_FILE, BLANK_LINES, SEPARATOR_LINE }

    public DocumentBoundary {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.SEPARATOR_LINE) {
            if (separator == null || separator.isEmpty() || separator.indexOf('\n') >= 0)
                throw new IllegalArgumentException(
                        "a separator line must be non-empty and hold no newline, got " + quote(separator));
        } else if (separator != null) {
            throw new IllegalArgumentException(kind + " takes no separator, got " + quote(separator));
        }
    }

    /** The whole file is one document. */
    public static DocumentBoundary wholeFile() {
        return new DocumentBoundary(Kind.WHOLE_FILE, null);
    }

    /** Documents are separated by blank lines. */
    public static DocumentBoundary blankLines() {
        return new DocumentBoundary(Kind.BLANK_LINES, null);
    }

    /** Documents are separated by lines equal to {@code separator}. */
    public static DocumentBoundary separatorLine(String separator) {
        return new DocumentBoundary(Kind.SEPARATOR_LINE, separator);
    }

    private static String quote(String s) {
        return s == null ? "null" : '"' + s.replace("\n", "\\n") + '"';
    }
}
