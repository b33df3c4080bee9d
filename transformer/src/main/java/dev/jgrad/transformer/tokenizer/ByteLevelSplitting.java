package dev.jgrad.transformer.tokenizer;

import java.text.Normalizer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a byte-level BPE cuts text into the pieces BPE runs in, as a {@code tokenizer.json}'s {@code normalizer}
 * and {@code pre_tokenizer} say, and the one model option that changes how a piece is encoded:
 * <ul>
 *   <li>{@code nfc}: the {@code NFC} normalizer (Qwen2) first puts the text in Unicode normal form C;</li>
 *   <li>{@code addPrefixSpace}: the ByteLevel pre-tokenizer's option to put a space before text that does not
 *       start with one;</li>
 *   <li>{@code splitRegex}: null for GPT-2's expression (the ByteLevel pre-tokenizer with {@code use_regex},
 *       run by {@link Gpt2PreTokenizer}'s scanner), or the pattern of a {@code Split} pre-tokenizer with
 *       behaviour {@code Isolated} followed by ByteLevel without a regex: Llama 3's
 *       {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+},
 *       or Qwen2's, which differs in taking digits one at a time ({@code \p{N}}). Each match is a piece and so is
 *       the text between matches. The pattern runs on {@link java.util.regex} with Unicode character classes,
 *       so {@code \s} is Unicode's White_Space, as in the Rust library's Oniguruma;</li>
 *   <li>{@code ignoreMerges}: the BPE model's {@code ignore_merges} (Llama 3): a piece that is itself in the
 *       vocabulary becomes that one token without running the merges.</li>
 * </ul>
 */
record ByteLevelSplitting(boolean nfc, boolean addPrefixSpace, String splitRegex, boolean ignoreMerges) {

    /** GPT-2: no normalizer, GPT-2's expression, no prefix space, merges always run. */
    static final ByteLevelSplitting GPT2 = new ByteLevelSplitting(false, false, null, false);

    /** Compiles the split pattern (null for GPT-2's). */
    Pattern compile() {
        return splitRegex == null ? null : Pattern.compile(splitRegex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** {@code text} normalized, with the prefix space added when asked. */
    String prepare(String text) {
        String s = nfc ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
        return addPrefixSpace && !s.isEmpty() && s.charAt(0) != ' ' ? " " + s : s;
    }

    /** Passes each piece of prepared text {@code t} to {@code out}: GPT-2's scanner, or {@code pattern}'s matches and gaps. */
    static void split(String t, Pattern pattern, Gpt2PreTokenizer.PieceConsumer out) {
        if (pattern == null) {
            Gpt2PreTokenizer.split(t, out);
            return;
        }
        Matcher m = pattern.matcher(t);
        int last = 0;
        while (m.find()) {
            if (m.end() == m.start()) continue;
            if (m.start() > last) out.accept(last, m.start());
            out.accept(m.start(), m.end());
            last = m.end();
        }
        if (last < t.length()) out.accept(last, t.length());
    }
}
