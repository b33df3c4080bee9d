package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.io.SafetensorsFormatException;
import dev.jgrad.transformer.ModelGoldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Truncated, inconsistent and impossible checkpoints fail with a message naming the file and the problem, before
 * the model (the large allocation) is built.
 */
class HostileCheckpointTest {

    private static Path copy(String fixture, Path tmp) throws Exception {
        Path src = ModelGoldens.dir().resolve(fixture), dst = tmp.resolve(src.getFileName());
        if (Files.isDirectory(src)) {
            Files.createDirectories(dst);
            try (Stream<Path> files = Files.list(src)) {
                for (Path f : files.toList()) Files.copy(f, dst.resolve(f.getFileName()));
            }
        } else {
            Files.copy(src, dst);
        }
        return dst;
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message lacks \"" + p + "\": " + e.getMessage());
    }

    private static void setHeaderField(Path bin, int index, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(bin.toFile(), "rw")) {
            f.seek(4L * index);
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
        }
    }

    // ---- llama2.c ----

    @Test
    void aTruncatedLlama2cFileIsRefusedWithBothSizes(@TempDir Path tmp) throws Exception {
        Path bin = copy("llama2c/model.bin", tmp);
        long size = Files.size(bin);
        try (RandomAccessFile f = new RandomAccessFile(bin.toFile(), "rw")) {
            f.setLength(size - 4);
        }
        var e = assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin));
        assertMessage(e, "model.bin", "implies " + size + " bytes", "has " + (size - 4), "truncated");
    }

    @Test
    void aLlama2cHeaderThatDisagreesWithTheFileIsRefusedBeforeAllocating(@TempDir Path tmp) throws Exception {
        Path bin = copy("llama2c/model.bin", tmp);
        setHeaderField(bin, 0, 1 << 20);   // dim 2^20: a (vocab, 2^20) embedding alone would be 256 MiB
        var e = assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin));
        assertMessage(e, "dim=1048576", "but the file has " + Files.size(bin));
        setHeaderField(bin, 0, 1 << 30);
        setHeaderField(bin, 2, Integer.MAX_VALUE);     // n_layers: the implied size overflows a long
        setHeaderField(bin, 3, 2);
        setHeaderField(bin, 4, 1);
        var huge = assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin));
        assertMessage(huge, "more than 2^63");
    }

    @Test
    void impossibleLlama2cHeadersAreNamed(@TempDir Path tmp) throws Exception {
        Path bin = copy("llama2c/model.bin", tmp);
        setHeaderField(bin, 4, 3);   // 4 heads, 3 kv heads
        assertMessage(assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin)),
                "n_kv_heads=3", "multiple");
        setHeaderField(bin, 4, 0);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin)), "<= 0");
        Path tiny = tmp.resolve("tiny.bin");
        Files.write(tiny, new byte[10]);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(tiny)), "28-byte");
    }

    // ---- Hugging Face ----

    private static void editConfig(Path dir, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = (ObjectNode) ModelConfigs.JSON.readTree(dir.resolve("config.json").toFile());
        edit.accept(json);
        ModelConfigs.JSON.writeValue(dir.resolve("config.json").toFile(), json);
    }

    @Test
    void aTensorMissingFromTheIndexIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode json = (ObjectNode) ModelConfigs.JSON.readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).remove("model.layers.1.mlp.up_proj.weight");
        ModelConfigs.JSON.writeValue(index.toFile(), json);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "missing tensors [model.layers.1.mlp.up_proj.weight]");
    }

    @Test
    void anIndexEntryItsShardDoesNotHoldIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode json = (ObjectNode) ModelConfigs.JSON.readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "model-00001-of-00002.safetensors");
        ModelConfigs.JSON.writeValue(index.toFile(), json);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "model.norm.weight", "model-00001-of-00002.safetensors, which has no such tensor");
    }

    @Test
    void aWeightMapPointingOutsideTheDirectoryIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        Path index = dir.resolve("model.safetensors.index.json");
        ObjectNode json = (ObjectNode) ModelConfigs.JSON.readTree(index.toFile());
        ((ObjectNode) json.get("weight_map")).put("model.norm.weight", "../model-00002-of-00002.safetensors");
        ModelConfigs.JSON.writeValue(index.toFile(), json);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "model.norm.weight", "not a file name in the checkpoint directory");
    }

    @Test
    void aMissingShardIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "shard model-00002-of-00002.safetensors", "is missing");
    }

    @Test
    void aTruncatedShardIsRefusedByTheSafetensorsReader(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        Path shard = dir.resolve("model-00001-of-00002.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        var e = assertThrows(SafetensorsFormatException.class, () -> HfCheckpoint.load(dir));
        assertMessage(e, "model-00001-of-00002.safetensors");
    }

    @Test
    void wrongShapesAreNamedWithBothShapes(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        editConfig(dir, j -> j.put("intermediate_size", 96));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "mlp.gate_proj.weight has shape [128, 48], the model expects [96, 48]");
        Path gpt = copy("hf-gpt2", tmp);
        editConfig(gpt, j -> j.put("n_positions", 16));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(gpt)),
                "wpe.weight has shape [32, 32], the model expects [16, 32]");
    }

    @Test
    void aConfigForAHugeModelFailsOnTheFileBeforeAllocatingIt(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        editConfig(dir, j -> {   // 64 layers of dim 8192: 60 GB of float32 if it were built
            j.put("num_hidden_layers", 64);
            j.put("hidden_size", 8192);
            j.put("intermediate_size", 22016);
        });
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)));
        assertMessage(e, "model.embed_tokens.weight has shape [64, 48], the model expects [64, 8192]");
    }

    @Test
    void impossibleConfigValuesAreNamed(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        editConfig(dir, j -> j.put("num_attention_heads", 5));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "config.json", "impossible configuration", "dim 48 is not a multiple of nHeads 5");
        editConfig(dir, j -> { j.put("num_attention_heads", 4); j.put("vocab_size", -1); });
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "vocabSize must be positive");
        editConfig(dir, j -> { j.put("vocab_size", 64); j.remove("hidden_size"); });
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "missing field \"hidden_size\"");
        editConfig(dir, j -> { j.put("hidden_size", "48"); });
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "\"hidden_size\" must be an integer");
        editConfig(dir, j -> { j.put("hidden_size", 48); j.put("vocab_size", 1 << 30); j.put("hidden_size", 4096); });
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "more than one Java array holds");
        editConfig(dir, j -> { j.put("vocab_size", 64); j.put("hidden_size", 48); j.put("model_type", "gemma2"); });
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "model_type \"gemma2\"");
        editConfig(dir, j -> { j.put("model_type", "llama"); j.putObject("rope_scaling").put("type", "linear"); });
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "rope_scaling");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)), "config.json", "not valid JSON");
    }

    @Test
    void unexpectedTensorsAndMissingFilesAreNamed(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-gpt2", tmp);
        editConfig(dir, j -> j.put("n_layer", 1));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "unexpected tensors [h.1.ln_1.weight");
        Files.delete(dir.resolve("model.safetensors"));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                "neither model.safetensors nor model.safetensors.index.json");
        assertMessage(assertThrows(CheckpointFormatException.class, () -> ModelLoader.detect(tmp)), "neither a jgrad checkpoint");
    }
}
