package dev.jgrad.transformer.chat;

import java.util.Objects;

/**
 * One turn of a conversation: who speaks ({@code "system"}, {@code "user"}, {@code "assistant"}, or whatever
 * role a model's template knows) and what is said. Chat templates see it as the map
 * {@code {"role": ..., "content": ...}}, the shape Hugging Face's {@code apply_chat_template} passes.
 */
public record ChatMessage(String role, String content) {

    /** The role every template knows for instructions that frame the conversation. */
    public static final String SYSTEM = "system";
    /** The role of the person asking. */
    public static final String USER = "user";
    /** The role of the model; its turns are the ones a fine-tune learns to produce. */
    public static final String ASSISTANT = "assistant";

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage(SYSTEM, content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage(USER, content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage(ASSISTANT, content);
    }
}
