package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;
import static dev.jgrad.examples.fuzz.FuzzSupport.fixture;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.core.Generator;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes PEFT's {@code adapter_config.json} ({@code PeftAdapter.readConfig}) through a whole {@code PeftAdapter.load}
 * onto a fresh tiny LLaMA, beside the weights of a rank-2 adapter on its {@code q_proj} and {@code v_proj} layers.
 */
class PeftAdapterFuzzTest {

    private static final byte[] ADAPTER_WEIGHTS = fixture("peft/adapter_model.safetensors");

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void adapterConfig(byte[] data) throws Exception {
        inTempDirectory(dir -> {
            write(dir, PeftAdapter.CONFIG, data);
            write(dir, PeftAdapter.WEIGHTS, ADAPTER_WEIGHTS);
            expectCleanOutcome(() -> PeftAdapter.load(new LlamaModel(FuzzModels.LLAMA, new Generator(0)), dir,
                    new Generator(1)));
        });
    }
}
