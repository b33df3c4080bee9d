package dev.jgrad.transformer.data;

import dev.jgrad.transformer.chat.ChatMessage;

import java.util.Arrays;
import java.util.List;

/**
 * One tokenized conversation for supervised fine-tuning.
 *
 * <p>{@code labels} is aligned with {@code tokens} (Hugging Face's convention): {@code labels[t] = tokens[t]}
 * where token t belongs to an assistant turn (its content and the end-of-turn marker the template puts after
 * it), and {@link #IGNORE} elsewhere (system and user turns, template headers, the generation prompt). A model
 * reading {@code tokens[0..n-1)} is trained to predict {@code labels[1..n)}, so the loss counts only what the
 * assistant says.
 *
 * @param conversation the messages it was rendered from
 * @param tokens       ids of the rendered conversation, {@code (n)}
 * @param labels       {@code (n)}: the token where the assistant speaks, {@link #IGNORE} elsewhere
 */
public record SftExample(List<ChatMessage> conversation, int[] tokens, int[] labels) {

    /** The label of tokens the loss skips: PyTorch's {@code ignore_index}, -100. */
    public static final int IGNORE = -100;

    public SftExample {
        conversation = List.copyOf(conversation);
        tokens = tokens.clone();
        labels = labels.clone();
        if (tokens.length != labels.length)
            throw new IllegalArgumentException(tokens.length + " tokens but " + labels.length + " labels");
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** Number of tokens, n. */
    public int length() {
        return tokens.length;
    }

    /** Number of next-token targets that count in the loss: labelled positions after the first. */
    public int trainedTargets() {
        int n = 0;
        for (int t = 1; t < labels.length; t++) if (labels[t] != IGNORE) n++;
        return n;
    }

    /** The first {@code n} tokens (n ≤ length). */
    public SftExample truncate(int n) {
        return new SftExample(conversation, Arrays.copyOf(tokens, n), Arrays.copyOf(labels, n));
    }

    /** The messages before the last assistant turn: what to prompt the model with to evaluate it. */
    public List<ChatMessage> prompt() {
        return conversation.subList(0, lastAssistant());
    }

    /** The last assistant turn's content: the reference answer. */
    public String reference() {
        return conversation.get(lastAssistant()).content();
    }

    private int lastAssistant() {
        for (int i = conversation.size() - 1; i >= 0; i--)
            if (conversation.get(i).role().equals(ChatMessage.ASSISTANT)) return i;
        throw new IllegalStateException("no assistant turn");
    }
}
