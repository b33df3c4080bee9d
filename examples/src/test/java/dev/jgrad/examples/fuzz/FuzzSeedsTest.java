package dev.jgrad.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.Generator;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.data.Corpus;
import dev.jgrad.nn.data.Document;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.checkpoint.Llama2cCheckpoint;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The valid seeds of the fuzz corpus are valid: each parses, and to what it was written to hold. Fuzzing mutates
 * these files, so a seed that failed on its first field would leave the fuzzer exploring error paths only.
 */
class FuzzSeedsTest {

    @TempDir
    Path dir;

    private Path seed(String test, String method, String name, String as) throws IOException {
        String resource = test + "Inputs/" + method + "/" + name;
        try (InputStream in = FuzzSeedsTest.class.getResourceAsStream(resource)) {
            if (in == null) throw new AssertionError("missing seed " + resource + " (run FuzzSeeds)");
            Path file = dir.resolve(as);
            Files.createDirectories(file.getParent());
            Files.write(file, in.readAllBytes());
            return file;
        }
    }

    @Test
    void safetensorsSeedHoldsEveryDtype() throws IOException {
        Path file = seed("SafetensorsFuzzTest", "safetensors", "all-dtypes.safetensors", "a.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(8, f.entries().size());
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(List.of(7L, -1L), java.util.Arrays.stream(f.readLongs("ids")).boxed().toList());
            assertEquals(-2f, f.readFloats("h")[1]);
            assertEquals(Float.POSITIVE_INFINITY, f.readFloats("f")[1]);
        }
    }

    @Test
    void llama2cModelSeedsLoad() throws IOException {
        for (String name : List.of("shared.bin", "unshared.bin")) {
            Path file = seed("Llama2cCheckpointFuzzTest", "llama2cModel", name, name);
            LlamaModel model = Llama2cCheckpoint.load(file);
            assertEquals(16, model.config().vocabSize());
            assertEquals(name.equals("shared.bin"), model.config().tieEmbeddings());
        }
    }

    @Test
    void tokenizerSeedsLoadAndRoundTrip() throws IOException {
        Object[][] seeds = {
                {"Llama2cTokenizerFuzzTest", "llama2cTokenizer", "byte-fallback.bin", "tokenizer.bin", 267},
                {"Llama2cTokenizerFuzzTest", "llama2cTokenizer", "small.bin", "tokenizer.bin", 8},
                {"SentencePieceModelFuzzTest", "sentencePieceModel", "hand-made.model", "tokenizer.model", 9},
                {"HfTokenizerJsonFuzzTest", "tokenizerJson", "byte-level-bpe.json", "tokenizer.json", 270},
        };
        for (Object[] s : seeds) {
            Path file = seed((String) s[0], (String) s[1], (String) s[2], s[2] + "/" + s[3]);
            Tokenizer tokenizer = Tokenizer.load(file);
            assertEquals((int) s[4], tokenizer.vocabSize(), (String) s[2]);
        }
        Tokenizer bytes = Tokenizer.load(seed("Llama2cTokenizerFuzzTest", "llama2cTokenizer", "byte-fallback.bin",
                "rt/tokenizer.bin"));
        assertEquals("the fox, naïve 東 😀", bytes.decode(bytes.encode("the fox, naïve 東 😀")));   // byte fallback
        Tokenizer chars = Tokenizer.load(seed("HfTokenizerJsonFuzzTest", "tokenizerJson", "chars.json",
                "c/tokenizer.json"));
        assertEquals("the lazy fox", chars.decode(chars.encode("the lazy fox")));
    }

    @Test
    void hfConfigSeedsLoadBesideTheirWeights() throws IOException {
        for (String model : List.of("llama", "gpt2")) {
            Path config = seed("HfConfigFuzzTest", "hfConfig", model + "-config.json",
                    model + "/" + HfCheckpoint.CONFIG);
            Files.write(config.resolveSibling(HfCheckpoint.WEIGHTS),
                    FuzzSupport.fixture("hf-" + model + "/model.safetensors"));
            CausalLM loaded = HfCheckpoint.load(config.getParent());
            assertEquals(model.equals("gpt2"), loaded.config() instanceof GptConfig, model);
        }
    }

    @Test
    void peftSeedsAttachTheirAdapters() throws IOException {
        for (String name : List.of("list-targets.json", "regex-targets.json", "rslora.json")) {
            Path config = seed("PeftAdapterFuzzTest", "adapterConfig", name, name + "/" + PeftAdapter.CONFIG);
            Files.write(config.resolveSibling(PeftAdapter.WEIGHTS),
                    FuzzSupport.fixture("peft/adapter_model.safetensors"));
            LlamaModel model = new LlamaModel(FuzzModels.LLAMA, new Generator(0));
            PeftAdapter.Config read = PeftAdapter.load(model, config.getParent(), new Generator(1));
            assertEquals(2, read.lora().r());
            assertEquals(2, Lora.adapters(model).size(), name);
        }
    }

    @Test
    void checkpointSeedsRestoreTheTrainingRun() throws Exception {
        for (String test : List.of("JgradCheckpointFuzzTest", "TrainingStateFuzzTest")) {
            String method = test.equals("JgradCheckpointFuzzTest") ? "jgradCheckpoint" : "trainingState";
            byte[] json = Files.readAllBytes(seed(test, method, "training.json", test + ".json"));
            CheckpointFuzzing.inCheckpoint(json, ckpt -> {
                assertEquals(FuzzModels.LLAMA, JgradCheckpoint.load(ckpt).config());
                LlamaModel model = new LlamaModel(FuzzModels.LLAMA, new Generator(0));
                AdamW optimizer = new AdamW(model.parameters(), AdamW.defaults(1e-3));
                WarmupCosineLr schedule = new WarmupCosineLr(optimizer, 2, 10, 1e-4);
                Checkpoint.Loaded loaded = Checkpoint.load(ckpt, new Checkpoint.Training(model, optimizer, schedule,
                        Map.of("data", new Generator(7))));
                assertEquals(1, loaded.step());
                assertEquals("fuzz seed", loaded.extra().get("note"));
            });
        }
    }

    @Test
    void jsonlSeedReadsEveryRecordByPropertyAndPointer() throws IOException {
        Path file = seed("CorpusJsonlFuzzTest", "jsonl", "records.jsonl", "data.jsonl");
        try (Stream<Document> docs = Corpus.fromJsonl(file, "text")) {
            assertEquals(List.of("first document", "naïve café 東 😀", "  padded  "),
                    docs.map(Document::text).toList());
        }
        try (Stream<Document> docs = Corpus.fromJsonl(file, "/meta/body")) {
            assertEquals(List.of("nested body", "b", ""), docs.map(Document::text).toList());
        }
        assertTrue(Files.size(file) < 1024);
    }
}
