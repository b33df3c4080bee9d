package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.fixture;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A jgrad checkpoint directory around a fuzzed {@code training.json}: the model and optimizer files are the fixed
 * ones of a tiny LLaMA trained for one AdamW step ({@link FuzzSeeds}), whose sizes and SHA-256 the seed manifests
 * carry, so mutations of the rest of the JSON reach the code past the manifest check.
 */
final class CheckpointFuzzing {

    private static final byte[] MODEL = fixture("jgrad-checkpoint/model.safetensors");
    private static final byte[] OPTIMIZER = fixture("jgrad-checkpoint/optimizer.safetensors");

    private CheckpointFuzzing() {}

    static void inCheckpoint(byte[] trainingJson, FuzzSupport.InDirectory body) throws Exception {
        inTempDirectory(root -> {
            Path dir = Files.createDirectory(root.resolve("checkpoint"));
            write(dir, "training.json", trainingJson);
            write(dir, "model.safetensors", MODEL);
            write(dir, "optimizer.safetensors", OPTIMIZER);
            body.run(dir);
        });
    }
}
