package dev.jgrad.examples;

import java.util.Locale;

/**
 * A lower estimate of the memory a training run needs, checked against the JVM's limit before anything is allocated,
 * so that {@code --layers 100000} or {@code --batch 1000000} is refused in a second with the arithmetic, instead of
 * running silently for minutes and dying with an {@link OutOfMemoryError}:
 * <pre>
 *   parameters P (embeddings, attention, MLP, norms; the head tied to the embeddings)
 *   weights + gradients + AdamW's two moments        16 P bytes
 *   activations kept for the backward pass, per token:
 *     per block  LLaMA ≈ 10·dim + 4·hidden + 2·heads·block floats,  GPT ≈ 20·dim + 2·heads·block floats
 *     logits     3·vocab floats (logits, their softmax, its gradient)
 *   × batch · block tokens × 4 bytes
 * </pre>
 * Every term is an undercount of what the kernels really keep, so a run this refuses could not have finished.
 */
final class TrainingMemory {

    private TrainingMemory() {}

    /** Parameters of the model {@code s} describes, with a vocabulary of {@code vocab}. */
    static double parameters(RunSettings s, int vocab) {
        double dim = s.dim(), layers = s.layers();
        if (s.model().equals("gpt"))
            return vocab * dim + s.block() * dim + layers * (12 * dim * dim + 13 * dim) + 2 * dim;
        double kvDim = (double) s.kvHeads() * (s.dim() / s.heads());
        double hidden = hidden(s);
        return vocab * dim + layers * (2 * dim * dim + 2 * dim * kvDim + 3 * dim * hidden + 2 * dim) + dim;
    }

    /** Bytes of activations one training micro-batch keeps. */
    static double activationBytes(RunSettings s, int vocab) {
        double perBlock = s.model().equals("gpt") ? 20.0 * s.dim() + 2.0 * s.heads() * s.block()
                : 10.0 * s.dim() + 4.0 * hidden(s) + 2.0 * s.heads() * s.block();
        double perToken = s.layers() * perBlock + 3.0 * vocab;
        return 4.0 * perToken * s.batch() * s.block();
    }

    private static double hidden(RunSettings s) {
        return s.hidden() > 0 ? s.hidden() : dev.jgrad.transformer.LlamaConfig.llama2cHiddenDim(s.dim(), 32);
    }

    /** Refuses settings whose estimate exceeds {@link Runtime#maxMemory()}, with the estimate and what to change. */
    static void check(RunSettings s, int vocab) {
        double params = parameters(s, vocab);
        double state = 16 * params, activations = activationBytes(s, vocab);
        long max = Runtime.getRuntime().maxMemory();
        if (state + activations > max)
            throw new IllegalArgumentException(String.format(Locale.ROOT, "this run needs at least %s (%,.0f parameters:"
                            + " weights, gradients and AdamW state %s; activations of a %d x %d batch %s) but Java may use %s:"
                            + " use a smaller model (--dim, --layers), --batch or --block, or give Java more memory"
                            + " (JGRAD_JAVA_OPTS=-Xmx16g)", bytes(state + activations), params, bytes(state), s.batch(), s.block(),
                    bytes(activations), bytes(max)));
    }

    static String bytes(double b) {
        if (b >= 1L << 40) return String.format(Locale.ROOT, "%.1f TiB", b / (1L << 40));
        if (b >= 1L << 30) return String.format(Locale.ROOT, "%.1f GiB", b / (1L << 30));
        return String.format(Locale.ROOT, "%.0f MiB", b / (1L << 20));
    }
}
