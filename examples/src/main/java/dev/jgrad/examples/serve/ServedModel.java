package dev.jgrad.examples.serve;

import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.checkpoint.CheckpointFormatException;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.chat.ChatTemplateException;
import dev.jgrad.transformer.serve.Adapter;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import dev.jgrad.transformer.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a server serves: a loaded model with its tokenizer, how prompts start and stop, its chat template, and the
 * LoRA adapters that requests may select by name.
 *
 * <p>Chat requests are rendered by the library's {@link ChatTemplate}: the model's own Jinja {@code chat_template}
 * is executed, exactly as {@code ./jgrad finetune} renders its training data, so the server speaks the format the
 * model was tuned on. The rendered text spells markers such as {@code <|im_start|>}; it is encoded with
 * {@link Tokenizer#encodeWithSpecialTokens}, which turns each marker that is one of the tokenizer's special tokens
 * into that single id and encodes the others as ordinary characters (a character tokenizer trained on marked-up
 * text has no special tokens, and reads {@code <|im_end|>} as ten characters).
 *
 * @param id        the base model's id in the API ({@code model} field, {@code /v1/models})
 * @param model     the shared base model
 * @param loaded    the loader's view (tokenizer, BOS, stop tokens)
 * @param template  the chat template chat requests are rendered with
 * @param endOfTurn the text that closes an assistant turn in {@code template} ({@code <|im_end|>}, {@code </s>}...),
 *                  where chat replies stop; null when the template's rendering of a turn shows none
 * @param adapters  the adapters by name, in the order given
 */
public record ServedModel(String id, CausalLM model, ModelLoader.Loaded loaded, ChatTemplate template,
                          String endOfTurn, Map<String, Adapter> adapters) {

    /**
     * Loads {@code checkpoint} (any format {@link ModelLoader} reads) with its linear layers built by {@code linears}
     * (null: {@link ModelLoader#loadForInference}, a GGUF file in its own block types, anything else in float32 — or,
     * with adapters, every format in float32, since adapters wrap float layers;
     * {@code ./jgrad serve --quant} passes the factory {@code generate --quant} uses), with adapters from PEFT directories, and the chat template from
     * {@code chatTemplate} (a built-in format's name or a Jinja file), else the {@code chat_template} of the
     * model's {@code tokenizer_config.json}, else chatml.
     */
    public static ServedModel load(Path checkpoint, Path tokenizer, LinearFactory linears, Map<String, Path> adapterDirs,
                                   String name, String chatTemplate) throws IOException {
        // Adapters apply to float (or 4-bit) layers; without any, a GGUF file stays in its own blocks.
        ModelLoader.Loaded loaded = linears != null ? ModelLoader.load(checkpoint, null, tokenizer, linears)
                : adapterDirs.isEmpty() ? ModelLoader.loadForInference(checkpoint, null, tokenizer)
                : ModelLoader.load(checkpoint, null, tokenizer);
        if (loaded.tokenizer() == null)
            throw new IllegalArgumentException("the checkpoint has no tokenizer next to it; pass --tokenizer PATH");
        String id = name != null && !name.isBlank() ? name : checkpoint.toAbsolutePath().normalize().getFileName().toString();
        Map<String, Adapter> adapters = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : adapterDirs.entrySet()) {
            if (e.getKey().equals(id) || adapters.containsKey(e.getKey()))
                throw new IllegalArgumentException("--adapter " + e.getKey() + ": the name is already taken");
            adapters.put(e.getKey(), readAdapter(loaded.model(), e.getKey(), e.getValue()));
        }
        String nameOrFile = chatTemplate != null || loaded.chatTemplate() != null || hasOwnTemplate(checkpoint, tokenizer) ? chatTemplate
                : ChatTemplate.Format.CHATML.id();
        ChatTemplate template = ChatTemplate.forModel(loaded.tokenizer(), nameOrFile, loaded.chatTemplate(), checkpoint, tokenizer);
        return new ServedModel(id, loaded.model(), loaded, template, endOfTurn(template), adapters);
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

    /**
     * The prompt ids of a conversation: the template's rendering, ending with the opening of the assistant's turn,
     * encoded with the tokenizer's special tokens.
     *
     * @throws IllegalArgumentException if the template refuses the conversation ({@code raise_exception}) or the
     *                                  tokenizer cannot encode the text (a character it has never seen)
     */
    public int[] encodeChat(List<ChatMessage> messages) {
        return tokenizer().encodeWithSpecialTokens(template.render(messages, true));
    }

    /** The stop tokens of a chat reply: the end of text, and the end of turn where it is a special token. */
    public int[] chatStopTokens() {
        int[] base = loaded.stopTokens();
        Integer eot = endOfTurn == null ? null : tokenizer().specialTokens().get(endOfTurn);
        if (eot == null) return base;
        int[] out = java.util.Arrays.copyOf(base, base.length + 1);
        out[base.length] = eot;
        return out;
    }

    /**
     * The stop strings of a chat reply: the end of turn when the tokenizer spells it in ordinary tokens, so that
     * generation is cut where the marker's text appears.
     */
    public List<String> chatStopStrings() {
        if (endOfTurn == null || tokenizer().specialTokens().containsKey(endOfTurn)) return List.of();
        return List.of(endOfTurn);
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

    /**
     * What {@code template} writes after an assistant's words to close the turn: a one-turn conversation is
     * rendered with and without the reply, and the text following the reply, trimmed, is the marker
     * ({@code <|im_end|>} for chatml, {@code <|eot_id|>} for llama-3, {@code </s>} for llama-2 and mistral).
     * Null when the template renders no marker there, or refuses the probe.
     */
    static String endOfTurn(ChatTemplate template) {
        String reply = "Hello";
        try {
            String before = template.render(List.of(ChatMessage.user("Hi")), true);
            String through = template.render(List.of(ChatMessage.user("Hi"), ChatMessage.assistant(reply)), false);
            int at = through.indexOf(reply, before.length());
            if (!through.startsWith(before) || at < 0) return null;
            String marker = through.substring(at + reply.length()).strip();
            return marker.isEmpty() ? null : marker;
        } catch (ChatTemplateException e) {
            return null;
        }
    }

    /** Whether a {@code tokenizer_config.json} beside the checkpoint or tokenizer carries a {@code chat_template}. */
    private static boolean hasOwnTemplate(Path checkpoint, Path tokenizer) throws IOException {
        TokenizerConfig config = TokenizerConfig.find(checkpoint, tokenizer);
        return config != null && config.chatTemplate().isPresent();
    }
}
