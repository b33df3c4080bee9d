package dev.jgrad.examples;

import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.generate.TextGenerator;
import dev.jgrad.transformer.tokenizer.Tokenizer;

/** Sample text from a model, the way the demo and the training runs show progress. */
public final class Samples {

    private Samples() {}

    /**
     * The prompt followed by {@code tokens} tokens sampled at temperature 0.8 with top-k 40 from {@code seed}.
     * Characters of the prompt that a character vocabulary lacks are left out; an empty prompt starts from BOS
     * (or token 0).
     */
    public static String sample(CausalLM model, Tokenizer tokenizer, String prompt, int tokens, long seed) {
        StringBuilder kept = new StringBuilder();
        int[] ids = encodable(tokenizer, prompt == null ? "" : prompt, kept);
        prompt = kept.toString();
        if (ids.length == 0) ids = new int[] {tokenizer.bosId() >= 0 ? tokenizer.bosId() : 0};
        GenerationConfig config = GenerationConfig.sampling(tokens, 0.8, seed).withTopK(40);
        TextGenerator.Result r = TextGenerator.generate(model, ids, config, tokenizer, null);
        return prompt + r.text();
    }

    private static int[] encodable(Tokenizer tokenizer, String prompt, StringBuilder kept) {
        try {
            int[] ids = tokenizer.encode(prompt);
            kept.append(prompt);
            return ids;
        } catch (IllegalArgumentException unknownCharacter) {
            java.util.List<Integer> ids = new java.util.ArrayList<>();
            prompt.codePoints().forEach(cp -> {
                try {
                    for (int id : tokenizer.encode(Character.toString(cp))) ids.add(id);
                    kept.appendCodePoint(cp);
                } catch (IllegalArgumentException skipped) {
                    // a character outside the vocabulary
                }
            });
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
