package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/** Corrupt files and bad ids: each must fail with an exception that names the problem. */
class HostileInputTest {

    @TempDir
    Path dir;

    private static void assertFormatError(Executable load, String... fragments) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, load);
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    // ---- tokenizer.model ------------------------------------------------------------------------------

    @Test
    void truncatedModelProto() throws IOException {
        byte[] model = TokenizerTestSupport.resourceBytes("sp-bpe-tiny-bytes.model");
        // cut in the middle of a piece: its length prefix now points past the end
        Path cut = write("cut.model", Arrays.copyOf(model, model.length / 2 + 3));
        assertFormatError(() -> SentencePieceModel.readModelProto(cut), "cut.model", "claims", "remain", "offset");
        // cut exactly after the first 10 pieces: well-formed protobuf, but trainer_spec is gone, so the
        // model type falls back to the proto2 default (UNIGRAM) and the file is refused as not BPE
        ProtobufReader in = new ProtobufReader(model, 0, model.length, "probe");
        for (int i = 0; i < 10; i++) in.skip(in.readKey());
        Path tenPieces = write("ten.model", Arrays.copyOf(model, in.position()));
        assertFormatError(() -> SentencePieceModel.readModelProto(tenPieces), "ten.model", "model_type 1 is not BPE");
        Path empty = write("empty.model", new byte[0]);
        assertFormatError(() -> SentencePieceModel.readModelProto(empty), "no pieces");
    }

    @Test
    void badVarints() throws IOException {
        byte[] tooLong = new byte[13];
        tooLong[0] = 0x0A; // field 1, LEN
        Arrays.fill(tooLong, 1, 13, (byte) 0xFF);
        Path a = write("long.model", tooLong);
        assertFormatError(() -> SentencePieceModel.readModelProto(a), "varint longer than 10 bytes", "offset 1");
        Path b = write("trunc.model", new byte[] {0x0A, (byte) 0x80});
        assertFormatError(() -> SentencePieceModel.readModelProto(b), "truncated varint");
        Path c = write("len.model", new byte[] {0x0A, 0x7F, 'a'});
        assertFormatError(() -> SentencePieceModel.readModelProto(c), "claims 127 bytes but only 1 remain");
        Path d = write("wire.model", new byte[] {0x0F, 0x00});
        assertFormatError(() -> SentencePieceModel.readModelProto(d), "unsupported wire type 7");
        // the largest possible length (2^64 - 1) must not be allocated
        byte[] huge = {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
        Path e = write("huge.model", huge);
        assertFormatError(() -> SentencePieceModel.readModelProto(e), "claims 18446744073709551615 bytes");
    }

    /** A hand-made ModelProto: pieces (1: text, 2: score, 3: type) and trainer_spec.model_type. */
    private static byte[] modelProto(int modelType, int firstPieceType) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String[] p : new String[][] {{"<unk>", String.valueOf(firstPieceType)}, {"a", "1"}}) {
            byte[] text = p[0].getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream piece = new ByteArrayOutputStream();
            piece.write(0x0A);
            piece.write(text.length);
            piece.writeBytes(text);
            piece.write(0x15);
            piece.writeBytes(new byte[] {0, 0, 0, 0});
            piece.write(0x18);
            piece.write(Integer.parseInt(p[1]));
            out.write(0x0A);
            out.write(piece.size());
            out.writeBytes(piece.toByteArray());
        }
        out.writeBytes(new byte[] {0x12, 0x02, 0x18, (byte) modelType}); // trainer_spec { model_type }
        return out.toByteArray();
    }

    @Test
    void unsupportedOrInconsistentModels() throws IOException {
        assertFormatError(() -> SentencePieceModel.parseModelProto(modelProto(1, 2), "unigram.model"),
                "unigram.model", "model_type 1 is not BPE");
        assertFormatError(() -> SentencePieceModel.parseModelProto(modelProto(2, 9), "type.model"), "unknown type 9");
        assertFormatError(() -> SentencePieceModel.parseModelProto(modelProto(2, 1), "nounk.model"),
                "exactly one UNKNOWN piece, found 0");
        SentencePieceBpeTokenizer ok = new SentencePieceBpeTokenizer(SentencePieceModel.parseModelProto(modelProto(2, 2), "ok"));
        assertEquals(2, ok.vocabSize());
        assertEquals(Tokenizer.NO_ID, ok.bosId());
        assertThrows(IllegalStateException.class, () -> ok.encode("a", true, false));
    }

    // ---- tokenizer.bin --------------------------------------------------------------------------------

    private static byte[] llama2cBin(int maxTokenLength, Object... scoreLengthBytes) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(maxTokenLength);
        for (int i = 0; i < scoreLengthBytes.length; i += 3) {
            b.putFloat((Float) scoreLengthBytes[i]);
            b.putInt((Integer) scoreLengthBytes[i + 1]);
            b.put((byte[]) scoreLengthBytes[i + 2]);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void corruptLlama2cBin() throws IOException {
        byte[] unk = "<unk>".getBytes(StandardCharsets.UTF_8);
        Path negative = write("neg.bin", llama2cBin(16, 0f, -5, new byte[0]));
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(negative), "neg.bin", "token 0", "length -5");
        Path huge = write("huge.bin", llama2cBin(16, 0f, Integer.MAX_VALUE, new byte[0]));
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(huge), "length 2147483647", "max_token_length 16");
        Path beyond = write("beyond.bin", llama2cBin(40, 0f, 5, unk, 0f, 30, new byte[3]));
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(beyond), "token 1", "length 30 but only 3 bytes remain");
        Path header = write("header.bin", llama2cBin(-1));
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(header), "max_token_length -1");
        byte[] ragged = Arrays.copyOf(llama2cBin(16, 0f, 5, unk), 4 + 8 + 5 + 3); // 3 stray bytes after token 0
        Path tail = write("tail.bin", ragged);
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(tail), "token 1", "truncated");
        Path few = write("few.bin", llama2cBin(16, 0f, 5, unk));
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(few), "only 1 tokens");
        Path utf8 = write("utf8.bin", llama2cBin(16, 0f, 2, new byte[] {(byte) 0xC3, 0x28}));
        assertFormatError(() -> SentencePieceModel.readLlama2cBin(utf8), "token 0", "invalid UTF-8");
    }

    // ---- GPT-2 files and tokenizer.json -----------------------------------------------------------------

    private Path validVocabBpe() throws IOException {
        return write("vocab.bpe", "#version: 0.2\n");
    }

    /** encoder.json with the 256 byte tokens (ids in byte order), plus extra entries. */
    private static String byteVocabJson(String extra) {
        StringBuilder sb = new StringBuilder("{");
        for (int b = 0; b < 256; b++) {
            char c = ByteLevel.charOf(b);
            sb.append('"').append(c == '"' ? "\\\"" : c == '\\' ? "\\\\" : String.valueOf(c)).append("\":").append(b).append(',');
        }
        sb.append(extra).append('}');
        return sb.toString();
    }

    @Test
    void encoderJsonThatIsNotJson() throws IOException {
        Path enc = write("encoder.json", "{\"a\": 1,, }");
        Path bpe = validVocabBpe();
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(enc, bpe), "encoder.json", "not valid JSON", "line 1");
        Path array = write("encoder.json", "[1, 2, 3]");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(array, bpe), "expected a JSON object");
        Path notInt = write("encoder.json", "{\"a\": \"x\"}");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(notInt, bpe), "id of token 'a' is not an integer");
        Path gap = write("encoder.json", "{\"a\": 0, \"b\": 2}");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(gap, bpe), "token 'b' has id 2");
        Path bytesMissing = write("encoder.json", "{\"a\": 0, \"b\": 1}");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(bytesMissing, bpe), "no token for byte 0x0");
    }

    @Test
    void vocabBpeWithBadLines() throws IOException {
        Path enc = write("encoder.json", byteVocabJson("\"ab\":256"));
        Path threeParts = write("vocab.bpe", "#version: 0.2\na b\nx y z\n");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(enc, threeParts), "vocab.bpe", "line 3", "x y z");
        Path onePart = write("vocab.bpe", "#version: 0.2\nab\n");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(enc, onePart), "line 2");
        Path unknown = write("vocab.bpe", "#version: 0.2\na c\n");
        assertFormatError(() -> ByteLevelBpeTokenizer.fromGpt2Files(enc, unknown), "merge 1 'a c'", "'ac'", "not in the vocabulary");
        Path good = write("vocab.bpe", "#version: 0.2\na b\n");
        ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.fromGpt2Files(enc, good);
        assertEquals(257, t.vocabSize());
        assertEquals(256, t.encode("ab")[0]);
    }

    @Test
    void tokenizerJsonProblems() throws IOException {
        Path notJson = write("tokenizer.json", "{ \"model\": ");
        assertFormatError(() -> Tokenizer.load(notJson), "tokenizer.json", "not valid JSON");
        Path wordPiece = write("wp.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertFormatError(() -> Tokenizer.load(wordPiece), "model.type is 'WordPiece'");
        Path metaspace = write("ms.json", "{\"pre_tokenizer\": {\"type\": \"Metaspace\"}, \"model\": {\"type\": \"BPE\","
                + " \"vocab\": {}, \"merges\": []}}");
        assertFormatError(() -> Tokenizer.load(metaspace), "pre_tokenizer \"Metaspace\" is not supported");
        Path other = write("other.json", "{\"hello\": 1}");
        assertFormatError(() -> Tokenizer.load(other), "neither a Hugging Face tokenizer.json");
        Path merges = write("m.json", "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\","
                + " \"vocab\": " + byteVocabJson("\"ab\":256") + ", \"merges\": [[\"a\", \"b\"], 7]}}");
        assertFormatError(() -> Tokenizer.load(merges), "model.merges[1]");
    }

    /** Ids that index nothing (negative, 2^31 - 1, beyond the token count, not integers) are named, not an AIOOBE. */
    @Test
    void tokenizerJsonIdsOutOfRange() throws IOException {
        String head = "{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, ";
        String[][] cases = {
                {"\"added_tokens\": [], \"model\": {\"type\": \"BPE\", \"vocab\": " + byteVocabJson("\"ab\":-5"),
                        "model.vocab['ab'] has id -5; ids must be integers from 0 to 256"},
                {"\"added_tokens\": [], \"model\": {\"type\": \"BPE\", \"vocab\": " + byteVocabJson("\"ab\":2147483647"),
                        "model.vocab['ab'] has id 2147483647; ids must be integers from 0 to 256"},
                {"\"added_tokens\": [], \"model\": {\"type\": \"BPE\", \"vocab\": " + byteVocabJson("\"ab\":2.5"),
                        "model.vocab['ab'] has id 2.5"},
                {"\"added_tokens\": [{\"id\": -5, \"content\": \"<s>\"}], \"model\": {\"type\": \"BPE\", \"vocab\": "
                        + byteVocabJson("\"ab\":256"), "added token '<s>' has id -5; ids must be integers from 0 to 257"},
                {"\"added_tokens\": [{\"id\": 2147483647, \"content\": \"<s>\"}], \"model\": {\"type\": \"BPE\", \"vocab\": "
                        + byteVocabJson("\"ab\":256"), "added token '<s>' has id 2147483647"},
                {"\"added_tokens\": [{\"id\": 99999999999, \"content\": \"<s>\"}], \"model\": {\"type\": \"BPE\", \"vocab\": "
                        + byteVocabJson("\"ab\":256"), "added token '<s>' has id 99999999999"},
                {"\"added_tokens\": [{\"id\": \"7\", \"content\": \"<s>\"}], \"model\": {\"type\": \"BPE\", \"vocab\": "
                        + byteVocabJson("\"ab\":256"), "needs an integer id and a content"},
        };
        for (String[] c : cases) {
            Path json = write("ids.json", head + c[0] + ", \"merges\": [[\"a\", \"b\"]]}}");
            assertFormatError(() -> Tokenizer.load(json), "ids.json", c[1]);
        }
    }

    /** A jgrad character vocabulary whose code points or version are not JSON integers (65.5 read as 65, "1" as 1). */
    @Test
    void charVocabularyValuesMustBeIntegers() throws IOException {
        Path fraction = write("c1.json", "{\"type\": \"" + CharTokenizer.TYPE + "\", \"version\": 1, \"code_points\": [97, 65.5]}");
        assertFormatError(() -> Tokenizer.load(fraction), "c1.json", "code_points[1] is 65.5, not an integer");
        Path text = write("c2.json", "{\"type\": \"" + CharTokenizer.TYPE + "\", \"version\": 1, \"code_points\": [\"97\"]}");
        assertFormatError(() -> Tokenizer.load(text), "c2.json", "code_points[0] is \"97\", not an integer");
        Path version = write("c3.json", "{\"type\": \"" + CharTokenizer.TYPE + "\", \"version\": \"1\", \"code_points\": [97]}");
        assertFormatError(() -> Tokenizer.load(version), "c3.json", "unsupported version \"1\"");
    }

    /** The newer merges format ([["a","b"]]) with add_prefix_space=true (the Hugging Face default). */
    @Test
    void tokenizerJsonWithArrayMergesAndPrefixSpace() throws IOException {
        Path json = write("t.json", "{\"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"ByteLevel\"}]},"
                + " \"added_tokens\": [{\"id\": 258, \"content\": \"<|endoftext|>\", \"special\": true}],"
                + " \"model\": {\"type\": \"BPE\", \"vocab\": " + byteVocabJson("\"\u0120a\":256, \"\u0120ab\":257")
                + ", \"merges\": [[\"\u0120\", \"a\"], [\"\u0120a\", \"b\"]]}}");
        Tokenizer t = Tokenizer.load(json);
        assertEquals(259, t.vocabSize());
        assertEquals(258, t.eosId());
        // "ab" gets a prefix space: "Ġab" is one token
        assertEquals(1, t.encode("ab").length);
        assertEquals(257, t.encode("ab")[0]);
        assertEquals(" ab", t.decode(t.encode("ab")));
    }

    // ---- ids out of range, unknown characters, unknown formats ----------------------------------------

    @Test
    void idsOutOfRange() throws IOException {
        Tokenizer[] all = {
                new SentencePieceBpeTokenizer(SentencePieceModel.parseModelProto(
                        TokenizerTestSupport.resourceBytes("sp-bpe-tiny-bytes.model"), "tiny")),
                new BpeTrainer(260).train("hello hello"),
                CharTokenizer.fromText("abc")};
        for (Tokenizer t : all) {
            int n = t.vocabSize();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {0, n}));
            assertTrue(e.getMessage().contains("token id " + n + " at position 1 is outside the vocabulary [0, " + n + ")"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}));
            assertThrows(IllegalArgumentException.class, () -> t.streamDecoder().next(n));
            assertThrows(IllegalArgumentException.class, () -> t.piece(-1));
        }
    }

    @Test
    void unknownFormatsAndEmptyDirectories() throws IOException {
        Path txt = write("vocab.txt", "hello");
        assertFormatError(() -> Tokenizer.load(txt), "unknown tokenizer format");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertFormatError(() -> Tokenizer.load(empty), "no tokenizer.json");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> Tokenizer.load(dir.resolve("missing.model")));
    }
}
