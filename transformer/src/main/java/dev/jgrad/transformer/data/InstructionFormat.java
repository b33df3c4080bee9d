package dev.jgrad.transformer.data;

import dev.jgrad.transformer.chat.ChatMessage;

import java.util.List;
import java.util.Locale;

/**
 * The common shapes of instruction-tuning JSONL records, one record per line, each turned into a conversation
 * that the model's chat template renders:
 * <ul>
 *   <li>{@link #CHAT}: {@code {"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...]}}
 *       (OpenAI's and TRL's conversational shape), at least one assistant turn;</li>
 *   <li>{@link #ALPACA}: {@code {"instruction": "...", "input": "...", "output": "..."}} (Stanford Alpaca):
 *       the user turn is the instruction, followed by a blank line and the input when the input is not empty;
 *       the assistant turn is the output;</li>
 *   <li>{@link #COMPLETION}: {@code {"prompt": "...", "completion": "..."}}: one user turn, one assistant turn.</li>
 * </ul>
 */
public enum InstructionFormat {
    CHAT, ALPACA, COMPLETION;

    /** "chat", "alpaca" or "completion". */
    public static InstructionFormat parse(String name) {
        for (InstructionFormat f : values()) if (f.name().equalsIgnoreCase(name)) return f;
        throw new IllegalArgumentException("unknown instruction format '" + name + "' (chat, alpaca or completion)");
    }

    /** Whether {@code name} names one of the formats. */
    public static boolean isName(String name) {
        for (InstructionFormat f : values()) if (f.name().equalsIgnoreCase(name)) return true;
        return false;
    }

    /** The conversation of an Alpaca record. */
    static List<ChatMessage> alpaca(String instruction, String input, String output) {
        String user = input == null || input.isEmpty() ? instruction : instruction + "\n\n" + input;
        return List.of(ChatMessage.user(user), ChatMessage.assistant(output));
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
