package dev.jgrad.transformer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.jgrad.transformer.tokenizer.Tokenizer;
import jinjava.javax.el.CompositeELResolver;
import dev.jgrad.transformer.tokenizer.TokenizerConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat template: the Jinja program, shipped in {@code tokenizer_config.json} as {@code chat_template},
 * that turns a list of messages into the exact prompt text the model was trained on. Rendering it the way
 * Hugging Face's {@code apply_chat_template} does is what makes a fine-tune (and later inference) speak the
 * format the base model knows.
 *
 * <p>The Jinja engine is HubSpot's Jinjava, configured like Hugging Face's environment: {@code trim_blocks} and
 * {@code lstrip_blocks} on, loop controls ({@code break}, {@code continue}) and {@code namespace()} available.
 * On top of Jinja the templates expect these names, which {@link #render} provides:
 * <ul>
 *   <li>{@code messages}: a list of {@code {"role", "content"}} maps;</li>
 *   <li>{@code add_generation_prompt}: whether to end with the header that opens the assistant's turn;</li>
 *   <li>{@code bos_token}, {@code eos_token}: the spellings of the special tokens;</li>
 *   <li>{@code raise_exception(message)}: aborts rendering; surfaces here as a {@link ChatTemplateException}
 *       carrying the template's message;</li>
 *   <li>{@code strftime_now(format)}: today's date in a Python {@code strftime} format;</li>
 *   <li>the filter {@code tojson}, with Python's {@code json.dumps} spacing and {@code indent=}.</li>
 * </ul>
 * The Python string methods templates call on contents ({@code startswith}, {@code split}, {@code strip}...)
 * are provided by {@link PythonStringMethods}.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class ChatTemplate {

    /** Built-in templates, for a model whose tokenizer files carry none. */
    public enum Format {
        /** {@code <s>[INST] <<SYS>>...<</SYS>> user [/INST] answer </s>}. */
        LLAMA_2("llama-2"),
        /** {@code <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>}. */
        LLAMA_3("llama-3"),
        /** {@code <|im_start|>role\ncontent<|im_end|>\n}. */
        CHATML("chatml"),
        /** {@code <s>[INST] user [/INST]answer</s>}. */
        MISTRAL("mistral");

        private final String id;

        Format(String id) {
            this.id = id;
        }

        /** The name used on the command line and in the resource file name: "llama-3", "chatml"... */
        public String id() {
            return id;
        }

        /** The Jinja source of this format. */
        public String source() {
            String resource = id + ".jinja";
            try (InputStream in = ChatTemplate.class.getResourceAsStream(resource)) {
                if (in == null) throw new IllegalStateException("missing resource " + resource);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The format named {@code id} ("llama-2", "llama-3", "chatml", "mistral"). */
        public static Format of(String id) {
            for (Format f : values()) if (f.id.equals(id.toLowerCase(Locale.ROOT))) return f;
            throw new IllegalArgumentException("unknown chat format '" + id + "' (known: llama-2, llama-3, chatml, mistral)");
        }
    }

    private static final Jinjava JINJA = createEngine();

    private final String source;
    private final String bosToken;
    private final String eosToken;

    /**
     * @param source   the Jinja program
     * @param bosToken what {@code bos_token} renders as ("" when the model has none)
     * @param eosToken what {@code eos_token} renders as ("" when the model has none)
     */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = Objects.requireNonNull(source, "source");
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
        this.eosToken = Objects.requireNonNull(eosToken, "eosToken");
    }

    /** A built-in format with the given special-token spellings. */
    public static ChatTemplate of(Format format, String bosToken, String eosToken) {
        return new ChatTemplate(format.source(), bosToken, eosToken);
    }

    /**
     * The template of a model: its {@code tokenizer_config.json}'s {@code chat_template} when it has one, else
     * {@code fallback} (with the file's BOS/EOS spellings).
     *
     * @throws IllegalArgumentException if the file has no template and {@code fallback} is null
     */
    public static ChatTemplate of(TokenizerConfig config, Format fallback) {
        if (config.chatTemplate().isPresent())
            return new ChatTemplate(config.chatTemplate().get(), config.bosToken(), config.eosToken());
        if (fallback == null)
            throw new IllegalArgumentException("the model's tokenizer_config.json has no chat_template; name a built-in"
                    + " format (llama-2, llama-3, chatml, mistral)");
        return of(fallback, config.bosToken(), config.eosToken());
    }

    /**
     * The chat template to use with a model, as {@code ./jgrad finetune} and an inference server pick it:
     * {@code nameOrFile} when given (a built-in format's name, or a Jinja file), else the template the checkpoint
     * carries ({@code carried}: a GGUF file's {@code tokenizer.chat_template}), else the {@code chat_template} of
     * the first {@code tokenizer_config.json} found in (or beside) {@code places}. BOS and EOS spellings come from
     * that file when there is one, else from the tokenizer's BOS and EOS pieces.
     *
     * @param nameOrFile "llama-2", "llama-3", "chatml", "mistral", a path to a Jinja file, or null
     * @param carried    the checkpoint's own template ({@code ModelLoader.Loaded#chatTemplate()}), or null
     * @param places     the model's directory, its tokenizer file...; null entries are skipped
     * @throws IllegalArgumentException if no template is named and none is found, naming the way to give one
     */
    public static ChatTemplate forModel(Tokenizer tokenizer, String nameOrFile, String carried, Path... places)
            throws IOException {
        TokenizerConfig config = TokenizerConfig.find(places);
        String bos = config != null ? config.bosToken() : tokenizer.bosId() == Tokenizer.NO_ID ? "" : tokenizer.piece(tokenizer.bosId());
        String eos = config != null ? config.eosToken() : tokenizer.eosId() == Tokenizer.NO_ID ? "" : tokenizer.piece(tokenizer.eosId());
        if (nameOrFile != null) {
            Path file = Path.of(nameOrFile);
            if (Files.isRegularFile(file)) return new ChatTemplate(Files.readString(file, StandardCharsets.UTF_8), bos, eos);
            if (nameOrFile.contains("/") || nameOrFile.endsWith(".jinja"))
                throw new IllegalArgumentException("no chat template file " + nameOrFile);
            return of(Format.of(nameOrFile), bos, eos);
        }
        if (carried != null) return new ChatTemplate(carried, bos, eos);
        if (config != null && config.chatTemplate().isPresent()) return new ChatTemplate(config.chatTemplate().get(), bos, eos);
        throw new IllegalArgumentException("the model has no chat template (none in the checkpoint, no chat_template in a"
                + " tokenizer_config.json beside it);"
                + " give --chat-template llama-2, llama-3, chatml, mistral or a Jinja file");
    }

    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
    }

    /**
     * The prompt text of {@code messages}.
     *
     * @param addGenerationPrompt end with the opening of an assistant turn, for generation
     * @throws ChatTemplateException if the template is malformed or refuses the conversation
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * As {@link #render(List, boolean)}, with extra variables some templates read ({@code tools},
     * {@code date_string}, ...). Extra variables never override the standard ones.
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> context = new HashMap<>(extra);
        context.put("messages", turns);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        RenderResult result = JINJA.renderForResult(source, context);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            for (Throwable t = error.getException(); t != null; t = t.getCause())
                if (t instanceof Raised raised) throw new ChatTemplateException(raised.getMessage());
            throw new ChatTemplateException("chat template error at line " + error.getLineno() + ": " + error.getMessage());
        }
        return result.getOutput();
    }

    private static Jinjava createEngine() {
        // Python's string methods first, then Jinjava's own resolver (variables, maps, lists, Java methods)
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        Jinjava engine = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withElResolver(resolver).build());
        engine.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
        engine.getGlobalContext().registerFunction(
                new ELFunctionDefinition("", "strftime_now", ChatTemplateFunctions.class, "strftimeNow", String.class));
        engine.getGlobalContext().registerFilter(new ChatTemplateFunctions.ToJson());
        return engine;
    }

    /** {@code raise_exception(message)}: Jinjava records the throw as a fatal error, which render re-throws. */
    public static String raiseException(String message) {
        throw new Raised(message);
    }

    private static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message, null, false, false);
        }
    }
}
