package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.Generator;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A jgrad checkpoint whose stored model config disagrees with its weights is refused before the config's model is
 * built. Found by fuzzing (JgradCheckpointFuzzTest): {@code JgradCheckpoint.load(dir)} built the model first, so a
 * training.json edited to a large vocabulary allocated gigabytes before the weights were looked at.
 */
class JgradCheckpointConfigTest {

    private static final LlamaConfig TINY = new LlamaConfig(16, 8, 1, 2, 1, 16, 1e-5, 10000, RopeStyle.HALF, 16, false);

    @Test
    void aConfigForAHugeModelIsRefusedOnTheWeightsBeforeAllocatingIt(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ckpt");
        JgradCheckpoint.save(dir, new LlamaModel(TINY, new Generator(1)));
        assertEquals(TINY, JgradCheckpoint.load(dir).config());
        Path json = dir.resolve("training.json");
        String text = Files.readString(json);
        assertTrue(text.contains("\"vocabSize\" : 16,"), text);
        Files.writeString(json, text.replace("\"vocabSize\" : 16,", "\"vocabSize\" : 100000000,"));   // 3.2 GB of embedding

        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        var e = assertThrows(CheckpointFormatException.class, () -> JgradCheckpoint.load(dir));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // the size check against the weights file answers first; the name/shape check stands behind it
        assertTrue(e.getMessage().contains("vocabSize=100000000") && e.getMessage().contains("model.safetensors has only"),
                e.getMessage());
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes before refusing");
    }
}
