package dev.jgrad.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.checkpoint.CheckpointFormatException;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.serve.Adapter;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a server serves: a loaded model with its tokenizer, how prompts start and stop, its chat format, and the
 * LoRA adapters that requests may select by name.
 *
 * @param id              the base model's id in the API ({@code model} field, {@code /v1/models})
 * @param model           the shared base model
 * @param loaded          the loader's view (tokenizer, BOS, stop tokens)
 * @param chatTemplate    the chat format, or null when the model's own template is one this server cannot render
 * @param templateProblem why {@code chatTemplate} is null (said to chat requests), else null
 * @param adapters        the adapters by name, in the order given
 */
public record ServedModel(String id, CausalLM model, ModelLoader.Loaded loaded, ChatTemplate chatTemplate,
                          String templateProblem, Map<String, Adapter> adapters) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Loads {@code checkpoint} (any format {@link ModelLoader} reads), quantized while loading when {@code quant} is
     * given (nf4 or fp4, blocks of 64), with adapters from PEFT directories, and the chat format from
     * {@code chatTemplate} (a format name or a file holding a Jinja template), else the model's
     * {@code tokenizer_config.json}, else chatml.
     */
    public static ServedModel load(Path checkpoint, Path tokenizer, String quant, Map<String, Path> adapterDirs, String name,
                                   String chatTemplate) throws IOException {
        ModelLoader.Loaded loaded;
        if (quant == null) loaded = ModelLoader.load(checkpoint, null, tokenizer);
        else {
            String q = quant.toLowerCase(Locale.ROOT);
            if (q.equals("q8_0") || q.equals("q4_0"))
                throw new IllegalArgumentException("--quant " + q + ": GGML block formats are not available in this build; use nf4 or fp4");
            loaded = QuantizedModels.load(checkpoint, null, tokenizer, QuantSpec.of(q, 64, false));
        }
        if (loaded.tokenizer() == null)
            throw new IllegalArgumentException("the checkpoint has no tokenizer next to it; pass --tokenizer PATH");
        String id = name != null && !name.isBlank() ? name : checkpoint.toAbsolutePath().normalize().getFileName().toString();
        Map<String, Adapter> adapters = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : adapterDirs.entrySet()) {
            if (e.getKey().equals(id) || adapters.containsKey(e.getKey()))
                throw new IllegalArgumentException("--adapter " + e.getKey() + ": the name is already taken");
            adapters.put(e.getKey(), readAdapter(loaded.model(), e.getKey(), e.getValue()));
        }
        ChatTemplate template = null;
        String problem = null;
        if (chatTemplate != null) {
            template = Files.isRegularFile(Path.of(chatTemplate)) ? recogniseFile(Path.of(chatTemplate)) : ChatTemplate.named(chatTemplate);
        } else {
            String jinja = ownTemplate(checkpoint, tokenizer);
            if (jinja == null) template = ChatTemplate.CHATML;
            else if ((template = ChatTemplate.recognise(jinja)) == null)
                problem = "this model's chat template (tokenizer_config.json) is not one of the formats this server renders"
                        + " (chatml, llama-2, llama-3, mistral); restart it with --chat-template NAME";
        }
        return new ServedModel(id, loaded.model(), loaded, template, problem, adapters);
    }

    /** Every model id requests may name: the base first, then the adapters. */
    public List<String> ids() {
        List<String> ids = new ArrayList<>();
        ids.add(id);
        ids.addAll(adapters.keySet());
        return ids;
    }

    public Tokenizer tokenizer() {
        return loaded.tokenizer();
    }

    /** The prompt ids of a completion prompt: encoded text with BOS where the model wants it (as {@code generate}). */
    public int[] encodePrompt(String text) {
        int[] body = tokenizer().encode(text);
        if (!loaded.addBos()) return body.length > 0 ? body : new int[] {loaded.startId()};
        int[] ids = new int[body.length + 1];
        ids[0] = loaded.bosId();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    /** The stop tokens of a completion: the model's end of text. */
    public int[] stopTokens() {
        return loaded.stopTokens();
    }

    /** The stop tokens of a chat reply: the end of text and the template's end of turn where it is one token. */
    public int[] chatStopTokens() {
        int[] base = loaded.stopTokens();
        int eot = chatTemplate == null ? -1 : ChatTemplate.specialId(tokenizer(), chatTemplate.endOfTurn());
        if (eot < 0) return base;
        int[] out = java.util.Arrays.copyOf(base, base.length + 1);
        out[base.length] = eot;
        return out;
    }

    private static Adapter readAdapter(CausalLM model, String name, Path dir) throws IOException {
        PeftAdapter.Config config = PeftAdapter.readConfig(dir);
        Map<String, dev.jgrad.core.Tensor[]> weights = PeftAdapter.readWeights(model, dir, config);
        Map<String, Adapter.Layer> layers = new LinkedHashMap<>();
        for (Map.Entry<String, dev.jgrad.core.Tensor[]> e : weights.entrySet()) {
            if (e.getKey().equals("lm_head"))
                throw new CheckpointFormatException(dir, "adapts lm_head; this server applies adapters to block layers only");
            layers.put(e.getKey(), new Adapter.Layer(e.getValue()[0], e.getValue()[1], config.lora().scaling()));
        }
        return new Adapter(name, layers);
    }

    private static ChatTemplate recogniseFile(Path file) throws IOException {
        ChatTemplate t = ChatTemplate.recognise(Files.readString(file));
        if (t == null)
            throw new IllegalArgumentException("--chat-template " + file + ": not a chatml, llama-2, llama-3 or mistral template"
                    + " (a general Jinja engine is not part of this build); name one of those formats instead");
        return t;
    }

    /** The {@code chat_template} of the tokenizer_config.json beside the checkpoint or tokenizer, or null. */
    private static String ownTemplate(Path checkpoint, Path tokenizer) throws IOException {
        for (Path p : new Path[] {checkpoint, tokenizer}) {
            if (p == null) continue;
            Path dir = Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
            Path config = dir == null ? null : dir.resolve("tokenizer_config.json");
            if (config == null || !Files.isRegularFile(config)) continue;
            JsonNode t;
            try {
                t = JSON.readTree(config.toFile()).get("chat_template");
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new CheckpointFormatException(config, "is not valid JSON: " + e.getOriginalMessage(), e);
            }
            if (t == null || t.isNull()) continue;
            if (t.isTextual()) return t.textValue();
            if (t.isArray())   // [{"name": "default", "template": "..."}, ...]
                for (JsonNode n : t) if (n.path("name").asText().equals("default")) return n.path("template").asText();
        }
        return null;
    }
}
