package dev.jgrad.examples.fuzz;

import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;

/**
 * The tiny models whose weight files are the fixed companions of the fuzzed configuration files (see
 * {@link FuzzSeeds}): a fuzzed {@code config.json}, {@code adapter_config.json} or {@code training.json} is read next
 * to weights that fit these models, so the fuzzer can reach the code past the configuration.
 */
final class FuzzModels {

    /** vocab 16, dim 8, 1 layer, 2 heads, 1 kv head, hidden 16, untied head. */
    static final LlamaConfig LLAMA = new LlamaConfig(16, 8, 1, 2, 1, 16, 1e-5, 10000, RopeStyle.HALF, 16, false);
    /** vocab 16, block 16, width 8, 1 layer, 2 heads, biases, tied head. */
    static final GptConfig GPT = new GptConfig(16, 16, 8, 1, 2, 0.0, true, 1e-5, true, true);

    private FuzzModels() {}
}
