package dev.jgrad.transformer.tokenizer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenizer: the text is cut into pieces by the regular expression
 * <pre>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</pre>
 * applied left to right (first alternative that matches at a position wins), and BPE then runs inside each
 * piece only. So a word carries its leading space (" world"), digits and punctuation form their own pieces,
 * and a run of spaces before a word leaves its last space to that word.
 *
 * <p>{@code \s} is JavaScript's whitespace (the reference, gpt-3-encoder, is JavaScript): TAB, LF, VT, FF,
 * CR, U+FEFF and the space separators (U+0020, U+00A0, U+1680, U+2000–U+200A, U+202F, U+205F, U+3000), plus
 * U+2028 and U+2029. It differs from Python's regex module (used by openai/gpt-2) only in U+FEFF (space in
 * JavaScript) and U+0085 (space in Python). {@code \p{L}} and {@code \p{N}} are Unicode general categories
 * L* and N* (Java's tables; Unicode version per JDK).
 *
 * <p>Two implementations with one behaviour: {@link #split} is a hand-written scanner (the one used), and
 * {@link #splitWithRegex} runs the expression itself through {@link java.util.regex}; tests compare them.
 */
final class Gpt2PreTokenizer {

    /** Receives each piece as the range {@code text[start, end)}. */
    @FunctionalInterface
    interface PieceConsumer {
        void accept(int start, int end);
    }

    static final String WHITESPACE =
            "\\t\\n\\x0B\\f\\r\\x20\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";
    /** The GPT-2 expression with {@code \s} spelled out as JavaScript's whitespace class. */
    static final Pattern PATTERN = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+"
            + "| ?[^" + WHITESPACE + "\\p{L}\\p{N}]+|[" + WHITESPACE + "]+(?![^" + WHITESPACE + "])|[" + WHITESPACE + "]+");

    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    private static final byte OTHER = 4;
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) ASCII_CLASS[c] = classifySlow(c);
    }

    private Gpt2PreTokenizer() {}

    /** Reference implementation: the regular expression. */
    static void splitWithRegex(CharSequence text, PieceConsumer out) {
        Matcher m = PATTERN.matcher(text);
        while (m.find()) out.accept(m.start(), m.end());
    }

    /**
     * The same pieces as {@link #splitWithRegex}, by a scanner that follows the alternatives in order: a
     * contraction; else an optional space and a run of letters, of numbers, or of "other" characters
     * (class decided by the character after the space); else a whitespace run, which gives up its last
     * character when a non-space follows and the run is longer than one (the {@code (?!\S)} lookahead).
     */
    static void split(CharSequence text, PieceConsumer out) {
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\'' && i + 1 < n) {
                char c1 = text.charAt(i + 1);
                if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
                    out.accept(i, i + 2);
                    i += 2;
                    continue;
                }
                if (i + 2 < n) {
                    char c2 = text.charAt(i + 2);
                    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                        out.accept(i, i + 3);
                        i += 3;
                        continue;
                    }
                }
            }
            int first = i;
            if (c == ' ' && i + 1 < n && classAt(text, i + 1) != SPACE) first = i + 1; // " ?" then a run
            int cls = classAt(text, first);
            if (cls != SPACE) {
                int end = runEnd(text, first, cls);
                out.accept(i, end);
                i = end;
                continue;
            }
            int end = runEnd(text, i, SPACE);
            if (end < n && end - i > 1) end--; // all whitespace chars are single UTF-16 units
            out.accept(i, end);
            i = end;
        }
    }

    private static int runEnd(CharSequence text, int from, int cls) {
        int n = text.length();
        int i = from;
        while (i < n && classAt(text, i) == cls) i += Character.charCount(Character.codePointAt(text, i));
        return i;
    }

    private static int classAt(CharSequence text, int i) {
        char c = text.charAt(i);
        if (c < 128) return ASCII_CLASS[c];
        return classifySlow(Character.codePointAt(text, i));
    }

    private static byte classifySlow(int cp) {
        if (isWhitespace(cp)) return SPACE;
        if (Character.isLetter(cp)) return LETTER;
        int type = Character.getType(cp);
        if (type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER) {
            return NUMBER;
        }
        return OTHER;
    }

    /** JavaScript's {@code \s}. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }
}
