package dev.jgrad.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reader of llama2.c's {@code tokenizer.bin} ({@code SentencePieceModel.parseLlama2cBin}), then uses what
 * it accepts.
 */
class Llama2cTokenizerFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void llama2cTokenizer(byte[] data) throws Exception {
        TokenizerFuzzing.loadAndUse("tokenizer.bin", data);
    }
}
