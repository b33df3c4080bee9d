package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One entry point for every checkpoint format: detects the format, loads the model, finds its tokenizer and says
 * how to start and stop generation.
 *
 * <ul>
 *   <li>{@link Format#HF}: a directory with {@code config.json} and safetensors weights ({@link HfCheckpoint}); the
 *       tokenizer is the directory's {@code tokenizer.json}, {@code tokenizer.model} or GPT-2 pair; stop tokens are
 *       {@code eos_token_id}; LLaMA prompts start with {@code bos_token_id} (both taken from the tokenizer when
 *       config.json has none).</li>
 *   <li>{@link Format#LLAMA2C}: a llama2.c {@code .bin} file ({@link Llama2cCheckpoint}); the tokenizer is
 *       {@code tokenizer.bin} beside it; prompts start with BOS (id 1) and, as in run.c, generation stops when BOS
 *       comes up again.</li>
 *   <li>{@link Format#JGRAD}: a directory written by {@link JgradCheckpoint}; the tokenizer is a tokenizer file in
 *       the directory, else in its parent (where a training run keeps it, beside {@code best/} and {@code last/});
 *       stop token: the tokenizer's EOS.</li>
 *   <li>{@link Format#GGUF}: a llama.cpp {@code .gguf} file ({@link GgufCheckpoint}, dequantized to float32); the
 *       tokenizer, BOS/EOS ids and {@code add_bos_token} come from the file's {@code tokenizer.ggml.*} metadata
 *       (stop tokens: EOS and, if present, {@code eot_token_id}).</li>
 * </ul>
 */
public final class ModelLoader {

    /** Checkpoint formats. */
    public enum Format {
        HF, LLAMA2C, JGRAD, GGUF;

        /** "hf", "llama2c", "jgrad" or "gguf", any case. */
        public static Format parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "hf", "huggingface" -> HF;
                case "llama2c", "llama2.c" -> LLAMA2C;
                case "jgrad" -> JGRAD;
                case "gguf" -> GGUF;
                default -> throw new IllegalArgumentException("unknown checkpoint format \"" + name + "\" (hf, llama2c, jgrad or gguf)");
            };
        }
    }

    /**
     * A loaded model with what generation needs: the tokenizer (null if none was found), whether prompts start
     * with {@code bosId}, the id to start from when there is no prompt, the stop tokens, and the chat template the
     * checkpoint itself carries (a GGUF file's {@code tokenizer.chat_template}; null for other formats, whose
     * template lives in a {@code tokenizer_config.json} that {@link dev.jgrad.transformer.chat.ChatTemplate#forModel}
     * finds).
     */
    public record Loaded(CausalLM model, Tokenizer tokenizer, Format format, boolean addBos, int bosId, int startId,
                         int[] stopTokens, String chatTemplate) {}

    private ModelLoader() {}

    /** The format of {@code path}, from what is there. */
    public static Format detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            if (JgradCheckpoint.isCheckpoint(path)) return Format.JGRAD;
            if (HfCheckpoint.isCheckpoint(path)) return Format.HF;
            throw new CheckpointFormatException(path, "is neither a jgrad checkpoint (training.json) nor a Hugging Face"
                    + " checkpoint (config.json with model.safetensors or model.safetensors.index.json)");
        }
        if (Files.isRegularFile(path)) return GgufCheckpoint.isGguf(path) ? Format.GGUF : Format.LLAMA2C;
        throw new CheckpointFormatException(path, "does not exist");
    }

    /** Loads {@code checkpoint}, detecting its format and finding its tokenizer. */
    public static Loaded load(Path checkpoint) throws IOException {
        return load(checkpoint, null, null);
    }

    /**
     * {@link #load(Path, Format, Path)} for generation: a GGUF file's linear weights stay in their ggml blocks
     * ({@link dev.jgrad.transformer.GgufLinear}, frozen), so a 4-bit model is run at 4 bits; other formats load in
     * float32.
     */
    public static Loaded loadForInference(Path checkpoint, Format format, Path tokenizer) throws IOException {
        Format f = format == null ? detect(checkpoint) : format;
        return load(checkpoint, f, tokenizer, f == Format.GGUF ? dev.jgrad.transformer.GgufLinear.FACTORY : LinearFactory.FLOAT);
    }

    /** Loads {@code checkpoint} as {@code format} (null: detect) with the tokenizer at {@code tokenizer} (null: find). */
    public static Loaded load(Path checkpoint, Format format, Path tokenizer) throws IOException {
        return load(checkpoint, format, tokenizer, LinearFactory.FLOAT);
    }

    /**
     * Loads {@code checkpoint} as {@code format} (null: detect) with the tokenizer at {@code tokenizer} (null:
     * find), building the model's linear layers with {@code linears} (a 4-bit factory quantizes while loading).
     */
    public static Loaded load(Path checkpoint, Format format, Path tokenizer, LinearFactory linears) throws IOException {
        Format f = format == null ? detect(checkpoint) : format;
        return switch (f) {
            case HF -> {
                CausalLM model = HfCheckpoint.load(checkpoint, linears);
                JsonNode json = HfCheckpoint.readConfigJson(checkpoint);
                Tokenizer tok = tokenizer(tokenizer, checkpoint, model);
                // Token ids from config.json; where it has none (a jgrad export), from the tokenizer.
                Path config = checkpoint.resolve(HfCheckpoint.CONFIG);
                int[] bosIds = ids(json, "bos_token_id", model.vocabSize(), config);
                int bos = bosIds.length > 0 ? bosIds[0] : tok == null ? -1 : tok.bosId();
                int[] stops = ids(json, "eos_token_id", model.vocabSize(), config);
                if (stops.length == 0 && tok != null && tok.eosId() != Tokenizer.NO_ID) stops = new int[] {tok.eosId()};
                boolean gpt = model.config() instanceof GptConfig;
                int start = bos >= 0 ? bos : stops.length > 0 ? stops[0] : 0;
                yield new Loaded(model, tok, f, !gpt && bos >= 0, bos, start, stops, null);
            }
            case LLAMA2C -> {
                CausalLM model = Llama2cCheckpoint.load(checkpoint, linears);
                Path sibling = checkpoint.toAbsolutePath().getParent().resolve("tokenizer.bin");
                Tokenizer tok = tokenizer != null ? tokenizer(tokenizer, null, model)
                        : Files.isRegularFile(sibling) ? checked(Tokenizer.load(sibling), sibling, model) : null;
                yield new Loaded(model, tok, f, true, 1, 1, new int[] {1}, null);
            }
            case GGUF -> {
                CausalLM model = GgufCheckpoint.load(checkpoint, linears);
                Tokenizer tok;
                int bos, eos, eot;
                boolean addBos;
                String template;
                try (GgufFile g = GgufFile.open(checkpoint)) {
                    template = GgufCheckpoint.chatTemplate(g);
                    tok = tokenizer != null ? tokenizer(tokenizer, null, model) : GgufTokenizers.read(g);
                    if (tok != null && tokenizer == null) checked(tok, checkpoint, model);
                    bos = GgufTokenizers.id(g, "tokenizer.ggml.bos_token_id");
                    eos = GgufTokenizers.id(g, "tokenizer.ggml.eos_token_id");
                    eot = GgufTokenizers.id(g, "tokenizer.ggml.eot_token_id");
                    // llama.cpp's default: SentencePiece vocabularies add BOS, byte-level BPE ones do not
                    boolean spm = g.get(GgufTokenizers.MODEL) != null && "llama".equals(GgufTokenizers.string(g, GgufTokenizers.MODEL));
                    addBos = bos >= 0 && GgufTokenizers.bool(g, "tokenizer.ggml.add_bos_token", spm);
                }
                int[] stops = java.util.stream.IntStream.of(eos, eot).filter(i -> i >= 0).distinct().toArray();
                yield new Loaded(model, tok, f, addBos, bos, bos >= 0 ? bos : Math.max(eos, 0), stops, template);
            }
            case JGRAD -> {
                CausalLM model = JgradCheckpoint.load(checkpoint, linears);
                Tokenizer tok = tokenizer(tokenizer, checkpoint, model);
                // A training run keeps one tokenizer beside its checkpoints: runs/X/checkpoints/{tokenizer.json,best,last}.
                if (tok == null && tokenizer == null) tok = tokenizer(null, checkpoint.toAbsolutePath().getParent(), model);
                int bos = tok == null ? Tokenizer.NO_ID : tok.bosId(), eos = tok == null ? Tokenizer.NO_ID : tok.eosId();
                yield new Loaded(model, tok, f, bos != Tokenizer.NO_ID, bos, bos != Tokenizer.NO_ID ? bos : Math.max(eos, 0),
                        eos == Tokenizer.NO_ID ? new int[0] : new int[] {eos}, null);
            }
        };
    }

    /**
     * The token ids under {@code key} of config.json: absent or null gives none; otherwise an integer or a list of
     * integers, each a token of the model's vocabulary (else an error naming the key and the value).
     */
    private static int[] ids(JsonNode json, String key, int vocab, Path file) throws CheckpointFormatException {
        JsonNode node = json.get(key);
        if (node == null || node.isNull()) return new int[0];
        List<JsonNode> items = new ArrayList<>();
        if (node.isArray()) node.forEach(items::add);
        else items.add(node);
        int[] out = new int[items.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode n = items.get(i);
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0 || n.intValue() >= vocab)
                throw new CheckpointFormatException(file, "\"" + key + "\" must be a token id (an integer from 0 to "
                        + (vocab - 1) + ") or a list of them, got " + node);
            out[i] = n.intValue();
        }
        return out;
    }

    /** The explicit tokenizer, or the first tokenizer file found in {@code dir}, or null. */
    private static Tokenizer tokenizer(Path explicit, Path dir, CausalLM model) throws IOException {
        if (explicit != null) return checked(Tokenizer.load(explicit), explicit, model);
        if (dir == null || !Files.isDirectory(dir)) return null;
        for (String name : new String[] {"tokenizer.json", "encoder.json", "tokenizer.model", "tokenizer.bin"})
            if (Files.isRegularFile(dir.resolve(name))) return checked(Tokenizer.load(dir), dir.resolve(name), model);
        return null;
    }

    /**
     * The tokenizer, if its vocabulary fits the model's: with more ids, some of its tokens would have no embedding.
     * Fewer ids are the padded vocabulary many Hugging Face models have (Qwen2's 151,936 embedding rows for 151,665
     * tokens): generation never samples the ids without text ({@link dev.jgrad.transformer.generate.TextGenerator}).
     * A llama2.c {@code tokenizer.bin} holds exactly the model's vocabulary, so one with fewer ids is the wrong file.
     */
    private static Tokenizer checked(Tokenizer tok, Path where, CausalLM model) throws CheckpointFormatException {
        boolean exact = where.getFileName() != null && where.getFileName().toString().endsWith(".bin");
        if (tok.vocabSize() > model.vocabSize() || (exact && tok.vocabSize() != model.vocabSize()))
            throw new CheckpointFormatException(where, "the tokenizer has " + tok.vocabSize() + " ids, but the model's"
                    + " vocabulary has " + model.vocabSize() + (tok.vocabSize() < model.vocabSize()
                    ? " (ids the model can generate would have no text)" : " (some tokens would have no embedding)"));
        return tok;
    }
}
