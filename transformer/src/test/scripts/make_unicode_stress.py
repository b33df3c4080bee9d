#!/usr/bin/python3
"""Writes transformer/src/test/resources/tokenizer/unicode-stress.txt, the hostile-but-valid text that the
tokenizer parity fixtures encode. Every line is written with escapes so a reader can see what it holds.

Only characters assigned in Unicode 15.0 or earlier are used: the GPT-2 pre-tokenizer depends on \\p{L} and
\\p{N}, and Node (ICU), Java and Python ship different Unicode versions.

Run: /usr/bin/python3 transformer/src/test/scripts/make_unicode_stress.py
"""
import pathlib

LINES = [
    # ASCII prose, contractions (GPT-2 splits 's 't 're 've 'm 'll 'd), case variants the regex does not split
    "Hello, world! It's a test: we'll see if they're right, I'm sure you've heard it'd work.",
    "DON'T SHOUT'S 'S 'T o'clock rock'n'roll ''quoted'' \"double\" `back`",
    # numbers, including non-ASCII digits and number-like letters
    "0 1 12 123 1234 12345 3.14159 1e-9 -42 +7 100% $5 \u0661\u0662\u0663 \u0966\u0967 \u00bd \u2162 \u216b \u2460",
    # emoji: plain, skin tones, ZWJ families/professions, flags, keycaps, variation selectors
    "\U0001F600\U0001F602 \U0001F44B\U0001F3FD \U0001F44D\U0001F3FF \U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 "
    "\U0001F469\U0001F3FE\u200d\U0001F4BB \U0001F3F3\ufe0f\u200d\U0001F308 \U0001F1EF\U0001F1F5\U0001F1FA\U0001F1F8 "
    "1\ufe0f\u20e3 #\ufe0f\u20e3 \u2764\ufe0f \u2764 \U0001F9D1\u200d\U0001F91D\u200d\U0001F9D1",
    # CJK, kana, hangul (precomposed and conjoining jamo), fullwidth forms
    "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3068\u30ab\u30bf\u30ab\u30ca\u3002\u4e2d\u6587\u5b57\u7b26\uff0c\u7e41\u9ad4\u5b57\u3002"
    "\ud55c\uad6d\uc5b4 \u1112\u1161\u11ab \uff21\uff22\uff23\uff11\uff12\uff13",
    # right-to-left scripts with embedded numbers and marks
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 123 \u0627\u0644\u0633\u0651\u064e\u0644\u0627\u0645\u064f "
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd \u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd \u200f\u200e\u202b\u202c",
    # combining marks: decomposed accents, stacked marks, Devanagari and Thai clusters
    "e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0324\u0354\u0367\u0311\u0313 q\u0307\u0323 \u0928\u092e\u0938\u094d\u0924\u0947 "
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 \u00e9 vs e\u0301",
    # controls and format characters
    "NUL[\u0000] SOH[\u0001] ESC[\u001b] DEL[\u007f] NEL[\u0085] FS[\u001c] US[\u001f] ZWSP[\u200b] ZWNJ[\u200c] "
    "ZWJ[\u200d] BOM[\ufeff] SHY[\u00ad] LRM[\u200e]",
    # whitespace: tabs, CR, runs of spaces, NBSP, ideographic and other Unicode spaces, line/paragraph separators
    "tab\tx\t\ty \t z\r\nCRLF\rCR  two   three    four        eight",
    " leading space",
    "  two leading",
    "trailing   ",
    "nbsp[\u00a0] nnbsp[\u202f] ideographic[\u3000] thin[\u2009] hair[\u200a] em[\u2003] ogham[\u1680] LS[\u2028] PS[\u2029] VT[\u000b] FF[\u000c]",
    "\u00a0\u00a0x \u3000\u3000y",
    # mathematics and symbols, including astral mathematical alphanumerics
    "\u2200x\u2208\u211d: \u2202f/\u2202x \u2211\u221a\u221e \u2260 \u2264 \u2265 \u00b1 \u00d7 \u00f7 \U0001D538\U0001D54F \U0001D49C \U0001D7D9 \u222b\u2080\u00b9",
    # other astral-plane characters: Gothic, cuneiform, hieroglyphs, mahjong, CJK extension B
    "\U00010348\U00010330 \U00012000 \U00013000\U00013001 \U0001F004 \U00020000\U0002A6D6 \U0001D306",
    # strings that look like special tokens to one tokenizer or another
    "<|endoftext|> <s> </s> <unk> <0x0A> <pad> \u2581 \u2581\u2581x ##sub \u0120the",
    # punctuation runs and mixed scripts without spaces
    "...!!!???---***___===+++ ~~~ ``` \u2014\u2013 \u201chi\u201d \u2018yo\u2019 \u00abfr\u00bb \u2026",
    "abc\u65e5\u672c123\U0001F600def\u0645\u0631\u062d\u0628\u0627x",
    # private use and noncharacters (valid code points, unassigned meaning)
    "\ue000\uf8ff \U000F0000 \U0010FFFD \ufffd \ufffe \uffff \U0010FFFF",
    "",
    "end",
]

text = "\n".join(LINES) + "\n"
out = pathlib.Path(__file__).resolve().parents[1] / "resources" / "tokenizer" / "unicode-stress.txt"
out.write_bytes(text.encode("utf-8"))
print(f"wrote {out} ({len(text)} code points, {len(text.encode('utf-8'))} bytes)")
