package dev.jgrad.transformer.generate;

import dev.jgrad.core.Tensor;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.util.Arrays;

/**
 * Autoregressive generation with a {@link KvCache}: the prompt runs as one batched forward (matrix-matrix
 * products), then each new token is one forward of a single position (matrix-vector products) whose logits feed
 * the {@link Sampler}.
 *
 * <pre>
 * cache ← model.newCache(1, min(|prompt| + maxNewTokens, maxSequenceLength))
 * logits ← model.decodeLast(prompt, cache)
 * repeat until maxNewTokens, a stop token, or a full context:
 *     id ← sampler.next(logits, sequence so far)
 *     if id is a stop token: stop (it is not emitted)
 *     emit id (and its text through the tokenizer's StreamDecoder)
 *     logits ← model.decodeLast([id], cache)
 * </pre>
 */
public final class TextGenerator {

    /** Why generation ended. */
    public enum StopReason { MAX_TOKENS, STOP_TOKEN, CONTEXT_FULL }

    /**
     * What a generation produced: the new ids (prompt and stop token excluded), their decoded text ("" without a
     * tokenizer), why it stopped, and the prompt and decode timings.
     */
    public record Result(int[] tokens, String text, StopReason stopReason, double promptSeconds, double decodeSeconds) {
        /** Generated tokens per second of decoding (the first token is counted with the prompt). */
        public double decodeTokensPerSecond() {
            return tokens.length <= 1 || decodeSeconds == 0 ? 0 : (tokens.length - 1) / decodeSeconds;
        }
    }

    private TextGenerator() {}

    /** Generates without a tokenizer or listener. */
    public static Result generate(CausalLM model, int[] prompt, GenerationConfig config) {
        return generate(model, prompt, config, null, null);
    }

    /**
     * Generates up to {@code config.maxNewTokens()} tokens after {@code prompt} (at least one id; prepend BOS where
     * the model expects it). {@code tokenizer} and {@code listener} may be null.
     */
    public static Result generate(CausalLM model, int[] prompt, GenerationConfig config, Tokenizer tokenizer,
                                  TokenListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("generate: the prompt needs at least one token (e.g. BOS)");
        for (int i = 0; i < prompt.length; i++)
            if (prompt[i] < 0 || prompt[i] >= model.vocabSize())
                throw new IllegalArgumentException("generate: prompt id " + prompt[i] + " at position " + i
                        + " is outside the vocabulary [0, " + model.vocabSize() + ")");
        int context = model.maxSequenceLength();
        if (prompt.length > context)
            throw new IllegalArgumentException("generate: the prompt has " + prompt.length + " tokens, the model's context "
                    + context);
        boolean wasTraining = model.isTraining();
        model.eval();
        try {
            return run(model, prompt, config, tokenizer, listener);
        } finally {
            if (wasTraining) model.train();
        }
    }

    private static Result run(CausalLM model, int[] prompt, GenerationConfig config, Tokenizer tokenizer,
                              TokenListener listener) {
        int capacity = (int) Math.min((long) prompt.length + config.maxNewTokens(), model.maxSequenceLength());
        KvCache cache = model.newCache(1, Math.max(capacity, prompt.length));
        Sampler sampler = new Sampler(config);
        Tokenizer.StreamDecoder decoder = tokenizer == null ? null : tokenizer.streamDecoder();
        StringBuilder text = new StringBuilder();
        // At most one token more than the context holds is generated (its logits are never needed).
        int room = (int) Math.min(config.maxNewTokens(), (long) model.maxSequenceLength() - prompt.length + 1);
        int[] sequence = Arrays.copyOf(prompt, prompt.length + room);
        int length = prompt.length, generated = 0;

        long t0 = System.nanoTime();
        int textIds = tokenizer == null ? Integer.MAX_VALUE : tokenizer.vocabSize();   // a padded vocabulary's tail has no text
        float[] logits = withoutIdsPast(model.decodeLast(CausalLM.ids(prompt), cache).toFloatArray(), textIds);   // (V)
        long t1 = System.nanoTime();
        StopReason reason = StopReason.MAX_TOKENS;
        while (generated < config.maxNewTokens()) {
            int id = sampler.next(logits, sequence, length);
            if (config.isStop(id)) {
                reason = StopReason.STOP_TOKEN;
                break;
            }
            sequence[length++] = id;
            generated++;
            String piece = decoder == null ? "" : decoder.next(id);
            text.append(piece);
            if (listener != null) listener.onToken(id, piece);
            if (generated == config.maxNewTokens()) break;
            if (cache.length() >= cache.capacity()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            logits = withoutIdsPast(model.decodeLast(CausalLM.ids(new int[] {id}), cache).toFloatArray(), textIds);
        }
        if (decoder != null) {
            String tail = decoder.finish();
            text.append(tail);
            if (!tail.isEmpty() && listener != null) listener.onEnd(tail);
        }
        long t2 = System.nanoTime();
        return new Result(Arrays.copyOfRange(sequence, prompt.length, length), text.toString(), reason,
                (t1 - t0) * 1e-9, (t2 - t1) * 1e-9);
    }

    /** {@code logits} with every id from {@code n} on made impossible (the padding rows of a larger embedding). */
    private static float[] withoutIdsPast(float[] logits, int n) {
        if (n < logits.length) Arrays.fill(logits, n, logits.length, Float.NEGATIVE_INFINITY);
        return logits;
    }
}
