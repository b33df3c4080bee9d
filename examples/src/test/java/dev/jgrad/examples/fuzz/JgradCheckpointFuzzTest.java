package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the {@code training.json} of a jgrad checkpoint as {@code JgradCheckpoint.load} reads it: the model config
 * under {@code extra.model} ({@code ModelConfigs.fromJgrad}) and the manifest, beside the fixed weights of a tiny
 * LLaMA. A config that asks for a model other than the one the weights fit must be refused before that model is
 * allocated.
 */
class JgradCheckpointFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void jgradCheckpoint(byte[] data) throws Exception {
        CheckpointFuzzing.inCheckpoint(data, dir -> expectCleanOutcome(() -> JgradCheckpoint.load(dir)));
    }
}
