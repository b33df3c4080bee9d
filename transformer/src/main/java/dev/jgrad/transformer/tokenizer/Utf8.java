package dev.jgrad.transformer.tokenizer;

/**
 * UTF-8 encoding and the two ways the reference tokenizers turn invalid UTF-8 back into text.
 *
 * <p>Tokens of byte-level BPE and byte-fallback pieces of SentencePiece are raw bytes, so a token sequence
 * (especially one a model generated) may not be valid UTF-8. The references disagree on how many U+FFFD
 * replacement characters an invalid stretch becomes:
 * <ul>
 *   <li><b>Maximal subpart</b> ({@link MaximalSubpartDecoder}): the WHATWG Encoding Standard decoder used by
 *       JavaScript's {@code TextDecoder} (gpt-3-encoder), Rust's {@code String::from_utf8_lossy} (Hugging
 *       Face tokenizers) and Python's {@code errors="replace"}: a truncated but otherwise well-formed prefix
 *       of a character (E4 B8) becomes <em>one</em> U+FFFD.</li>
 *   <li><b>Per byte</b> ({@link PerByteDecoder}): SentencePiece checks one character at a time and, when the
 *       bytes at the front are not a complete valid character, emits U+FFFD for <em>one byte</em> and
 *       retries from the next byte, so E4 B8 becomes two U+FFFD.</li>
 * </ul>
 * Both accept exactly the well-formed UTF-8 of Unicode (no overlong forms, no surrogates, nothing above
 * U+10FFFF). Both are incremental: bytes go in one at a time and text comes out as soon as it is decided,
 * which is what streaming generation needs.
 */
final class Utf8 {

    /** U+FFFD REPLACEMENT CHARACTER. */
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    /**
     * The UTF-8 bytes of {@code text}. A lone surrogate (a {@code char} in 0xD800–0xDFFF without its partner)
     * is encoded as U+FFFD, as JavaScript's {@code TextEncoder} does (Java's own {@code getBytes} writes '?').
     */
    static byte[] encode(CharSequence text) {
        return encode(text, 0, text.length());
    }

    /** The UTF-8 bytes of {@code text[from, to)}, lone surrogates as U+FFFD. */
    static byte[] encode(CharSequence text, int from, int to) {
        int length = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) length += 1;
            else if (c < 0x800) length += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else length += 3;
        }
        byte[] out = new byte[length];
        int o = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                cp = REPLACEMENT;
            }
            o = put(out, o, cp);
        }
        return out;
    }

    /** Writes the UTF-8 form of code point {@code cp} at {@code out[o]}; returns the next offset. */
    static int put(byte[] out, int o, int cp) {
        if (cp < 0x80) {
            out[o++] = (byte) cp;
        } else if (cp < 0x800) {
            out[o++] = (byte) (0xC0 | (cp >>> 6));
            out[o++] = (byte) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (byte) (0xE0 | (cp >>> 12));
            out[o++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
            out[o++] = (byte) (0x80 | (cp & 0x3F));
        } else {
            out[o++] = (byte) (0xF0 | (cp >>> 18));
            out[o++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
            out[o++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
            out[o++] = (byte) (0x80 | (cp & 0x3F));
        }
        return o;
    }

    /** Strict UTF-8 to text: throws {@link IllegalArgumentException} naming the offset of the first bad byte. */
    static String decodeStrict(byte[] bytes, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int length = validCharLength(bytes, i, to);
            if (length <= 0) {
                throw new IllegalArgumentException("invalid UTF-8 at byte " + (i - from) + " (0x"
                        + Integer.toHexString(bytes[i] & 0xFF) + ")");
            }
            out.appendCodePoint(codePoint(bytes, i, length));
            i += length;
        }
        return out.toString();
    }

    /**
     * Classifies the bytes at {@code b[i..end)}: returns the length (1–4) of the complete, valid character
     * that starts there; 0 if the bytes so far are a valid but incomplete prefix of one (more are needed);
     * or -1 if no continuation can make them valid. The rules are Unicode's well-formed byte sequences
     * (Table 3-7): lead C2–DF + one trail; E0 A0–BF; E1–EC and EE–EF 80–BF; ED 80–9F (no surrogates);
     * F0 90–BF; F1–F3 80–BF; F4 80–8F (nothing above U+10FFFF); every later trail 80–BF.
     */
    static int validCharLength(byte[] b, int i, int end) {
        int lead = b[i] & 0xFF;
        if (lead < 0x80) return 1;
        int needed;
        int lower = 0x80;
        int upper = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            needed = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            needed = 2;
            if (lead == 0xE0) lower = 0xA0;
            if (lead == 0xED) upper = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            needed = 3;
            if (lead == 0xF0) lower = 0x90;
            if (lead == 0xF4) upper = 0x8F;
        } else {
            return -1;
        }
        for (int k = 1; k <= needed; k++) {
            if (i + k >= end) return 0;
            int trail = b[i + k] & 0xFF;
            int lo = k == 1 ? lower : 0x80;
            int hi = k == 1 ? upper : 0xBF;
            if (trail < lo || trail > hi) return -1;
        }
        return needed + 1;
    }

    /** The code point of the valid {@code length}-byte character at {@code b[i]}. */
    static int codePoint(byte[] b, int i, int length) {
        int lead = b[i] & 0xFF;
        return switch (length) {
            case 1 -> lead;
            case 2 -> ((lead & 0x1F) << 6) | (b[i + 1] & 0x3F);
            case 3 -> ((lead & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
            default -> ((lead & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
        };
    }

    /** An incremental UTF-8 decoder: {@link #write} bytes, then {@link #finish} at the end of the stream. */
    interface IncrementalDecoder {
        /** Consumes one byte, appending to {@code out} whatever text it completes. */
        void write(int b, StringBuilder out);

        /** Ends the stream: a pending incomplete character becomes replacement characters. */
        void finish(StringBuilder out);
    }

    /**
     * The WHATWG Encoding Standard UTF-8 decoder (section 4.1, "UTF-8 decoder"), replacing each maximal
     * subpart of an ill-formed sequence with one U+FFFD. State: how many trail bytes are still needed, the
     * code point so far, and the allowed range of the next trail byte (narrowed after E0, ED, F0, F4).
     * A byte outside that range ends the pending character with U+FFFD and is then decoded afresh.
     */
    static final class MaximalSubpartDecoder implements IncrementalDecoder {
        private int needed;
        private int seen;
        private int codePoint;
        private int lower = 0x80;
        private int upper = 0xBF;

        @Override
        public void write(int b, StringBuilder out) {
            b &= 0xFF;
            if (needed == 0) {
                if (b < 0x80) {
                    out.append((char) b);
                } else if (b >= 0xC2 && b <= 0xDF) {
                    needed = 1;
                    codePoint = b & 0x1F;
                } else if (b >= 0xE0 && b <= 0xEF) {
                    if (b == 0xE0) lower = 0xA0;
                    if (b == 0xED) upper = 0x9F;
                    needed = 2;
                    codePoint = b & 0x0F;
                } else if (b >= 0xF0 && b <= 0xF4) {
                    if (b == 0xF0) lower = 0x90;
                    if (b == 0xF4) upper = 0x8F;
                    needed = 3;
                    codePoint = b & 0x07;
                } else {
                    out.append(REPLACEMENT);
                }
                return;
            }
            if (b < lower || b > upper) {
                reset();
                out.append(REPLACEMENT);
                write(b, out); // the offending byte starts over
                return;
            }
            lower = 0x80;
            upper = 0xBF;
            codePoint = (codePoint << 6) | (b & 0x3F);
            if (++seen == needed) {
                out.appendCodePoint(codePoint);
                reset();
            }
        }

        @Override
        public void finish(StringBuilder out) {
            if (needed != 0) {
                reset();
                out.append(REPLACEMENT);
            }
        }

        private void reset() {
            needed = 0;
            seen = 0;
            codePoint = 0;
            lower = 0x80;
            upper = 0xBF;
        }
    }

    /**
     * SentencePiece's policy: look at the bytes at the front; a complete valid character is emitted, and
     * anything that cannot become one (or is cut off by {@link #finish}) costs one byte and one U+FFFD.
     * Holds at most three pending bytes (a valid incomplete prefix).
     */
    static final class PerByteDecoder implements IncrementalDecoder {
        private final byte[] pending = new byte[4];
        private int count;

        @Override
        public void write(int b, StringBuilder out) {
            pending[count++] = (byte) b;
            drain(out, false);
        }

        @Override
        public void finish(StringBuilder out) {
            drain(out, true);
        }

        /** True if no bytes are waiting for the rest of their character. */
        boolean isEmpty() {
            return count == 0;
        }

        private void drain(StringBuilder out, boolean atEnd) {
            while (count > 0) {
                int length = validCharLength(pending, 0, count);
                if (length == 0 && !atEnd) return; // wait for more bytes
                int consumed;
                if (length > 0) {
                    out.appendCodePoint(codePoint(pending, 0, length));
                    consumed = length;
                } else {
                    out.append(REPLACEMENT);
                    consumed = 1;
                }
                System.arraycopy(pending, consumed, pending, 0, count - consumed);
                count -= consumed;
            }
        }
    }
}
