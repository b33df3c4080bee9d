package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.core.Generator;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.transformer.llama.LlamaModel;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the training state in a checkpoint's {@code training.json} as {@code optim.Checkpoint.load} reads it into a
 * live run: the file manifest, the step, the optimizer's groups, options and step counts, the schedule state and the
 * generator states, beside the fixed weights and AdamW moments of a tiny LLaMA.
 */
class TrainingStateFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void trainingState(byte[] data) throws Exception {
        CheckpointFuzzing.inCheckpoint(data, dir -> expectCleanOutcome(() -> {
            LlamaModel model = new LlamaModel(FuzzModels.LLAMA, new Generator(0));
            AdamW optimizer = new AdamW(model.parameters(), AdamW.defaults(1e-3));
            WarmupCosineLr schedule = new WarmupCosineLr(optimizer, 2, 10, 1e-4);
            Checkpoint.load(dir, new Checkpoint.Training(model, optimizer, schedule, Map.of("data", new Generator(7))));
        }));
    }
}
