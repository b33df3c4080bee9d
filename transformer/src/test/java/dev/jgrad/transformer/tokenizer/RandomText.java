package dev.jgrad.transformer.tokenizer;

import dev.jgrad.core.Generator;

/**
 * Seeded random strings over all of Unicode's valid code points (never a lone surrogate), weighted towards
 * what breaks tokenizers: emoji with ZWJ, skin tones, variation selectors and flags; CJK; controls; runs of
 * assorted whitespace; combining marks; right-to-left scripts; apostrophes and digits.
 */
final class RandomText {

    private static final int[] WHITESPACE = {' ', '\t', '\n', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2002, 0x2009,
            0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF};

    private final Generator rng;
    private final boolean allowSpaceSymbol;

    /** {@code allowSpaceSymbol}: whether U+2581 may appear (SentencePiece decodes it as a space). */
    RandomText(long seed, boolean allowSpaceSymbol) {
        this.rng = new Generator(seed);
        this.allowSpaceSymbol = allowSpaceSymbol;
    }

    String next(int maxCodePoints) {
        StringBuilder out = new StringBuilder();
        int n = rng.nextInt(maxCodePoints + 1);
        for (int i = 0; i < n; i++) appendPiece(out);
        return out.toString();
    }

    private void appendPiece(StringBuilder out) {
        double r = rng.nextDouble();
        if (r < 0.25) {
            out.appendCodePoint(0x20 + rng.nextInt(0x5F));
        } else if (r < 0.37) {
            int ws = WHITESPACE[rng.nextInt(WHITESPACE.length)];
            int run = rng.nextDouble() < 0.7 ? 1 : 1 + rng.nextInt(9);
            for (int k = 0; k < run; k++) out.appendCodePoint(ws);
        } else if (r < 0.42) {
            int[] controls = {rng.nextInt(0x20), 0x7F, 0x80 + rng.nextInt(0x20), 0x200B, 0x200D, 0x00AD};
            out.appendCodePoint(controls[rng.nextInt(controls.length)]);
        } else if (r < 0.55) {
            appendEmoji(out);
        } else if (r < 0.65) {
            out.appendCodePoint(0x4E00 + rng.nextInt(0x5200));
        } else if (r < 0.70) {
            out.appendCodePoint(0x0300 + rng.nextInt(0x70));
        } else if (r < 0.75) {
            out.appendCodePoint(rng.nextDouble() < 0.5 ? 0x0590 + rng.nextInt(0x70) : 0x0600 + rng.nextInt(0x100));
        } else if (r < 0.79) {
            String[] bits = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'", "''", "0", "42", "3.14"};
            out.append(bits[rng.nextInt(bits.length)]);
        } else {
            int cp;
            do {
                cp = rng.nextInt(Character.MAX_CODE_POINT + 1);
            } while (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE
                    || (!allowSpaceSymbol && cp == SentencePieceBpeTokenizer.SPACE_SYMBOL));
            out.appendCodePoint(cp);
        }
    }

    private void appendEmoji(StringBuilder out) {
        double r = rng.nextDouble();
        int base = 0x1F300 + rng.nextInt(0x700);
        if (r < 0.4) {
            out.appendCodePoint(base);
        } else if (r < 0.6) {
            out.appendCodePoint(base).appendCodePoint(0x1F3FB + rng.nextInt(5)); // skin tone
        } else if (r < 0.8) {
            out.appendCodePoint(0x1F468).append('\u200D').appendCodePoint(0x1F469).append('\u200D')
                    .appendCodePoint(0x1F467 + rng.nextInt(2)); // family ZWJ sequence
        } else if (r < 0.9) {
            out.appendCodePoint(0x1F1E6 + rng.nextInt(26)).appendCodePoint(0x1F1E6 + rng.nextInt(26)); // flag
        } else {
            out.appendCodePoint(0x2764).append('\uFE0F'); // heart + variation selector
        }
    }
}
