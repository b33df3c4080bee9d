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

    // ---- jgrad ----

    @Test
    void aJgradCheckpointClaimingAHugeModelFailsOnTheFileBeforeAllocatingIt(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("ckpt");
        var config = new dev.jgrad.transformer.LlamaConfig(32, 16, 1, 2, 2, 32, 1e-5, 10000, dev.jgrad.core.ops.RopeStyle.HALF, 16, true);
        JgradCheckpoint.save(dir, Models.create(config, new dev.jgrad.core.Generator(0)));
        Path json = dir.resolve("training.json");
        ObjectNode root = (ObjectNode) ModelConfigs.JSON.readTree(json.toFile());
        ((ObjectNode) root.get("extra").get("model")).put("nLayers", 1_000_000_000);
        ModelConfigs.JSON.writeValue(json.toFile(), root);
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(CheckpointFormatException.class, () -> JgradCheckpoint.load(dir)));
        assertMessage(e, "training.json", "\"extra.model\"", "nLayers=1000000000", "model.safetensors has only");
        ((ObjectNode) root.get("extra").get("model")).put("nLayers", Integer.MAX_VALUE).put("dim", 4096).put("hiddenDim", 11008)
                .put("nHeads", 32).put("nKvHeads", 32);
        ModelConfigs.JSON.writeValue(json.toFile(), root);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> JgradCheckpoint.readConfig(dir)), "training.json",
                "\"extra.model\"", "model.safetensors has only");
    }

    // ---- sizes claimed by configs and headers, checked before the model is built ----

    @Test
    void aConfigOfABillionLayersIsRefusedAgainstTheCheckpointsTensors(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        editConfig(dir, j -> j.put("num_hidden_layers", 1_000_000_000));
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)));
        assertMessage(e, "config.json", "nLayers=1000000000", "parameters, but the checkpoint's tensors hold only");

        Path jgrad = tmp.resolve("jgrad");
        JgradCheckpoint.save(jgrad, dev.jgrad.transformer.ModelGoldens.gpt());
        Path training = jgrad.resolve(JgradCheckpoint.TRAINING);
        ObjectNode json = (ObjectNode) ModelConfigs.JSON.readTree(training.toFile());
        ((ObjectNode) json.get("extra").get("model")).put("nLayer", 1_000_000_000);
        ModelConfigs.JSON.writeValue(training.toFile(), json);
        var j = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(CheckpointFormatException.class, () -> JgradCheckpoint.load(jgrad)));
        assertMessage(j, "training.json", "nLayer=1000000000", "but model.safetensors has only");
    }

    @Test
    void aSparseLlama2cFileClaimingA7bModelIsRefusedAgainstTheHeap(@TempDir Path tmp) throws Exception {
        Path bin = tmp.resolve("7b.bin");
        // LLaMA 2 7B's shapes (0.8 GB of float32 a layer), with enough layers to outgrow this JVM's heap (32 in 7B).
        int layers = (int) Math.max(32, Runtime.getRuntime().maxMemory() / (808L << 20) + 2);
        int[] header = {4096, 11008, layers, 32, 32, 32000, 2048};
        long size = Llama2cCheckpoint.expectedBytes(4096, 11008, layers, 32, 32, 32000, 2048, true);
        try (RandomAccessFile f = new RandomAccessFile(bin.toFile(), "rw")) {
            ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : header) b.putInt(v);
            f.write(b.array());
            f.setLength(size);                                    // sparse: the size matches the header
        }
        var e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin)));
        assertMessage(e, "7b.bin", "parameters, which need at least", "more than the Java heap's maximum");
    }

    // ---- values: strict JSON types, finite weights, vocabularies that agree ----

    @Test
    void configValuesMustHaveTheirJsonType(@TempDir Path tmp) throws Exception {
        Path dir = copy("hf-llama-sharded", tmp);
        Object[][] cases = {
                {"tie_word_embeddings", "yes", "field \"tie_word_embeddings\" must be true or false, got \"yes\""},
                {"attention_bias", 0, "field \"attention_bias\" must be true or false, got 0"},
                {"num_hidden_layers", 2.5, "field \"num_hidden_layers\" must be an integer, got 2.5"},
                {"num_hidden_layers", "2", "field \"num_hidden_layers\" must be an integer, got \"2\""},
                {"num_hidden_layers", 1L << 31, "field \"num_hidden_layers\" must be an integer from -2147483648 to"
                        + " 2147483647, got 2147483648"},
                {"rms_norm_eps", "1e-6", "field \"rms_norm_eps\" must be a number"},
        };
        String original = Files.readString(dir.resolve("config.json"));
        for (Object[] c : cases) {
            Files.writeString(dir.resolve("config.json"), original);
            editConfig(dir, j -> j.set((String) c[0], ModelConfigs.JSON.valueToTree(c[1])));
            assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(dir)),
                    "config.json", (String) c[2]);
        }
        Files.writeString(dir.resolve("config.json"), original);
        editConfig(dir, j -> j.put("eos_token_id", 64));   // the vocabulary has 64 ids: 0..63
        assertMessage(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(dir)),
                "config.json", "\"eos_token_id\" must be a token id (an integer from 0 to 63) or a list of them, got 64");
        editConfig(dir, j -> j.putArray("eos_token_id").add(2).add("3"));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(dir)), "got [2,\"3\"]");
    }

    @Test
    void nonFiniteWeightsAreNamedInEveryFormat(@TempDir Path tmp) throws Exception {
        Path gpt = copy("hf-gpt2", tmp);
        Path weights = gpt.resolve("model.safetensors");
        var w = new dev.jgrad.core.io.SafetensorsWriter();
        try (var f = dev.jgrad.core.io.SafetensorsFile.open(ModelGoldens.dir().resolve("hf-gpt2/model.safetensors"))) {
            for (var e : f.entries()) {
                float[] v = f.readFloats(e.name());
                if (e.name().endsWith("h.1.mlp.c_fc.bias")) v[3] = Float.NaN;
                w.add(e.name(), dev.jgrad.core.DType.F32, e.shape(), v);
            }
        }
        w.write(weights);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> HfCheckpoint.load(gpt)),
                "model.safetensors", "h.1.mlp.c_fc.bias [128] holds NaN at flat index 3");

        Path bin = copy("llama2c/model.bin", tmp);
        try (RandomAccessFile f = new RandomAccessFile(bin.toFile(), "rw")) {
            f.seek(28 + 4 * 7);                                   // token_embedding[0, 7]
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.POSITIVE_INFINITY).array());
        }
        assertMessage(assertThrows(CheckpointFormatException.class, () -> Llama2cCheckpoint.load(bin)),
                "model.bin", "model.embed_tokens.weight [64, 48] holds Infinity at flat index 7");

        var model = dev.jgrad.transformer.ModelGoldens.gpt();
        Models.data(model.namedParameters().get("transformer.ln_f.weight"))[1] = Float.NEGATIVE_INFINITY;
        Path jgrad = tmp.resolve("jgrad");
        JgradCheckpoint.save(jgrad, model);
        assertMessage(assertThrows(CheckpointFormatException.class, () -> JgradCheckpoint.load(jgrad)),
                "model.safetensors", "transformer.ln_f.weight [32] holds -Infinity at flat index 1");
    }

    @Test
    void aTokenizerWithFewerIdsThanTheModelIsRefusedAtLoad(@TempDir Path tmp) throws Exception {
        Path bin = copy("llama2c/model.bin", tmp);
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putInt(8);
        for (String t : new String[] {"<unk>", "<s>", "</s>", "a", "b"}) b.putFloat(0).putInt(t.length()).put(t.getBytes());
        Files.write(tmp.resolve("tokenizer.bin"), java.util.Arrays.copyOf(b.array(), b.position()));
        assertMessage(assertThrows(CheckpointFormatException.class, () -> ModelLoader.load(bin)),
                "tokenizer.bin", "the tokenizer has 5 ids, but the model's vocabulary has 64",
                "ids the model can generate would have no text");
    }
}
