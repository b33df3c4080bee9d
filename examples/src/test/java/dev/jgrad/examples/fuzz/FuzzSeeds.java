package dev.jgrad.examples.fuzz;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.BpeTrainer;
import dev.jgrad.transformer.tokenizer.CharTokenizer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes the seed corpus of every fuzz test ({@code <Test>Inputs/<method>/}) and the fixed companion files
 * ({@code fixtures/}) under {@code src/test/resources/dev/jgrad/examples/fuzz}: small valid files of each format,
 * written by jgrad's own writers or byte by byte from the format's layout, and near-valid variants (truncated, one
 * field off), a few kilobytes each. Run from the repository root after a format changes:
 * <pre>
 * mvn -q -B -pl examples -am test-compile
 * java -cp "examples/target/test-classes:examples/target/classes:$(cat cp.txt)" dev.jgrad.examples.fuzz.FuzzSeeds
 * </pre>
 * ({@code cp.txt} from {@code mvn -q -pl examples dependency:build-classpath -Dmdep.outputFile=cp.txt}), or see
 * {@code benchmarks/scripts/fuzz.sh --seeds}, which does both. The output is deterministic.
 */
public final class FuzzSeeds {

    private static final String TEXT = "the quick brown fox jumps over the lazy dog. the dog sleeps; the fox runs.\n"
            + "naïve café, 東京 😀\n";

    private final Path root;

    private FuzzSeeds(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "examples/src/test/resources/dev/jgrad/examples/fuzz");
        FuzzSeeds seeds = new FuzzSeeds(root);
        seeds.safetensors();
        seeds.llama2cModel();
        seeds.llama2cTokenizer();
        seeds.sentencePieceModel();
        seeds.tokenizerJson();
        seeds.hfConfig();
        seeds.adapterConfig();
        seeds.checkpoints();
        seeds.jsonl();
        System.out.println("fuzz seeds and fixtures written under " + root);
    }

    private void seed(String test, String method, String name, byte[] data) throws IOException {
        Path dir = root.resolve(test + "Inputs").resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), data);
    }

    private void fixture(String name, byte[] data) throws IOException {
        Path file = root.resolve("fixtures").resolve(name);
        Files.createDirectories(file.getParent());
        Files.write(file, data);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] truncated(byte[] data, int keep) {
        return Arrays.copyOf(data, Math.min(keep, data.length));
    }

    // ---- safetensors: the layout by hand, every dtype --------------------------------------------------------

    private void safetensors() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]},"
                + "\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[40,44]},"
                + "\"f\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[44,48]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[48,52]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[2,1],\"data_offsets\":[52,54]},"
                + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[54,55]},"
                + "\"e\":{\"dtype\":\"F64\",\"shape\":[0,4],\"data_offsets\":[55,55]}}";
        ByteBuffer data = ByteBuffer.allocate(55).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : new float[] {1, -2, 0.5f, 3, 4, -0f}) data.putFloat(v);
        data.putLong(7).putLong(-1);
        data.putShort((short) 0x3f80).putShort((short) 0xc000);   // BF16 1, -2
        data.putShort((short) 0x3c00).putShort((short) 0x7c00);   // F16 1, +inf
        data.putInt(123456);
        data.put((byte) 0).put((byte) 255).put((byte) 1);
        byte[] full = safetensorsFile(header, data.array());
        seed("SafetensorsFuzzTest", "safetensors", "all-dtypes.safetensors", full);
        seed("SafetensorsFuzzTest", "safetensors", "empty.safetensors", safetensorsFile("{}", new byte[0]));
        seed("SafetensorsFuzzTest", "safetensors", "truncated.safetensors", truncated(full, full.length - 3));
        seed("SafetensorsFuzzTest", "safetensors", "hole.safetensors", safetensorsFile(
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
    }

    private static byte[] safetensorsFile(String header, byte[] data) {
        byte[] h = utf8(header);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    // ---- llama2.c model.bin: header + float32 weights ---------------------------------------------------------

    private void llama2cModel() throws IOException {
        // dim 8, hidden 16, 1 layer, 2 heads, 1 kv head, vocab 16, seq_len 4: 744 floats (shared classifier).
        seed("Llama2cCheckpointFuzzTest", "llama2cModel", "shared.bin", llama2cModel(16));
        byte[] unshared = llama2cModel(-16);
        seed("Llama2cCheckpointFuzzTest", "llama2cModel", "unshared.bin", unshared);
        seed("Llama2cCheckpointFuzzTest", "llama2cModel", "truncated.bin", truncated(unshared, unshared.length - 4));
    }

    private static byte[] llama2cModel(int vocab) {
        int dim = 8, hidden = 16, layers = 1, heads = 2, kvHeads = 1, seqLen = 4;
        int kvDim = dim * kvHeads / heads, v = Math.abs(vocab);
        int floats = v * dim + layers * dim + layers * (dim * dim + 2 * kvDim * dim) + layers * dim * dim
                + layers * dim + 3 * layers * hidden * dim + dim + seqLen * (dim / heads) + (vocab < 0 ? v * dim : 0);
        ByteBuffer b = ByteBuffer.allocate(28 + 4 * floats).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : new int[] {dim, hidden, layers, heads, kvHeads, vocab, seqLen}) b.putInt(x);
        for (int i = 0; i < floats; i++) b.putFloat((i % 13 - 6) / 16f);
        return b.array();
    }

    // ---- llama2.c tokenizer.bin ------------------------------------------------------------------------------

    private void llama2cTokenizer() throws IOException {
        ByteArrayOutputStream full = new ByteArrayOutputStream();
        List<String> pieces = new java.util.ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int i = 0; i < 256; i++) pieces.add(String.format("<0x%02X>", i));
        pieces.addAll(List.of(" ", " t", "he", " the", " a", "é", " fox", "東"));
        full.writeBytes(llama2cTokenizer(pieces));
        seed("Llama2cTokenizerFuzzTest", "llama2cTokenizer", "byte-fallback.bin", full.toByteArray());
        seed("Llama2cTokenizerFuzzTest", "llama2cTokenizer", "small.bin",
                llama2cTokenizer(List.of("<unk>", "\n<s>\n", "\n</s>\n", " ", "a", "b", " ab", "ab")));
        seed("Llama2cTokenizerFuzzTest", "llama2cTokenizer", "truncated.bin",
                truncated(llama2cTokenizer(List.of("<unk>", "\n<s>\n", "\n</s>\n", "xyz")), 40));
    }

    private static byte[] llama2cTokenizer(List<String> pieces) {
        int maxTokenLength = 0;
        for (String p : pieces) maxTokenLength = Math.max(maxTokenLength, utf8(p).length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        out.write(b.putInt(0, maxTokenLength).array(), 0, 4);
        for (int i = 0; i < pieces.size(); i++) {
            byte[] text = utf8(pieces.get(i));
            out.write(b.putFloat(0, -i).putInt(4, text.length).array(), 0, 8);
            out.writeBytes(text);
        }
        return out.toByteArray();
    }

    // ---- SentencePiece tokenizer.model: protobuf by hand ----------------------------------------------------

    private void sentencePieceModel() throws IOException {
        // A model trained by SentencePiece itself: the transformer tests' fixture (run from the repository root).
        Path trained = Path.of("transformer/src/test/resources/tokenizer/sp-bpe-tiny-unk.model");
        seed("SentencePieceModelFuzzTest", "sentencePieceModel", "sp-bpe-tiny-unk.model", Files.readAllBytes(trained));
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        String[][] pieces = {{"<unk>", "2"}, {"<s>", "3"}, {"</s>", "3"}, {"▁", "1"}, {"a", "1"}, {"b", "1"},
                {"▁a", "1"}, {"ab", "1"}, {"<0x41>", "6"}};
        for (int i = 0; i < pieces.length; i++) {
            ByteArrayOutputStream piece = new ByteArrayOutputStream();
            lenField(piece, 1, utf8(pieces[i][0]));
            piece.write(2 << 3 | 5);
            piece.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(-i).array());
            varintField(piece, 3, Integer.parseInt(pieces[i][1]));
            lenField(model, 1, piece.toByteArray());
        }
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        varintField(trainer, 3, 2);      // model_type BPE
        varintField(trainer, 35, 0);     // byte_fallback
        lenField(trainer, 45, utf8("<unk>"));
        lenField(model, 2, trainer.toByteArray());
        ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
        lenField(normalizer, 1, utf8("identity"));
        varintField(normalizer, 3, 1);   // add_dummy_prefix
        varintField(normalizer, 4, 0);   // remove_extra_whitespaces
        lenField(model, 3, normalizer.toByteArray());
        byte[] bytes = model.toByteArray();
        seed("SentencePieceModelFuzzTest", "sentencePieceModel", "hand-made.model", bytes);
        seed("SentencePieceModelFuzzTest", "sentencePieceModel", "truncated.model", truncated(bytes, bytes.length - 5));
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void varintField(ByteArrayOutputStream out, int field, long v) {
        varint(out, (long) field << 3);
        varint(out, v);
    }

    private static void lenField(ByteArrayOutputStream out, int field, byte[] payload) {
        varint(out, (long) field << 3 | 2);
        varint(out, payload.length);
        out.writeBytes(payload);
    }

    // ---- tokenizer.json (Hugging Face) and jgrad's character vocabulary ---------------------------------------

    private void tokenizerJson() throws IOException {
        Path tmp = Files.createTempFile("fuzz-seed", ".json");
        try {
            new BpeTrainer(270, List.of("<|endoftext|>")).train(TEXT).saveHuggingFaceJson(tmp);
            seed("HfTokenizerJsonFuzzTest", "tokenizerJson", "byte-level-bpe.json", Files.readAllBytes(tmp));
            CharTokenizer.fromText(TEXT).save(tmp);
            seed("HfTokenizerJsonFuzzTest", "tokenizerJson", "chars.json", Files.readAllBytes(tmp));
        } finally {
            Files.deleteIfExists(tmp);
        }
        // Near-valid: an added token and a Sequence pre-tokenizer, but not the 256 byte tokens byte-level BPE needs.
        seed("HfTokenizerJsonFuzzTest", "tokenizerJson", "added-tokens.json", utf8("""
                {"added_tokens":[{"id":3,"content":"<s>"}],"normalizer":null,
                 "pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"ByteLevel","add_prefix_space":false}]},
                 "model":{"type":"BPE","dropout":null,"vocab":{"a":0,"b":1,"ab":2},"merges":[["a","b"]]}}
                """));
    }

    // ---- Hugging Face config.json + model.safetensors --------------------------------------------------------

    private void hfConfig() throws IOException {
        Path tmp = Files.createTempDirectory("fuzz-seed");
        try {
            HfCheckpoint.save(new LlamaModel(FuzzModels.LLAMA, new Generator(1)), tmp.resolve("llama"));
            HfCheckpoint.save(new GptModel(FuzzModels.GPT, new Generator(1)), tmp.resolve("gpt2"));
            for (String model : List.of("llama", "gpt2")) {
                byte[] config = Files.readAllBytes(tmp.resolve(model).resolve(HfCheckpoint.CONFIG));
                seed("HfConfigFuzzTest", "hfConfig", model + "-config.json", config);
                fixture("hf-" + model + "/model.safetensors",
                        Files.readAllBytes(tmp.resolve(model).resolve(HfCheckpoint.WEIGHTS)));
            }
            seed("HfConfigFuzzTest", "hfConfig", "llama-wrong-size.json", utf8("""
                    {"model_type":"llama","vocab_size":32000,"hidden_size":4096,"intermediate_size":11008,
                     "num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":32,"rms_norm_eps":1e-5,
                     "max_position_embeddings":4096,"rope_theta":10000.0,"tie_word_embeddings":false}
                    """));
        } finally {
            deleteRecursively(tmp);
        }
    }

    // ---- PEFT adapter_config.json + adapter_model.safetensors -----------------------------------------------

    private void adapterConfig() throws IOException {
        Path tmp = Files.createTempDirectory("fuzz-seed");
        try {
            LlamaModel model = new LlamaModel(FuzzModels.LLAMA, new Generator(1));
            LoraConfig lora = new LoraConfig(2, 4, 0.05, List.of("q_proj", "v_proj"), null, false);
            Lora.attach(model, lora, new Generator(2));
            PeftAdapter.save(model, lora, tmp, "tiny-llama", false);
            byte[] config = Files.readAllBytes(tmp.resolve(PeftAdapter.CONFIG));
            seed("PeftAdapterFuzzTest", "adapterConfig", "list-targets.json", config);
            String json = new String(config, StandardCharsets.UTF_8);
            seed("PeftAdapterFuzzTest", "adapterConfig", "regex-targets.json", utf8(json.replaceFirst(
                    "\"target_modules\" : \\[[^]]*]", "\"target_modules\" : \".*\\\\\\\\.(q_proj|v_proj)\"")));
            seed("PeftAdapterFuzzTest", "adapterConfig", "rslora.json",
                    utf8(json.replace("\"use_rslora\" : false", "\"use_rslora\" : true")));
            fixture("peft/adapter_model.safetensors", Files.readAllBytes(tmp.resolve(PeftAdapter.WEIGHTS)));
        } finally {
            deleteRecursively(tmp);
        }
    }

    // ---- jgrad checkpoint: training.json + model.safetensors + optimizer.safetensors -------------------------

    private void checkpoints() throws IOException {
        Path tmp = Files.createTempDirectory("fuzz-seed");
        try {
            LlamaModel model = new LlamaModel(FuzzModels.LLAMA, new Generator(1));
            AdamW optimizer = new AdamW(model.parameters(), AdamW.defaults(1e-3));
            WarmupCosineLr schedule = new WarmupCosineLr(optimizer, 2, 10, 1e-4);
            for (Tensor p : model.parameters()) p.square().mean().backward();
            optimizer.step();
            schedule.step();
            Path dir = tmp.resolve("checkpoint");
            JgradCheckpoint.save(dir, model, optimizer, schedule, Map.of("data", new Generator(7)), 1,
                    Map.of("note", "fuzz seed"));
            byte[] training = Files.readAllBytes(dir.resolve("training.json"));
            seed("JgradCheckpointFuzzTest", "jgradCheckpoint", "training.json", training);
            seed("TrainingStateFuzzTest", "trainingState", "training.json", training);
            fixture("jgrad-checkpoint/model.safetensors", Files.readAllBytes(dir.resolve("model.safetensors")));
            fixture("jgrad-checkpoint/optimizer.safetensors", Files.readAllBytes(dir.resolve("optimizer.safetensors")));
        } finally {
            deleteRecursively(tmp);
        }
    }

    // ---- JSONL corpus ----------------------------------------------------------------------------------------

    private void jsonl() throws IOException {
        seed("CorpusJsonlFuzzTest", "jsonl", "records.jsonl", utf8("""
                {"text": "first document", "meta": {"body": "nested body"}}

                {"text": "naïve café \\u6771 😀", "meta": {"body": "b", "n": [1, 2.5, null, true]}}\r
                {"id": 3, "text": "  padded  ", "meta": {"body": ""}}
                """));
        seed("CorpusJsonlFuzzTest", "jsonl", "bad-line.jsonl", utf8("{\"text\": \"ok\"}\n{\"text\": 5}\n[1, 2]\n"));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
