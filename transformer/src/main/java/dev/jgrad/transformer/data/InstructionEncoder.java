package dev.jgrad.transformer.data;

import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.chat.ChatTemplateException;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.util.List;

/**
 * Renders conversations through a chat template and tokenizes them, marking which tokens the assistant says.
 *
 * <p>How the assistant's tokens are found, for any template: for each assistant turn i the template renders
 * the conversation twice more, up to turn i with the generation prompt (everything the model is shown before
 * it answers) and through turn i without it. Tokens of the whole conversation past the first rendering's
 * tokens and up to the second's are that turn's. This needs a template that renders a conversation as an
 * extension of its prefixes, which every chat format does; one that does not is refused with a
 * {@link ChatTemplateException}. Tokenizing each rendering whole (special-token spellings matched first, see
 * {@link Tokenizer#encodeWithSpecialTokens}) and comparing token prefixes, rather than cutting the text and
 * tokenizing pieces, keeps the tokens exactly those of the whole conversation, which is what the model sees
 * at inference.
 */
public final class InstructionEncoder {

    private final ChatTemplate template;
    private final Tokenizer tokenizer;

    public InstructionEncoder(ChatTemplate template, Tokenizer tokenizer) {
        this.template = template;
        this.tokenizer = tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The tokens and labels of {@code conversation}. */
    public SftExample encode(List<ChatMessage> conversation) {
        String full = template.render(conversation, false);
        int[] tokens = tokenizer.encodeWithSpecialTokens(full);
        int[] labels = new int[tokens.length];
        java.util.Arrays.fill(labels, SftExample.IGNORE);
        for (int i = 0; i < conversation.size(); i++) {
            if (!conversation.get(i).role().equals(ChatMessage.ASSISTANT)) continue;
            String before = template.render(conversation.subList(0, i), true);
            String through = template.render(conversation.subList(0, i + 1), false);
            if (!through.startsWith(before) || !full.startsWith(through))
                throw new ChatTemplateException("the chat template does not render turn " + i
                        + " as an extension of the turns before it, so the assistant's tokens cannot be located");
            int start = commonPrefix(tokenizer.encodeWithSpecialTokens(before), tokens);
            int end = commonPrefix(tokenizer.encodeWithSpecialTokens(through), tokens);
            for (int t = start; t < end; t++) labels[t] = tokens[t];
        }
        return new SftExample(conversation, tokens, labels);
    }

    /**
     * The ids to feed the model to generate the assistant's answer to {@code messages}: the rendering with
     * the generation prompt.
     */
    public int[] encodePrompt(List<ChatMessage> messages) {
        return tokenizer.encodeWithSpecialTokens(template.render(messages, true));
    }

    /**
     * The special tokens that end an assistant turn in this template ({@code <|im_end|>}, {@code <|eot_id|>},
     * {@code </s>}...): the special tokens labelled in a one-turn probe conversation. Generation stops at them.
     */
    public int[] endOfTurnTokens() {
        SftExample probe = encode(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello")));
        java.util.Set<Integer> specials = new java.util.HashSet<>(tokenizer.specialTokens().values());
        return java.util.Arrays.stream(probe.labels()).filter(specials::contains).distinct().toArray();
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
