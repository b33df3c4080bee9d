package dev.jgrad.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reader of SentencePiece's {@code tokenizer.model} ({@code SentencePieceModel.parseModelProto},
 * {@code ProtobufReader}), then uses what it accepts.
 */
class SentencePieceModelFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void sentencePieceModel(byte[] data) throws Exception {
        TokenizerFuzzing.loadAndUse("tokenizer.model", data);
    }
}
