package dev.jgrad.transformer.tokenizer;

import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertIdsEqual;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertMatchesSummary;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.escape;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.ints;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.sha256;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.streamDecode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LLaMA-2's tokenizer against Debian's python3-sentencepiece: fixtures written by
 * {@code src/test/scripts/make_sentencepiece_fixtures.py} from the shared {@code tokenizer.model}. The same
 * expected ids must come out of the protobuf model and llama2.c's {@code tokenizer.bin}.
 */
class SentencePieceParityTest {

    private static JsonNode fixture;

    @BeforeAll
    static void loadFixture() {
        fixture = TokenizerTestSupport.fixture("sentencepiece-llama2.json");
    }

    private static SentencePieceBpeTokenizer tokenizer(String file) throws IOException {
        return SentencePieceBpeTokenizer.load(TokenizerTestSupport.sharedFile("llama2-tokenizer/" + file));
    }

    @Test
    void fixtureWasMadeFromTheSharedFiles() throws IOException {
        JsonNode meta = fixture.get("meta");
        Path data = TokenizerTestSupport.sharedData();
        assertEquals(meta.get("tokenizer_model_sha256").textValue(),
                sha256(Files.readAllBytes(data.resolve("llama2-tokenizer/tokenizer.model"))), "tokenizer.model changed: regenerate");
        assertEquals(meta.get("tokenizer_bin_sha256").textValue(),
                sha256(Files.readAllBytes(data.resolve("llama2-tokenizer/tokenizer.bin"))), "tokenizer.bin changed: regenerate");
        assertEquals(meta.get("tinyshakespeare_sha256").textValue(),
                sha256(Files.readAllBytes(data.resolve("tinyshakespeare.txt"))));
        assertEquals(meta.get("stress_sha256").textValue(),
                sha256(TokenizerTestSupport.resourceBytes("unicode-stress.txt")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.model", "tokenizer.bin"})
    void specialIdsAndVocabularySize(String file) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(file);
        assertEquals(fixture.get("vocab_size").intValue(), sp.vocabSize());
        assertEquals(fixture.get("bos_id").intValue(), sp.bosId());
        assertEquals(fixture.get("eos_id").intValue(), sp.eosId());
        assertEquals(fixture.get("unk_id").intValue(), sp.unkId());
        JsonNode bosEos = fixture.get("bos_eos_case");
        assertIdsEqual(ints(bosEos.get("ids")), sp.encode(bosEos.get("text").textValue(), true, true), "encode with BOS and EOS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.model", "tokenizer.bin"})
    void tinyShakespeareAsOneText(String file) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(file);
        String text = Files.readString(TokenizerTestSupport.sharedFile("tinyshakespeare.txt"));
        int[] ids = sp.encode(text);
        assertMatchesSummary(fixture.get("tinyshakespeare"), ids, file + " on tinyshakespeare");
        assertEquals(text, sp.decode(ids), "decode(encode(tinyshakespeare))");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.model", "tokenizer.bin"})
    void unicodeStressText(String file) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(file);
        String text = TokenizerTestSupport.resourceText("unicode-stress.txt");
        JsonNode stress = fixture.get("stress");
        int[] ids = sp.encode(text);
        assertIdsEqual(ints(stress.get("ids")), ids, file + " on unicode-stress.txt");
        assertEquals(stress.get("decoded").textValue(), sp.decode(ids));
        for (JsonNode line : fixture.get("stress_lines")) {
            String t = line.get("text").textValue();
            int[] lineIds = sp.encode(t);
            assertIdsEqual(ints(line.get("ids")), lineIds, "line '" + escape(t) + "'");
            assertEquals(line.get("decoded").textValue(), sp.decode(lineIds), "decode of line '" + escape(t) + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.model", "tokenizer.bin"})
    void handAndRandomStrings(String file) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(file);
        JsonNode cases = fixture.get("encode_cases");
        assertTrue(cases.size() > 300);
        for (JsonNode c : cases) {
            String text = c.get("text").textValue();
            assertIdsEqual(ints(c.get("ids")), sp.encode(text), "'" + escape(text) + "'");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizer.model", "tokenizer.bin"})
    void decodeAndStreamDecodeOfArbitraryIds(String file) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(file);
        for (JsonNode c : fixture.get("decode_cases")) {
            int[] ids = ints(c.get("ids"));
            String expected = c.get("text").textValue();
            assertEquals(expected, sp.decode(ids), "decode " + java.util.Arrays.toString(ids));
            assertEquals(expected, streamDecode(sp, ids), "stream decode " + java.util.Arrays.toString(ids));
        }
    }

    /** llama2.c's export is the same vocabulary: same pieces, scores and (inferred) types, id for id. */
    @Test
    void binAndModelDescribeTheSameVocabulary() throws IOException {
        List<SentencePieceModel.Piece> fromModel = tokenizer("tokenizer.model").model().pieces();
        List<SentencePieceModel.Piece> fromBin = tokenizer("tokenizer.bin").model().pieces();
        assertEquals(fromModel.size(), fromBin.size());
        for (int i = 0; i < fromModel.size(); i++) assertEquals(fromModel.get(i), fromBin.get(i), "piece " + i);
        SentencePieceModel model = tokenizer("tokenizer.model").model();
        assertEquals("identity", model.normalizerName());
        assertTrue(model.addDummyPrefix());
        assertTrue(!model.removeExtraWhitespaces());
        assertTrue(model.byteFallback());
    }

    /**
     * decode(encode(s)) == s for LLaMA-2 except where s holds U+2581 itself: the normalizer spec is
     * "identity" with escape_whitespaces, so the only lossy step is that '▁' in the text and the escaped
     * space are the same piece character, and both decode to ' '. The reference agrees (fixture case).
     */
    @Test
    void spaceSymbolInTextDecodesAsSpace() throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer("tokenizer.model");
        for (JsonNode c : fixture.get("encode_cases")) {
            String text = c.get("text").textValue();
            if (!text.equals("a\u2581b")) continue;
            assertEquals("a b", sp.decode(ints(c.get("ids"))));
            return;
        }
        throw new AssertionError("fixture lacks the 'a\\u2581b' case");
    }
}
