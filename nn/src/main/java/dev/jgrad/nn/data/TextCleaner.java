package dev.jgrad.nn.data;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Objects;

/**
 * Cleans document text before deduplication and tokenisation. The steps, in order:
 *
 * <ol>
 *   <li>Line ends: {@code \r\n} and a lone {@code \r} become {@code \n} (always).</li>
 *   <li>Control characters removed: every code point of general category Cc except {@code \n}
 *       and {@code \t} (NUL, BEL, backspace, ESC, DEL, C1 controls ...), and a byte-order mark
 *       U+FEFF at the very start. This runs before NFC, since removing a control can bring a
 *       combining mark next to its base letter.</li>
 *   <li>Lowercase, if asked ({@link Locale#ROOT}, so the result does not depend on the machine).
 *       It runs before NFC because lowercasing can produce a decomposed sequence
 *       ({@code "İ"} lowercases to {@code "i"} + U+0307).</li>
 *   <li>Unicode NFC: canonical decomposition then canonical composition, so {@code "e"} + U+0301
 *       becomes {@code "é"} (U+00E9) and equal-looking texts have equal code points.</li>
 *   <li>Whitespace: in every line, runs of spaces (U+0020) collapse to one space and trailing
 *       spaces and tabs are stripped; runs of blank lines longer than
 *       {@code maxConsecutiveBlankLines} are shortened to that many; blank lines at the start and
 *       end of the document are removed.</li>
 * </ol>
 *
 * Cleaning is idempotent: cleaning a cleaned text changes nothing.
 */
public final class TextCleaner {

    /**
     * What to do.
     *
     * @param nfc                      apply Unicode NFC
     * @param removeControlCharacters  drop Cc characters other than {@code \n}, {@code \t}
     * @param normalizeWhitespace      collapse spaces, strip trailing whitespace, limit blank lines
     * @param maxConsecutiveBlankLines most blank lines kept in a row (0 removes them all), used when
     *                                 {@code normalizeWhitespace}
     * @param lowercase                lowercase everything
     */
    public record Options(boolean nfc, boolean removeControlCharacters, boolean normalizeWhitespace,
                          int maxConsecutiveBlankLines, boolean lowercase) {
        public Options {
            if (maxConsecutiveBlankLines < 0)
                throw new IllegalArgumentException("maxConsecutiveBlankLines must be >= 0, got " + maxConsecutiveBlankLines);
        }

        /** NFC, controls removed, whitespace normalised with at most one blank line in a row, case kept. */
        public static Options defaults() {
            return new Options(true, true, true, 1, false);
        }

        /** The same options with {@code lowercase} set. */
        public Options withLowercase(boolean lowercase) {
            return new Options(nfc, removeControlCharacters, normalizeWhitespace, maxConsecutiveBlankLines, lowercase);
        }
    }

    private final Options options;

    public TextCleaner(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A cleaner with {@link Options#defaults()}. */
    public TextCleaner() {
        this(Options.defaults());
    }

    public Options options() {
        return options;
    }

    /** The cleaned text. */
    public String clean(String text) {
        String s = normalizeLineEnds(text);
        if (options.removeControlCharacters()) s = removeControlCharacters(s);
        if (options.lowercase()) s = s.toLowerCase(Locale.ROOT);
        if (options.nfc()) s = Normalizer.normalize(s, Normalizer.Form.NFC);
        if (options.normalizeWhitespace()) s = normalizeWhitespace(s, options.maxConsecutiveBlankLines());
        return s;
    }

    /** A document with its text cleaned; same source. */
    public Document clean(Document document) {
        return new Document(document.source(), clean(document.text()));
    }

    static String normalizeLineEnds(String s) {
        if (s.indexOf('\r') < 0) return s;
        return s.replace("\r\n", "\n").replace('\r', '\n');
    }

    static String removeControlCharacters(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            // Every Cc code point is in the BMP, so testing UTF-16 units is exact.
            boolean control = Character.getType(c) == Character.CONTROL && c != '\n' && c != '\t';
            boolean leadingBom = c == '\uFEFF' && out.isEmpty();
            if (!control && !leadingBom) out.append(c);
        }
        return out.toString();
    }

    static String normalizeWhitespace(String s, int maxBlankLines) {
        StringBuilder out = new StringBuilder(s.length());
        int pendingBlankLines = 0;
        boolean anyLine = false;
        int lineStart = 0;
        while (lineStart <= s.length()) {
            int lineEnd = s.indexOf('\n', lineStart);
            if (lineEnd < 0) lineEnd = s.length();
            String line = collapseSpaces(s, lineStart, lineEnd);
            if (line.isEmpty()) {
                pendingBlankLines++;
            } else {
                if (anyLine) {
                    out.append('\n');
                    for (int i = 0; i < Math.min(pendingBlankLines, maxBlankLines); i++) out.append('\n');
                }
                out.append(line);
                anyLine = true;
                pendingBlankLines = 0;
            }
            lineStart = lineEnd + 1;
        }
        return out.toString();
    }

    /** s[from, to) with runs of spaces collapsed and trailing spaces/tabs removed. */
    private static String collapseSpaces(String s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) to--;
        StringBuilder line = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == ' ' && i > from && s.charAt(i - 1) == ' ') continue;
            line.append(c);
        }
        return line.toString();
    }
}
