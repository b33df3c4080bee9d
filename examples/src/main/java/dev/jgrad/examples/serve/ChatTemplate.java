package dev.jgrad.examples.serve;

import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The chat formats a model may have been tuned on, rendered in Java: a conversation becomes the prompt ids that
 * end where the assistant's reply begins.
 *
 * <pre>
 * chatml    &lt;|im_start|&gt;system\nS&lt;|im_end|&gt;\n&lt;|im_start|&gt;user\nU&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n
 * llama-2   &lt;s&gt;[INST] &lt;&lt;SYS&gt;&gt;\nS\n&lt;&lt;/SYS&gt;&gt;\n\nU [/INST] A &lt;/s&gt;&lt;s&gt;[INST] U2 [/INST]
 * llama-3   &lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;system&lt;|end_header_id|&gt;\n\nS&lt;|eot_id|&gt;...&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n
 * mistral   &lt;s&gt;[INST] S\n\nU [/INST]A&lt;/s&gt;[INST] U2 [/INST]
 * </pre>
 * Markers such as {@code <|im_start|>} are special tokens: when the vocabulary has the marker as one piece it is
 * that id (tokenizers encode marker spellings in text as ordinary characters, so it is never encoded from text),
 * otherwise its characters are encoded as text. A model's Jinja template ({@code tokenizer_config.json}'s
 * {@code chat_template}) is not executed: {@link #recognise} picks the format whose markers it uses.
 */
public enum ChatTemplate {
    CHATML("chatml", "<|im_end|>"),
    LLAMA_2("llama-2", "</s>"),
    LLAMA_3("llama-3", "<|eot_id|>"),
    MISTRAL("mistral", "</s>");

    /** One message of a conversation: role (system, user or assistant) and text. */
    public record Message(String role, String content) {}

    private final String name, endOfTurn;

    ChatTemplate(String name, String endOfTurn) {
        this.name = name;
        this.endOfTurn = endOfTurn;
    }

    /** The name {@code --chat-template} takes. */
    public String templateName() {
        return name;
    }

    /** The marker that ends an assistant turn: generation stops there. */
    public String endOfTurn() {
        return endOfTurn;
    }

    /** The format called {@code name} (chatml, llama-2, llama-3, mistral; any case). */
    public static ChatTemplate named(String name) {
        for (ChatTemplate t : values()) if (t.name.equals(name.toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("unknown chat template \"" + name + "\" (chatml, llama-2, llama-3 or mistral)");
    }

    /** The format a Jinja chat template implements, from the markers it uses; null when none matches. */
    public static ChatTemplate recognise(String jinja) {
        if (jinja.contains("<|im_start|>")) return CHATML;
        if (jinja.contains("<|start_header_id|>")) return LLAMA_3;
        if (jinja.contains("<<SYS>>")) return LLAMA_2;
        if (jinja.contains("[INST]")) return MISTRAL;
        return null;
    }

    /**
     * The prompt ids of {@code messages}, ending with the opening of the assistant's turn. Roles other than system,
     * user and assistant, or a conversation without a user message, are refused.
     */
    public int[] render(List<Message> messages, Tokenizer tokenizer) {
        Prompt p = new Prompt(tokenizer);
        String system = null;
        List<Message> turns = new ArrayList<>();
        for (Message m : messages) {
            switch (m.role()) {
                case "system", "developer" -> system = system == null ? m.content() : system + "\n\n" + m.content();
                case "user", "assistant" -> turns.add(m);
                default -> throw new IllegalArgumentException("unsupported role \"" + m.role() + "\" (system, user or assistant)");
            }
        }
        if (turns.stream().noneMatch(m -> m.role().equals("user")))
            throw new IllegalArgumentException("messages must contain at least one user message");
        switch (this) {
            case CHATML -> {
                if (system != null) p.special("<|im_start|>").text("system\n" + system).special("<|im_end|>").text("\n");
                for (Message m : turns) p.special("<|im_start|>").text(m.role() + "\n" + m.content()).special("<|im_end|>").text("\n");
                p.special("<|im_start|>").text("assistant\n");
            }
            case LLAMA_3 -> {
                p.special("<|begin_of_text|>");
                if (system != null) header(p, "system").text(system).special("<|eot_id|>");
                for (Message m : turns) header(p, m.role()).text(m.content()).special("<|eot_id|>");
                header(p, "assistant");
            }
            case LLAMA_2, MISTRAL -> {
                boolean first = true;
                for (Message m : turns) {
                    if (m.role().equals("user")) {
                        String content = m.content();
                        if (first && system != null)
                            content = this == LLAMA_2 ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content : system + "\n\n" + content;
                        if (this == LLAMA_2 || first) p.special("<s>");
                        p.text("[INST] " + content + " [/INST]");
                        first = false;
                    } else {
                        p.text(this == LLAMA_2 ? " " + m.content() + " " : m.content()).special("</s>");
                    }
                }
            }
        }
        return p.ids();
    }

    private static Prompt header(Prompt p, String role) {
        return p.special("<|start_header_id|>").text(role).special("<|end_header_id|>").text("\n\n");
    }

    /** The id of {@code marker} when the vocabulary has it as one piece, else -1. */
    public static int specialId(Tokenizer tokenizer, String marker) {
        return SpecialTokens.of(tokenizer).getOrDefault(marker, -1);
    }

    /** Prompt ids built from text pieces and markers. */
    private static final class Prompt {
        private final Tokenizer tokenizer;
        private final List<Integer> ids = new ArrayList<>();

        Prompt(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        Prompt text(String s) {
            for (int id : tokenizer.encode(s)) ids.add(id);
            return this;
        }

        Prompt special(String marker) {
            int id = specialId(tokenizer, marker);
            if (marker.equals("<s>") && tokenizer.bosId() != Tokenizer.NO_ID) id = tokenizer.bosId();
            if (marker.equals("</s>") && tokenizer.eosId() != Tokenizer.NO_ID) id = tokenizer.eosId();
            if (id >= 0) ids.add(id);
            else text(marker);
            return this;
        }

        int[] ids() {
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** The marker-looking pieces ({@code <...>}) of a vocabulary, found once per tokenizer. */
    private static final class SpecialTokens {
        private static final Map<Tokenizer, Map<String, Integer>> CACHE = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

        static Map<String, Integer> of(Tokenizer tokenizer) {
            return CACHE.computeIfAbsent(tokenizer, t -> {
                Map<String, Integer> found = new HashMap<>();
                for (int id = 0; id < t.vocabSize(); id++) {
                    String piece = t.piece(id);
                    if (piece.length() > 2 && piece.startsWith("<") && piece.endsWith(">")) found.putIfAbsent(piece, id);
                }
                return found;
            });
        }
    }
}
