package dev.jgrad.transformer.tokenizer;

import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertIdsEqual;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.assertMatchesSummary;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.escape;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.ints;
import static dev.jgrad.transformer.tokenizer.TokenizerTestSupport.streamDecode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Options LLaMA-2's model does not use, on two tiny BPE models trained by python3-sentencepiece in
 * {@code make_sentencepiece_fixtures.py} (committed under test resources): no byte fallback (unknown runs
 * become one {@code <unk>}), user-defined and control symbols, remove_extra_whitespaces, UNUSED pieces
 * (re-segmentation), and add_dummy_prefix=false with byte fallback.
 */
class SentencePieceOptionsTest {

    private static JsonNode fixtures;

    @BeforeAll
    static void loadFixture() {
        fixtures = TokenizerTestSupport.fixture("sentencepiece-tiny.json");
    }

    private static SentencePieceBpeTokenizer tokenizer(String name) throws IOException {
        byte[] bytes = TokenizerTestSupport.resourceBytes(name);
        assertEquals(fixtures.get(name).get("model_sha256").textValue(), TokenizerTestSupport.sha256(bytes),
                name + " is not the model the fixtures were made from");
        return new SentencePieceBpeTokenizer(SentencePieceModel.parseModelProto(bytes, name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe-tiny-unk.model", "sp-bpe-tiny-bytes.model"})
    void modelFlagsAndSpecialIds(String name) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(name);
        JsonNode f = fixtures.get(name);
        assertEquals(f.get("vocab_size").intValue(), sp.vocabSize());
        assertEquals(f.get("bos_id").intValue(), sp.bosId());
        assertEquals(f.get("eos_id").intValue(), sp.eosId());
        assertEquals(f.get("unk_id").intValue(), sp.unkId());
        boolean unkModel = name.contains("unk");
        assertEquals(!unkModel, sp.model().byteFallback());
        assertEquals(unkModel, sp.model().removeExtraWhitespaces());
        assertEquals(unkModel, sp.model().addDummyPrefix());
        for (JsonNode unused : f.get("unused_pieces")) {
            boolean found = false;
            for (SentencePieceModel.Piece p : sp.model().pieces()) {
                if (p.text().equals(unused.textValue())) {
                    assertEquals(SentencePieceModel.PieceType.UNUSED, p.type());
                    found = true;
                }
            }
            assertTrue(found, "UNUSED piece " + unused + " not in the model");
        }
        assertFalse(unkModel && f.get("unused_pieces").isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe-tiny-unk.model", "sp-bpe-tiny-bytes.model"})
    void encodeCasesAndStressText(String name) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(name);
        JsonNode f = fixtures.get(name);
        for (JsonNode c : f.get("encode_cases")) {
            String text = c.get("text").textValue();
            assertIdsEqual(ints(c.get("ids")), sp.encode(text), name + " '" + escape(text) + "'");
        }
        String stress = TokenizerTestSupport.resourceText("unicode-stress.txt");
        int[] ids = sp.encode(stress);
        assertIdsEqual(ints(f.get("stress").get("ids")), ids, name + " on unicode-stress.txt");
        assertEquals(f.get("stress").get("decoded").textValue(), sp.decode(ids));
        JsonNode bosEos = f.get("bos_eos_case");
        assertIdsEqual(ints(bosEos.get("ids")), sp.encode(bosEos.get("text").textValue(), true, true), "BOS/EOS");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe-tiny-unk.model", "sp-bpe-tiny-bytes.model"})
    void tinyShakespeare(String name) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(name);
        String text = Files.readString(TokenizerTestSupport.sharedFile("tinyshakespeare.txt"));
        assertMatchesSummary(fixtures.get(name).get("tinyshakespeare"), sp.encode(text), name + " on tinyshakespeare");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sp-bpe-tiny-unk.model", "sp-bpe-tiny-bytes.model"})
    void decodeCases(String name) throws IOException {
        SentencePieceBpeTokenizer sp = tokenizer(name);
        for (JsonNode c : fixtures.get(name).get("decode_cases")) {
            int[] ids = ints(c.get("ids"));
            String expected = c.get("text").textValue();
            assertEquals(expected, sp.decode(ids), name + " decode " + Arrays.toString(ids));
            assertEquals(expected, streamDecode(sp, ids), name + " stream decode " + Arrays.toString(ids));
        }
    }
}
