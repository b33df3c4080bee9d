package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufFormatException;
import dev.jgrad.core.io.gguf.GgufValue;
import dev.jgrad.core.io.gguf.GgufWriter;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import dev.jgrad.transformer.tokenizer.SentencePieceBpeTokenizer;
import dev.jgrad.transformer.tokenizer.SentencePieceModel;
import dev.jgrad.transformer.tokenizer.SentencePieceModel.Piece;
import dev.jgrad.transformer.tokenizer.SentencePieceModel.PieceType;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import dev.jgrad.transformer.tokenizer.TokenizerFormatException;

import java.util.ArrayList;
import java.util.List;

/**
 * The tokenizer a GGUF file carries in its {@code tokenizer.ggml.*} metadata, read and written as llama.cpp's
 * converter ({@code convert_hf_to_gguf.py}) lays it out:
 * <ul>
 *   <li>{@code tokenizer.ggml.model}: {@code "llama"} (SentencePiece BPE, pieces spelled with ▁, byte pieces
 *       {@code <0xXX>}) or {@code "gpt2"} (byte-level BPE, with {@code tokenizer.ggml.merges}: "left right" in
 *       rank order, and {@code tokenizer.ggml.pre} naming how text is split: "gpt-2", LLaMA-3's "llama-bpe" or "qwen2",
 *       see {@link ByteLevelBpeTokenizer.PreTokenizer});</li>
 *   <li>{@code tokenizer.ggml.tokens} (STRING array, by id), {@code scores} (FLOAT32), {@code token_type}
 *       (INT32: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte);</li>
 *   <li>{@code bos_token_id}, {@code eos_token_id}, {@code unknown_token_id}, {@code padding_token_id} (UINT32),
 *       {@code add_bos_token}, {@code add_eos_token}, {@code add_space_prefix} (BOOL).</li>
 * </ul>
 * A model whose embedding has more rows than the tokenizer has pieces gets {@code [PAD<id>]} pieces of type unused
 * and score −1000, as the converter pads.
 */
final class GgufTokenizers {

    static final String MODEL = "tokenizer.ggml.model";

    private GgufTokenizers() {}

    /** The file's tokenizer, or null if it has none. */
    static Tokenizer read(GgufFile g) throws GgufFormatException {
        GgufValue model = g.get(MODEL);
        if (model == null) return null;
        String kind = string(g, MODEL);
        String[] tokens = stringArray(g, "tokenizer.ggml.tokens");
        int[] types = intArray(g, "tokenizer.ggml.token_type", tokens.length);
        String source = g.path() + " (" + MODEL + " \"" + kind + "\")";
        try {
            switch (kind) {
                case "llama" -> {
                    float[] scores = floatArray(g, "tokenizer.ggml.scores", tokens.length);
                    List<Piece> pieces = new ArrayList<>(tokens.length);
                    for (int i = 0; i < tokens.length; i++) {
                        PieceType t = types == null ? PieceType.NORMAL : PieceType.ofNumber(types[i]);
                        if (t == null) throw new GgufFormatException(g.path(), "token " + i + " has token_type " + types[i]
                                + ", not 1..6");
                        pieces.add(new Piece(tokens[i], scores == null ? 0f : scores[i], t));
                    }
                    boolean prefix = bool(g, "tokenizer.ggml.add_space_prefix", true);
                    return new SentencePieceBpeTokenizer(SentencePieceModel.fromPieces(pieces, prefix,
                            id(g, "tokenizer.ggml.bos_token_id"), id(g, "tokenizer.ggml.eos_token_id"), source));
                }
                case "gpt2" -> {
                    String[] merges = stringArray(g, "tokenizer.ggml.merges");
                    List<String[]> pairs = new ArrayList<>(merges.length);
                    for (int r = 0; r < merges.length; r++) {
                        int space = merges[r].indexOf(' ', 1);
                        if (space < 0) throw new GgufFormatException(g.path(), "merge " + r + " \"" + merges[r]
                                + "\" is not two pieces separated by a space");
                        pairs.add(new String[] {merges[r].substring(0, space), merges[r].substring(space + 1)});
                    }
                    boolean[] special = new boolean[tokens.length];
                    for (int i = 0; i < tokens.length; i++) special[i] = types != null && types[i] != 1 && types[i] != 6;
                    GgufValue preValue = g.get("tokenizer.ggml.pre");
                    String preName = preValue == null ? null : string(g, "tokenizer.ggml.pre");
                    ByteLevelBpeTokenizer.PreTokenizer pre = ByteLevelBpeTokenizer.PreTokenizer.ofGgufName(preName);
                    if (pre == null)
                        throw new GgufFormatException(g.path(), "tokenizer.ggml.pre is \"" + preName + "\"; jgrad splits text as"
                                + " \"gpt-2\", \"llama-bpe\" and \"qwen2\" do (give --tokenizer to use another tokenizer)");
                    return ByteLevelBpeTokenizer.fromVocabulary(tokens, special, pairs, pre, source);
                }
                default -> throw new GgufFormatException(g.path(), MODEL + " is \"" + kind
                        + "\"; jgrad reads the \"llama\" (SentencePiece) and \"gpt2\" (byte-level BPE) tokenizers");
            }
        } catch (TokenizerFormatException e) {
            throw new GgufFormatException(g.path(), "its tokenizer: " + e.getMessage());
        }
    }

    /** Writes {@code tok}'s metadata, padded to {@code vocabSize} pieces; a tokenizer of another kind is refused. */
    static void write(Tokenizer tok, int vocabSize, GgufWriter w) {
        if (tok.vocabSize() > vocabSize)
            throw new IllegalArgumentException("the tokenizer has " + tok.vocabSize() + " pieces, the model " + vocabSize);
        String[] tokens = new String[vocabSize];
        int[] types = new int[vocabSize];
        switch (tok) {
            case SentencePieceBpeTokenizer spm -> {
                float[] scores = new float[vocabSize];
                List<Piece> pieces = spm.model().pieces();
                for (int i = 0; i < vocabSize; i++) {
                    if (i < pieces.size()) {
                        tokens[i] = pieces.get(i).text();
                        scores[i] = pieces.get(i).score();
                        types[i] = pieces.get(i).type().number();
                    } else {
                        tokens[i] = "[PAD" + i + "]";
                        scores[i] = -1000f;
                        types[i] = PieceType.UNUSED.number();
                    }
                }
                w.put(MODEL, GgufValue.string("llama"));
                w.put("tokenizer.ggml.pre", GgufValue.string("default"));
                w.put("tokenizer.ggml.tokens", GgufValue.array(GgufValue.Type.STRING, tokens));
                w.put("tokenizer.ggml.scores", GgufValue.array(GgufValue.Type.FLOAT32, scores));
                w.put("tokenizer.ggml.token_type", GgufValue.array(GgufValue.Type.INT32, types));
                putId(w, "tokenizer.ggml.bos_token_id", spm.bosId());
                putId(w, "tokenizer.ggml.eos_token_id", spm.eosId());
                putId(w, "tokenizer.ggml.unknown_token_id", spm.unkId());
                w.put("tokenizer.ggml.add_bos_token", GgufValue.bool(true));
                w.put("tokenizer.ggml.add_eos_token", GgufValue.bool(false));
                w.put("tokenizer.ggml.add_space_prefix", GgufValue.bool(spm.model().addDummyPrefix()));
            }
            case ByteLevelBpeTokenizer bpe -> {
                java.util.Collection<Integer> specials = bpe.specialTokens().values();
                for (int i = 0; i < vocabSize; i++) {
                    tokens[i] = i < bpe.vocabSize() ? bpe.piece(i) : "[PAD" + i + "]";
                    types[i] = i >= bpe.vocabSize() ? PieceType.UNUSED.number()
                            : specials.contains(i) ? PieceType.CONTROL.number() : PieceType.NORMAL.number();
                }
                String[] merges = new String[bpe.mergeCount()];
                for (int r = 0; r < merges.length; r++) merges[r] = String.join(" ", bpe.merge(r));
                w.put(MODEL, GgufValue.string("gpt2"));
                if (bpe.preTokenizer() == null)
                    throw new IllegalArgumentException("this byte-level BPE tokenizer cuts text in a way that has no"
                            + " tokenizer.ggml.pre name here (GPT-2's, Llama 3's and Qwen2's have: gpt-2, llama-bpe, qwen2)");
                w.put("tokenizer.ggml.pre", GgufValue.string(bpe.preTokenizer().ggufName()));
                w.put("tokenizer.ggml.tokens", GgufValue.array(GgufValue.Type.STRING, tokens));
                w.put("tokenizer.ggml.token_type", GgufValue.array(GgufValue.Type.INT32, types));
                w.put("tokenizer.ggml.merges", GgufValue.array(GgufValue.Type.STRING, merges));
                putId(w, "tokenizer.ggml.bos_token_id", bpe.bosId());
                putId(w, "tokenizer.ggml.eos_token_id", bpe.eosId());
            }
            default -> throw new IllegalArgumentException("a " + tok.getClass().getSimpleName() + " has no GGUF form"
                    + " (llama.cpp reads SentencePiece and byte-level BPE tokenizers)");
        }
    }

    private static void putId(GgufWriter w, String key, int id) {
        if (id >= 0) w.put(key, GgufValue.uint32(id));
    }

    /** An optional token id key, or -1. */
    static int id(GgufFile g, String key) throws GgufFormatException {
        GgufValue v = g.get(key);
        if (v == null) return -1;
        if (!v.type().isInteger() || v.asLong() < 0 || v.asLong() > Integer.MAX_VALUE)
            throw new GgufFormatException(g.path(), key + " is " + v.type() + " " + v + ", not a token id");
        return (int) v.asLong();
    }

    static boolean bool(GgufFile g, String key, boolean otherwise) throws GgufFormatException {
        GgufValue v = g.get(key);
        if (v == null) return otherwise;
        if (v.type() != GgufValue.Type.BOOL) throw new GgufFormatException(g.path(), key + " is a " + v.type() + ", not a BOOL");
        return v.asBool();
    }

    static String string(GgufFile g, String key) throws GgufFormatException {
        GgufValue v = g.require(key);
        if (v.type() != GgufValue.Type.STRING) throw new GgufFormatException(g.path(), key + " is a " + v.type() + ", not a STRING");
        return v.asString();
    }

    private static GgufValue.Array array(GgufFile g, String key, GgufValue.Type element, int length, boolean required)
            throws GgufFormatException {
        GgufValue v = required ? g.require(key) : g.get(key);
        if (v == null) return null;
        if (v.type() != GgufValue.Type.ARRAY || v.asArray().elementType() != element)
            throw new GgufFormatException(g.path(), key + " is not an array of " + element);
        if (length >= 0 && v.asArray().size() != length)
            throw new GgufFormatException(g.path(), key + " has " + v.asArray().size() + " elements for " + length + " tokens");
        return v.asArray();
    }

    private static String[] stringArray(GgufFile g, String key) throws GgufFormatException {
        return array(g, key, GgufValue.Type.STRING, -1, true).strings();
    }

    private static float[] floatArray(GgufFile g, String key, int length) throws GgufFormatException {
        GgufValue.Array a = array(g, key, GgufValue.Type.FLOAT32, length, false);
        return a == null ? null : a.floats();
    }

    private static int[] intArray(GgufFile g, String key, int length) throws GgufFormatException {
        GgufValue v = g.get(key);
        if (v == null) return null;
        if (v.type() != GgufValue.Type.ARRAY || !v.asArray().elementType().isInteger() || v.asArray().size() != length)
            throw new GgufFormatException(g.path(), key + " is not an integer array of " + length + " elements");
        return v.asArray().ints();
    }
}
