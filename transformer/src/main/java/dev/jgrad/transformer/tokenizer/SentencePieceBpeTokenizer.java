package dev.jgrad.transformer.tokenizer;

import dev.jgrad.transformer.tokenizer.SentencePieceModel.Piece;
import dev.jgrad.transformer.tokenizer.SentencePieceModel.PieceType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's BPE encoder and decoder (LLaMA-2's tokenizer), written to give the same ids and text as
 * the reference C++ library ({@code bpe_model.cc}, {@code normalizer.cc}, {@code sentencepiece_processor.cc}).
 *
 * <h2>Encoding</h2>
 * <ol>
 *   <li><b>Normalize</b> (identity normalizer only). Empty text encodes to nothing. With
 *       remove_extra_whitespaces, leading spaces are dropped (and all-space text encodes to nothing),
 *       runs of spaces collapse to one, trailing spaces are dropped. With add_dummy_prefix a space is put
 *       in front. Every ' ' (U+0020 only: tabs and newlines stay) becomes '▁' (U+2581). A lone surrogate
 *       in the Java string is read as U+FFFD, as SentencePiece reads malformed UTF-8.</li>
 *   <li><b>Split</b> into symbols: one per code point, except that a USER_DEFINED piece is taken whole
 *       (longest match) and never merged.</li>
 *   <li><b>Merge</b>: every adjacent pair whose concatenation is a NORMAL, USER_DEFINED or UNUSED piece
 *       is a candidate with that piece's score. Repeatedly take the candidate with the highest score,
 *       ties to the leftmost (smallest left position); skip it if either side has changed since it was
 *       queued; otherwise merge and queue the new pairs with the left and right neighbours. A max-heap
 *       makes this O(n log n); stale entries are detected by length.</li>
 *   <li><b>Map to ids</b>: a final symbol that is an UNUSED piece is split back into the two symbols it
 *       was merged from (recursively). A symbol that is no piece is unknown: with byte_fallback its UTF-8
 *       bytes become {@code <0xXX>} pieces; without, it becomes the unknown id, and a run of unknown
 *       symbols becomes a single unknown id.</li>
 * </ol>
 *
 * <h2>Decoding</h2>
 * CONTROL pieces (BOS, EOS) decode to nothing, the UNKNOWN piece to unk_surface (" ⁇ "), '▁' to ' '.
 * Consecutive byte pieces are gathered and read as UTF-8, one U+FFFD per byte that does not start a
 * complete valid character. The first piece that starts with '▁' while nothing has been output yet loses
 * that '▁' (the dummy prefix); with remove_extra_whitespaces the next one may lose it too.
 *
 * <h2>llama2.c</h2>
 * Loaded from llama2.c's {@code tokenizer.bin}, this class gives the same ids as from {@code tokenizer.model}
 * (same pieces, scores and inferred types). llama2.c's own encoder ({@code run.c}) differs from SentencePiece
 * on: U+2581 in the text (its export turned every '▁' in the vocabulary into ' ', so a literal '▁' is
 * not found and falls back to bytes), NUL (C strings end there), and, in older versions, empty text (it
 * still emitted the dummy-prefix token). Its decoder strips a leading space only right after BOS and prints
 * byte tokens one byte at a time.
 */
public final class SentencePieceBpeTokenizer implements Tokenizer {

    /** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
    public static final char SPACE_SYMBOL = '\u2581';

    private final SentencePieceModel model;
    private final String[] pieceText;
    private final float[] score;
    private final PieceType[] type;
    private final int[] byteValue;          // id -> byte for BYTE pieces, else -1
    private final int[] byteToId = new int[256];
    private final PieceLookup mergeable;    // NORMAL, USER_DEFINED, UNUSED: what merges may produce
    private final PieceLookup reserved;     // CONTROL, UNKNOWN, BYTE: looked up first, never merged into
    private final String[] userDefined;     // USER_DEFINED pieces, matched whole before merging
    private final java.util.BitSet charsInMultiCharPieces = new java.util.BitSet();
    private final boolean hasUnusedPieces;
    private final int maxUserDefinedLength;
    private final int unkId;
    private final int bosId;
    private final int eosId;

    /** A tokenizer for {@code model} (see {@link SentencePieceModel} for what it checks). */
    public SentencePieceBpeTokenizer(SentencePieceModel model) {
        this.model = model;
        int n = model.pieces.size();
        pieceText = new String[n];
        score = new float[n];
        type = new PieceType[n];
        byteValue = new int[n];
        mergeable = new PieceLookup(n);
        reserved = new PieceLookup(n);
        List<String> user = new ArrayList<>();
        int unk = -1;
        for (int id = 0; id < n; id++) {
            Piece p = model.pieces.get(id);
            pieceText[id] = p.text();
            score[id] = p.score() + 0.0f; // -0.0 compares equal to 0.0 in the reference: make them one value
            type[id] = p.type();
            byteValue[id] = p.type() == PieceType.BYTE ? SentencePieceModel.byteOfPiece(p.text()) : -1;
            boolean normal = p.type() == PieceType.NORMAL || p.type() == PieceType.USER_DEFINED
                    || p.type() == PieceType.UNUSED;
            (normal ? mergeable : reserved).putIfAbsent(p.text(), id);
            if (p.type() == PieceType.USER_DEFINED) user.add(p.text());
            if (normal && p.text().codePointCount(0, p.text().length()) > 1) {
                p.text().codePoints().forEach(charsInMultiCharPieces::set);
            }
            if (p.type() == PieceType.UNKNOWN) unk = id;
        }
        unkId = unk;
        hasUnusedPieces = model.pieces.stream().anyMatch(p -> p.type() == PieceType.UNUSED);
        userDefined = user.toArray(new String[0]);
        int longest = 0;
        for (String u : userDefined) longest = Math.max(longest, u.length());
        maxUserDefinedLength = longest;
        for (int b = 0; b < 256; b++) byteToId[b] = pieceToId(String.format("<0x%02X>", b));
        bosId = controlId(model.bosPiece);
        eosId = controlId(model.eosPiece);
    }

    /** Loads {@code tokenizer.model} (protobuf) or, for a name ending in {@code .bin}, llama2.c's export. */
    public static SentencePieceBpeTokenizer load(Path path) throws IOException {
        String name = path.getFileName().toString();
        return new SentencePieceBpeTokenizer(name.endsWith(".bin")
                ? SentencePieceModel.readLlama2cBin(path)
                : SentencePieceModel.readModelProto(path));
    }

    /** The model this tokenizer was built from. */
    public SentencePieceModel model() {
        return model;
    }

    /** The unknown piece's id. */
    public int unkId() {
        return unkId;
    }

    /** The score of piece {@code id} (higher merges first). */
    public float score(int id) {
        checkId(id, 0);
        return score[id];
    }

    @Override
    public int vocabSize() {
        return pieceText.length;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public String piece(int id) {
        checkId(id, 0);
        return pieceText[id];
    }

    // ---------------------------------------------------------------------------------------------------
    // Encoding

    @Override
    public int[] encode(String text) {
        char[] normalized = normalize(text);
        IntList out = new IntList(normalized.length / 2 + 1);
        if (normalized.length > 0) encodeNormalized(normalized, out);
        return out.toArray();
    }

    /** Step 1 of the class comment: SentencePiece's identity normalizer. */
    char[] normalize(String text) {
        if (text.isEmpty()) return new char[0];
        boolean removeExtra = model.removeExtraWhitespaces;
        char space = model.escapeWhitespaces ? SPACE_SYMBOL : ' ';
        int i = 0;
        int n = text.length();
        if (removeExtra) {
            while (i < n && text.charAt(i) == ' ') i++;
            if (i == n) return new char[0];
        }
        StringBuilder out = new StringBuilder(n + 1);
        if (model.addDummyPrefix) out.append(space);
        boolean previousWasSpace = removeExtra;
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (c == ' ') {
                if (previousWasSpace) continue;
                out.append(space);
                previousWasSpace = removeExtra;
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? Utf8.REPLACEMENT : c);
            }
            previousWasSpace = false;
        }
        if (removeExtra) {
            int end = out.length();
            while (end > 0 && out.charAt(end - 1) == space) end--;
            out.setLength(end);
        }
        char[] chars = new char[out.length()];
        out.getChars(0, chars.length, chars, 0);
        return chars;
    }

    /** Steps 2–4 of the class comment on normalized text. */
    private void encodeNormalized(char[] text, IntList out) {
        int capacity = text.length;
        int[] start = new int[capacity];
        int[] end = new int[capacity];   // a symbol is dead (merged into its left neighbour) when end == start
        int[] prev = new int[capacity];
        int[] next = new int[capacity];
        boolean[] frozen = new boolean[capacity];

        // Step 2: split into characters / user-defined pieces.
        int count = 0;
        for (int i = 0; i < text.length; ) {
            int length = userDefinedMatch(text, i);
            boolean isUser = length > 0;
            if (!isUser) length = Character.isHighSurrogate(text[i]) && i + 1 < text.length ? 2 : 1;
            start[count] = i;
            end[count] = i + length;
            frozen[count] = isUser;
            prev[count] = count - 1;
            next[count] = i + length < text.length ? count + 1 : -1;
            count++;
            i += length;
        }

        // Step 3: merge by score, one stretch between barriers at a time (see isBarrier).
        Merges merges = new Merges(text, start, end, frozen, count);
        int stretchStart = 0;
        for (int i = 0; i <= count; i++) {
            if (i < count && !isBarrier(text, start[i], end[i], frozen[i])) continue;
            for (int k = stretchStart + 1; k < i; k++) merges.maybeAdd(k - 1, k);
            mergeQueued(merges, start, end, prev, next);
            stretchStart = i + 1;
        }

        // Step 4: ids, re-segmenting UNUSED pieces, byte fallback or unknown runs.
        boolean previousUnknown = false;
        for (int s = 0; s != -1; s = next[s]) {
            int id = pieceToId(text, start[s], end[s]);
            if (type[id] == PieceType.UNUSED) {
                List<String> parts = new ArrayList<>();
                resegment(new String(text, start[s], end[s] - start[s]), merges.reverseMerges, parts);
                for (String part : parts) previousUnknown = emit(part.toCharArray(), 0, part.length(), pieceToId(part), previousUnknown, out);
            } else {
                previousUnknown = emit(text, start[s], end[s], id, previousUnknown, out);
            }
        }
    }

    /** The main loop of step 3: pops candidates until none is left. */
    private static void mergeQueued(Merges merges, int[] start, int[] end, int[] prev, int[] next) {
        while (!merges.heap.isEmpty()) {
            int entry = merges.heap.peekPayload();
            int left = (int) merges.heap.peekKey();
            merges.heap.pop();
            int right = merges.entryRight.get(entry);
            int leftLength = end[left] - start[left];
            int rightLength = end[right] - start[right];
            if (leftLength == 0 || rightLength == 0 || leftLength + rightLength != merges.entrySize.get(entry)) {
                continue; // stale: one side was merged into something else since this pair was queued
            }
            end[left] = end[right];
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            end[right] = start[right];
            merges.maybeAdd(prev[left], left);
            merges.maybeAdd(left, next[left]);
        }
        merges.entryRight.clear();
        merges.entrySize.clear();
    }

    /**
     * A symbol that can never be part of a merge: a USER_DEFINED piece, or a character that occurs in no
     * mergeable piece of two or more characters (for LLaMA-2, e.g. '\n' and every byte-fallback
     * character). Merges only ever join neighbours, so the stretches between barriers are independent and
     * merging them one after another gives exactly the result of one heap over the whole text, with
     * smaller heaps (a large speed-up on long texts). Not used when the model has UNUSED pieces: the
     * reference records how each was merged in one table for the whole text, and which record wins depends
     * on the global merge order.
     */
    private boolean isBarrier(char[] text, int from, int to, boolean frozenSymbol) {
        if (hasUnusedPieces) return false;
        return frozenSymbol || !charsInMultiCharPieces.get(Character.codePointAt(text, from, to));
    }

    /** Appends the id(s) for one final symbol; returns whether it was unknown. */
    private boolean emit(char[] text, int from, int to, int id, boolean previousUnknown, IntList out) {
        boolean unknown = id == unkId;
        if (unknown && model.byteFallback) {
            for (byte b : Utf8.encode(new String(text, from, to - from))) out.add(byteToId[b & 0xFF]);
        } else if (!(unknown && previousUnknown)) {
            out.add(id);
        }
        return unknown;
    }

    /** Splits an UNUSED piece back into the pieces it was merged from (bpe_model.cc's resegment). */
    private void resegment(String piece, Map<String, String[]> reverseMerges, List<String> out) {
        int id = pieceToId(piece);
        String[] parts = type[id] == PieceType.UNUSED ? reverseMerges.get(piece) : null;
        if (parts == null) {
            out.add(piece);
            return;
        }
        resegment(parts[0], reverseMerges, out);
        resegment(parts[1], reverseMerges, out);
    }

    /** The merge candidates of one encode call (bpe_model.cc's agenda and rev_merge). */
    private final class Merges {
        final char[] text;
        final int[] start;
        final int[] end;
        final boolean[] frozen;
        final LongHeap heap;
        final IntList entryRight;
        final IntList entrySize;
        final Map<String, String[]> reverseMerges = new HashMap<>();

        Merges(char[] text, int[] start, int[] end, boolean[] frozen, int count) {
            this.text = text;
            this.start = start;
            this.end = end;
            this.frozen = frozen;
            this.heap = new LongHeap(count);
            this.entryRight = new IntList(count);
            this.entrySize = new IntList(count);
        }

        /**
         * Queues the pair (left, right) if their concatenation is a mergeable piece. Heap key: the score
         * mapped to an int whose order is the reverse of the score's (so the min-heap pops the highest
         * score), then the left position (so ties pop leftmost first).
         */
        void maybeAdd(int left, int right) {
            if (left < 0 || right < 0 || frozen[left] || frozen[right]) return;
            int id = mergeable.get(text, start[left], end[right]);
            if (id < 0) return;
            int entry = entryRight.size();
            entryRight.add(right);
            entrySize.add(end[right] - start[left]);
            heap.push(((long) descendingOrder(score[id]) << 32) | left, entry);
            if (type[id] == PieceType.UNUSED) {
                reverseMerges.put(pieceText[id], new String[] {
                        new String(text, start[left], end[left] - start[left]),
                        new String(text, start[right], end[right] - start[right])});
            }
        }
    }

    /** An int that sorts ascending as {@code f} sorts descending (IEEE-754 bits made monotone, then negated). */
    private static int descendingOrder(float f) {
        int bits = Float.floatToIntBits(f);
        int ascending = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ~ascending;
    }

    /** Longest USER_DEFINED piece starting at {@code text[i]}, or 0. */
    private int userDefinedMatch(char[] text, int i) {
        if (maxUserDefinedLength == 0) return 0;
        int best = 0;
        for (String u : userDefined) {
            int n = u.length();
            if (n <= best || i + n > text.length) continue;
            int k = 0;
            while (k < n && u.charAt(k) == text[i + k]) k++;
            if (k == n) best = n;
        }
        return best;
    }

    /** SentencePiece's PieceToId: reserved pieces first, then the rest, else the unknown id. */
    private int pieceToId(char[] text, int from, int to) {
        int id = reserved.get(text, from, to);
        if (id >= 0) return id;
        id = mergeable.get(text, from, to);
        return id >= 0 ? id : unkId;
    }

    private int pieceToId(String piece) {
        int id = reserved.get(piece);
        if (id >= 0) return id;
        id = mergeable.get(piece);
        return id >= 0 ? id : unkId;
    }

    private int controlId(String piece) {
        int id = pieceToId(piece);
        return id >= 0 && type[id] == PieceType.CONTROL ? id : NO_ID;
    }

    // ---------------------------------------------------------------------------------------------------
    // Decoding

    @Override
    public String decode(int[] ids) {
        for (int i = 0; i < ids.length; i++) checkId(ids[i], i);
        Decoder decoder = new Decoder();
        StringBuilder out = new StringBuilder(ids.length * 4);
        for (int id : ids) decoder.next(id, out);
        decoder.finish(out);
        return out.toString();
    }

    @Override
    public StreamDecoder streamDecoder() {
        Decoder decoder = new Decoder();
        return new StreamDecoder() {
            private final StringBuilder out = new StringBuilder();

            @Override
            public String next(int id) {
                checkId(id, 0);
                out.setLength(0);
                decoder.next(id, out);
                return out.toString();
            }

            @Override
            public String finish() {
                out.setLength(0);
                decoder.finish(out);
                return out.toString();
            }
        };
    }

    /** The decoding state machine of sentencepiece_processor.cc's Decode, fed one id at a time. */
    private final class Decoder {
        private final Utf8.PerByteDecoder bytes = new Utf8.PerByteDecoder();
        private boolean atStart = true;          // is_bos_ws: a leading '▁' may still be the dummy prefix
        private boolean consumedDummySpace;      // bos_ws_seen: the previous piece gave up its '▁'
        private boolean anyOutput;               // !text.empty()

        void next(int id, StringBuilder out) {
            int before = out.length();
            if (type[id] == PieceType.BYTE) {
                bytes.write(byteValue[id], out);
            } else {
                bytes.finish(out); // a byte group ends at the first non-byte piece
                if (out.length() > before) anyOutput = true;
                if (consumedDummySpace || anyOutput) atStart = false;
                out.append(surface(id));
            }
            if (out.length() > before) anyOutput = true;
        }

        void finish(StringBuilder out) {
            int before = out.length();
            bytes.finish(out);
            if (out.length() > before) anyOutput = true;
        }

        private String surface(int id) {
            consumedDummySpace = false;
            if (type[id] == PieceType.CONTROL) return "";
            if (type[id] == PieceType.UNKNOWN) return model.unkSurface;
            String piece = pieceText[id];
            if (atStart && (model.addDummyPrefix || model.removeExtraWhitespaces) && piece.charAt(0) == SPACE_SYMBOL) {
                piece = piece.substring(1);
                consumedDummySpace = !model.removeExtraWhitespaces;
            }
            return piece.replace(SPACE_SYMBOL, ' ');
        }
    }

    private void checkId(int id, int position) {
        if (id < 0 || id >= pieceText.length) {
            throw new IllegalArgumentException("token id " + id + " at position " + position
                    + " is outside the vocabulary [0, " + pieceText.length + ")");
        }
    }
}
