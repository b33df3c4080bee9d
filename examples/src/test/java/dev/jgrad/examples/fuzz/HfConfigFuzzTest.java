package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;
import static dev.jgrad.examples.fuzz.FuzzSupport.fixture;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes Hugging Face's {@code config.json} ({@code HfCheckpoint.readConfigJson}, {@code ModelConfigs.fromHuggingFace})
 * through a whole {@code HfCheckpoint.load}: the fuzzed config sits beside the weights of a tiny GPT-2 (when the bytes
 * mention "gpt2") or LLaMA, so a config that matches them loads a model and one that does not must be refused before
 * a model of its size is allocated.
 */
class HfConfigFuzzTest {

    private static final byte[] LLAMA_WEIGHTS = fixture("hf-llama/model.safetensors");
    private static final byte[] GPT2_WEIGHTS = fixture("hf-gpt2/model.safetensors");

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void hfConfig(byte[] data) throws Exception {
        boolean gpt2 = new String(data, StandardCharsets.ISO_8859_1).contains("gpt2");
        inTempDirectory(dir -> {
            write(dir, HfCheckpoint.CONFIG, data);
            write(dir, HfCheckpoint.WEIGHTS, gpt2 ? GPT2_WEIGHTS : LLAMA_WEIGHTS);
            expectCleanOutcome(() -> HfCheckpoint.load(dir));
        });
    }
}
