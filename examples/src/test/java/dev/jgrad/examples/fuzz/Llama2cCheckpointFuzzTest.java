package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.transformer.checkpoint.Llama2cCheckpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/** Fuzzes the llama2.c model reader ({@code Llama2cCheckpoint}): header, size check, and the load of every weight. */
class Llama2cCheckpointFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void llama2cModel(byte[] data) throws Exception {
        inTempDirectory(dir -> {
            Path file = write(dir, "model.bin", data);
            expectCleanOutcome(() -> Llama2cCheckpoint.load(file));
        });
    }
}
