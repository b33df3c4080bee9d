package dev.jgrad.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the reader of Hugging Face's {@code tokenizer.json} ({@code ByteLevelBpeFiles}; a jgrad character vocabulary
 * is JSON too), then uses what it accepts.
 */
class HfTokenizerJsonFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void tokenizerJson(byte[] data) throws Exception {
        TokenizerFuzzing.loadAndUse("tokenizer.json", data);
    }
}
