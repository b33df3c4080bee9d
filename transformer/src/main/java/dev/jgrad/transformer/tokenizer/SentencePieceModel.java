package dev.jgrad.transformer.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The contents of a SentencePiece model that encoding and decoding need: the pieces (text, score, type) and
 * the normalizer and trainer flags. Read from either of two files:
 * <ul>
 *   <li>{@code tokenizer.model}: SentencePiece's {@code ModelProto} in protobuf wire format
 *       ({@link #readModelProto}). Fields used (numbers from {@code sentencepiece_model.proto}):
 *       ModelProto {1 pieces, 2 trainer_spec, 3 normalizer_spec}; SentencePiece {1 piece, 2 score (float),
 *       3 type}; TrainerSpec {3 model_type, 24 treat_whitespace_as_suffix, 35 byte_fallback, 44 unk_surface,
 *       45 unk_piece, 46 bos_piece, 47 eos_piece, 48 pad_piece}; NormalizerSpec {1 name, 2
 *       precompiled_charsmap, 3 add_dummy_prefix, 4 remove_extra_whitespaces, 5 escape_whitespaces}.
 *       Proto2 defaults apply to absent fields (add_dummy_prefix, remove_extra_whitespaces and
 *       escape_whitespaces default to true; model_type to UNIGRAM).</li>
 *   <li>{@code tokenizer.bin}: llama2.c's export ({@link #readLlama2cBin}): int32 max_token_length, then per
 *       token float32 score, int32 byte length, bytes; little-endian; the token count is "until the end".
 *       The export replaced U+2581 with ' ' and wrote BOS/EOS as "\n&lt;s&gt;\n"/"\n&lt;/s&gt;\n", and it has
 *       no piece types, so they are inferred: id 0 UNKNOWN "&lt;unk&gt;", ids 1 and 2 CONTROL "&lt;s&gt;" and
 *       "&lt;/s&gt;", pieces spelled {@code <0xXX>} BYTE (byte fallback on when all 256 exist), the rest
 *       NORMAL; normalizer as LLaMA's (identity, dummy prefix, no whitespace removal).</li>
 * </ul>
 */
public final class SentencePieceModel {

    /** SentencePiece's piece types, with their protobuf enum numbers. */
    public enum PieceType {
        NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

        final int protoNumber;

        PieceType(int protoNumber) {
            this.protoNumber = protoNumber;
        }

        /** The type's number in SentencePiece's protobuf and in GGUF's {@code tokenizer.ggml.token_type}. */
        public int number() {
            return protoNumber;
        }

        /** The type of a protobuf / GGUF number, or null. */
        public static PieceType ofNumber(int n) {
            return ofProtoNumber(n);
        }

        static PieceType ofProtoNumber(int n) {
            for (PieceType t : values()) if (t.protoNumber == n) return t;
            return null;
        }
    }

    /** One vocabulary entry. */
    public record Piece(String text, float score, PieceType type) {}

    /** TrainerSpec.model_type value for BPE. */
    static final int MODEL_TYPE_BPE = 2;
    private static final long MAX_FILE_BYTES = 1L << 30;
    /** Sanity bound on llama2.c's max_token_length (LLaMA-2's is 27 bytes). */
    private static final int MAX_LLAMA2C_TOKEN_BYTES = 1 << 16;
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x[0-9A-F]{2}>");

    final List<Piece> pieces;
    final String source;
    final int modelType;
    final boolean byteFallback;
    final boolean treatWhitespaceAsSuffix;
    final boolean addDummyPrefix;
    final boolean removeExtraWhitespaces;
    final boolean escapeWhitespaces;
    final String normalizerName;
    final int precompiledCharsmapBytes;
    final String unkSurface;
    final String unkPiece;
    final String bosPiece;
    final String eosPiece;
    final String padPiece;

    private SentencePieceModel(Builder b) {
        this.pieces = List.copyOf(b.pieces);
        this.source = b.source;
        this.modelType = b.modelType;
        this.byteFallback = b.byteFallback;
        this.treatWhitespaceAsSuffix = b.treatWhitespaceAsSuffix;
        this.addDummyPrefix = b.addDummyPrefix;
        this.removeExtraWhitespaces = b.removeExtraWhitespaces;
        this.escapeWhitespaces = b.escapeWhitespaces;
        this.normalizerName = b.normalizerName;
        this.precompiledCharsmapBytes = b.precompiledCharsmapBytes;
        this.unkSurface = b.unkSurface;
        this.unkPiece = b.unkPiece;
        this.bosPiece = b.bosPiece;
        this.eosPiece = b.eosPiece;
        this.padPiece = b.padPiece;
    }

    /** The pieces, indexed by id. */
    public List<Piece> pieces() {
        return pieces;
    }

    /** NormalizerSpec.add_dummy_prefix: a space is put in front of the text before encoding. */
    public boolean addDummyPrefix() {
        return addDummyPrefix;
    }

    /** NormalizerSpec.remove_extra_whitespaces: leading, trailing and repeated spaces are dropped. */
    public boolean removeExtraWhitespaces() {
        return removeExtraWhitespaces;
    }

    /** TrainerSpec.byte_fallback: characters outside the vocabulary become {@code <0xXX>} byte pieces. */
    public boolean byteFallback() {
        return byteFallback;
    }

    /** NormalizerSpec.name ("identity" for LLaMA-2). */
    public String normalizerName() {
        return normalizerName;
    }

    // ---------------------------------------------------------------------------------------------------
    // tokenizer.model

    /** Reads a SentencePiece {@code ModelProto} file. */
    public static SentencePieceModel readModelProto(Path path) throws IOException {
        return parseModelProto(readBounded(path), path.toString());
    }

    /** Parses a serialized {@code ModelProto}; {@code source} names it in error messages. */
    public static SentencePieceModel parseModelProto(byte[] data, String source) throws TokenizerFormatException {
        Builder b = new Builder(source);
        b.modelType = 1; // proto2 default: UNIGRAM
        ProtobufReader in = new ProtobufReader(data, 0, data.length, source);
        while (in.hasMore()) {
            int key = in.readKey();
            switch (ProtobufReader.fieldNumber(key)) {
                case 1 -> {
                    in.expectWireType(key, ProtobufReader.LEN, "pieces");
                    b.pieces.add(readPiece(in.readMessage(), b.pieces.size()));
                }
                case 2 -> {
                    in.expectWireType(key, ProtobufReader.LEN, "trainer_spec");
                    readTrainerSpec(in.readMessage(), b);
                }
                case 3 -> {
                    in.expectWireType(key, ProtobufReader.LEN, "normalizer_spec");
                    readNormalizerSpec(in.readMessage(), b);
                }
                default -> in.skip(key);
            }
        }
        return b.build();
    }

    private static Piece readPiece(ProtobufReader in, int index) throws TokenizerFormatException {
        String text = null;
        float score = 0f;
        PieceType type = PieceType.NORMAL; // proto2 default
        while (in.hasMore()) {
            int key = in.readKey();
            switch (ProtobufReader.fieldNumber(key)) {
                case 1 -> {
                    in.expectWireType(key, ProtobufReader.LEN, "piece");
                    text = in.readString();
                }
                case 2 -> {
                    in.expectWireType(key, ProtobufReader.I32, "score");
                    score = Float.intBitsToFloat(in.readFixed32());
                }
                case 3 -> {
                    in.expectWireType(key, ProtobufReader.VARINT, "type");
                    int at = in.position();
                    long n = in.readVarint();
                    type = PieceType.ofProtoNumber((int) n);
                    if (type == null || n != (int) n) throw in.error(at, "piece " + index + " has unknown type " + n);
                }
                default -> in.skip(key);
            }
        }
        if (text == null) throw in.error(in.position(), "piece " + index + " has no text");
        return new Piece(text, score, type);
    }

    private static void readTrainerSpec(ProtobufReader in, Builder b) throws TokenizerFormatException {
        while (in.hasMore()) {
            int key = in.readKey();
            switch (ProtobufReader.fieldNumber(key)) {
                case 3 -> b.modelType = (int) varint(in, key, "model_type");
                case 24 -> b.treatWhitespaceAsSuffix = varint(in, key, "treat_whitespace_as_suffix") != 0;
                case 35 -> b.byteFallback = varint(in, key, "byte_fallback") != 0;
                case 44 -> b.unkSurface = string(in, key, "unk_surface");
                case 45 -> b.unkPiece = string(in, key, "unk_piece");
                case 46 -> b.bosPiece = string(in, key, "bos_piece");
                case 47 -> b.eosPiece = string(in, key, "eos_piece");
                case 48 -> b.padPiece = string(in, key, "pad_piece");
                default -> in.skip(key);
            }
        }
    }

    private static void readNormalizerSpec(ProtobufReader in, Builder b) throws TokenizerFormatException {
        while (in.hasMore()) {
            int key = in.readKey();
            switch (ProtobufReader.fieldNumber(key)) {
                case 1 -> b.normalizerName = string(in, key, "name");
                case 2 -> {
                    in.expectWireType(key, ProtobufReader.LEN, "precompiled_charsmap");
                    b.precompiledCharsmapBytes = in.readBytes().length;
                }
                case 3 -> b.addDummyPrefix = varint(in, key, "add_dummy_prefix") != 0;
                case 4 -> b.removeExtraWhitespaces = varint(in, key, "remove_extra_whitespaces") != 0;
                case 5 -> b.escapeWhitespaces = varint(in, key, "escape_whitespaces") != 0;
                default -> in.skip(key);
            }
        }
    }

    private static long varint(ProtobufReader in, int key, String name) throws TokenizerFormatException {
        in.expectWireType(key, ProtobufReader.VARINT, name);
        return in.readVarint();
    }

    private static String string(ProtobufReader in, int key, String name) throws TokenizerFormatException {
        in.expectWireType(key, ProtobufReader.LEN, name);
        return in.readString();
    }

    // ---------------------------------------------------------------------------------------------------
    // tokenizer.bin (llama2.c)

    /**
     * A BPE model given piece by piece, as a GGUF file's {@code tokenizer.ggml.*} arrays carry it (llama.cpp's
     * "llama" tokenizer): identity normalizer, whitespace kept as it is, {@code addDummyPrefix} as the file says,
     * byte fallback when all 256 {@code <0xXX>} pieces are present; {@code bosId} and {@code eosId} (or -1) name
     * the control pieces that start and end a text. {@code source} names the origin in error messages.
     */
    public static SentencePieceModel fromPieces(List<Piece> pieces, boolean addDummyPrefix, int bosId, int eosId,
                                                String source) throws TokenizerFormatException {
        Builder b = new Builder(source);
        b.modelType = MODEL_TYPE_BPE;
        b.normalizerName = "identity";
        b.removeExtraWhitespaces = false;
        b.addDummyPrefix = addDummyPrefix;
        b.pieces.addAll(pieces);
        int bytePieces = 0;
        for (Piece p : pieces) if (p.type() == PieceType.BYTE) bytePieces++;
        b.byteFallback = bytePieces == 256;
        if (bosId >= 0 && bosId < pieces.size()) b.bosPiece = pieces.get(bosId).text();
        if (eosId >= 0 && eosId < pieces.size()) b.eosPiece = pieces.get(eosId).text();
        return b.build();
    }

    /** Reads llama2.c's {@code tokenizer.bin}. */
    public static SentencePieceModel readLlama2cBin(Path path) throws IOException {
        return parseLlama2cBin(readBounded(path), path.toString());
    }

    /** Parses llama2.c's tokenizer export; {@code source} names it in error messages. */
    public static SentencePieceModel parseLlama2cBin(byte[] data, String source) throws TokenizerFormatException {
        if (data.length < 4) throw new TokenizerFormatException(source + ": too short for a llama2.c tokenizer ("
                + data.length + " bytes)");
        int maxTokenLength = le32(data, 0);
        if (maxTokenLength <= 0 || maxTokenLength > MAX_LLAMA2C_TOKEN_BYTES) {
            throw new TokenizerFormatException(source + ": max_token_length " + maxTokenLength
                    + " at byte offset 0 is not in [1, " + MAX_LLAMA2C_TOKEN_BYTES + "]");
        }
        Builder b = new Builder(source);
        b.modelType = MODEL_TYPE_BPE;
        b.normalizerName = "identity";
        b.removeExtraWhitespaces = false;
        int position = 4;
        while (position < data.length) {
            int index = b.pieces.size();
            if (data.length - position < 8) {
                throw new TokenizerFormatException(source + ": token " + index + " at byte offset " + position
                        + " is truncated (needs 8 bytes for score and length, " + (data.length - position) + " remain)");
            }
            float score = Float.intBitsToFloat(le32(data, position));
            int length = le32(data, position + 4);
            if (length < 0 || length > maxTokenLength) {
                throw new TokenizerFormatException(source + ": token " + index + " at byte offset " + position
                        + " has length " + length + ", outside [0, max_token_length " + maxTokenLength + "]");
            }
            position += 8;
            if (length > data.length - position) {
                throw new TokenizerFormatException(source + ": token " + index + " at byte offset " + (position - 8)
                        + " has length " + length + " but only " + (data.length - position) + " bytes remain");
            }
            String text;
            try {
                text = Utf8.decodeStrict(data, position, position + length);
            } catch (IllegalArgumentException e) {
                throw new TokenizerFormatException(source + ": token " + index + " at byte offset " + (position - 8)
                        + ": " + e.getMessage());
            }
            position += length;
            b.pieces.add(llama2cPiece(index, text, score));
        }
        if (b.pieces.size() < 3) {
            throw new TokenizerFormatException(source + ": only " + b.pieces.size()
                    + " tokens; ids 0, 1, 2 must be <unk>, <s>, </s>");
        }
        int bytePieces = 0;
        for (Piece p : b.pieces) if (p.type() == PieceType.BYTE) bytePieces++;
        b.byteFallback = bytePieces == 256;
        return b.build();
    }

    private static Piece llama2cPiece(int index, String text, float score) {
        return switch (index) {
            case 0 -> new Piece("<unk>", score, PieceType.UNKNOWN);
            case 1 -> new Piece("<s>", score, PieceType.CONTROL);
            case 2 -> new Piece("</s>", score, PieceType.CONTROL);
            default -> BYTE_PIECE.matcher(text).matches()
                    ? new Piece(text, score, PieceType.BYTE)
                    : new Piece(text.replace(' ', SentencePieceBpeTokenizer.SPACE_SYMBOL), score, PieceType.NORMAL);
        };
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    static byte[] readBounded(Path path) throws IOException {
        long size = Files.size(path);
        if (size > MAX_FILE_BYTES) {
            throw new TokenizerFormatException(path + ": " + size + " bytes is too large for a tokenizer file");
        }
        return Files.readAllBytes(path);
    }

    /**
     * The byte value of a piece spelled {@code <0xXX>} (two upper-case hex digits), or -1.
     */
    static int byteOfPiece(String piece) {
        if (!BYTE_PIECE.matcher(piece).matches()) return -1;
        return Integer.parseInt(piece, 3, 5, 16);
    }

    // ---------------------------------------------------------------------------------------------------

    private static final class Builder {
        final List<Piece> pieces = new ArrayList<>();
        final String source;
        int modelType;
        boolean byteFallback;
        boolean treatWhitespaceAsSuffix;
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        boolean escapeWhitespaces = true;
        String normalizerName = "";
        int precompiledCharsmapBytes;
        String unkSurface = " \u2047 ";
        String unkPiece = "<unk>";
        String bosPiece = "<s>";
        String eosPiece = "</s>";
        String padPiece = "<pad>";

        Builder(String source) {
            this.source = source;
        }

        /** Checks what SentencePiece checks when it loads a model, plus what this implementation supports. */
        SentencePieceModel build() throws TokenizerFormatException {
            if (pieces.isEmpty()) throw new TokenizerFormatException(source + ": the model has no pieces");
            if (modelType != MODEL_TYPE_BPE) {
                throw new TokenizerFormatException(source + ": model_type " + modelType
                        + " is not BPE (2); only SentencePiece BPE models are supported");
            }
            if (precompiledCharsmapBytes > 0) {
                throw new TokenizerFormatException(source + ": normalizer '" + normalizerName
                        + "' has a precompiled character map; only the identity normalizer is supported");
            }
            if (treatWhitespaceAsSuffix) {
                throw new TokenizerFormatException(source + ": treat_whitespace_as_suffix is not supported");
            }
            Map<String, Integer> seen = new HashMap<>();
            int unknown = 0;
            boolean[] bytes = new boolean[256];
            for (int i = 0; i < pieces.size(); i++) {
                Piece p = pieces.get(i);
                if (p.text().isEmpty()) throw new TokenizerFormatException(source + ": piece " + i + " is empty");
                Integer previous = seen.put(p.text(), i);
                if (previous != null) {
                    throw new TokenizerFormatException(source + ": piece " + i + " '" + p.text()
                            + "' is already defined as piece " + previous);
                }
                if (p.type() == PieceType.UNKNOWN) unknown++;
                if (p.type() == PieceType.BYTE) {
                    int value = byteOfPiece(p.text());
                    if (value < 0) {
                        throw new TokenizerFormatException(source + ": byte piece " + i + " '" + p.text()
                                + "' is not of the form <0xXX>");
                    }
                    bytes[value] = true;
                }
            }
            if (unknown != 1) {
                throw new TokenizerFormatException(source + ": expected exactly one UNKNOWN piece, found " + unknown);
            }
            if (byteFallback) {
                for (int v = 0; v < 256; v++) {
                    if (!bytes[v]) {
                        throw new TokenizerFormatException(source + ": byte_fallback is on but byte piece <0x"
                                + String.format("%02X", v) + "> is missing");
                    }
                }
            }
            return new SentencePieceModel(this);
        }
    }
}
