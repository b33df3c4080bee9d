package dev.jgrad.benchmarks;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.data.TokenCache;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.checkpoint.ModelLoader;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Validation perplexity of one model in several files, for the cost of GGUF quantization: each checkpoint is
 * scored on every token of a token cache (the demo's {@code data/val.bin}) in consecutive, non-overlapping windows
 * of {@code block} tokens, each window predicting its next {@code block} tokens; perplexity is {@code exp} of the
 * mean loss per token. A GGUF file is run as {@code ./jgrad generate} runs it ({@link ModelLoader#loadForInference}:
 * linear weights in their Q8_0 / Q4_0 blocks), other checkpoints in float32.
 *
 * {@snippet :
 * ./jgrad demo --quick --out /tmp/d
 * ./jgrad export --checkpoint /tmp/d --format gguf --type q8_0 --out /tmp/d/q8.gguf   # and q4_0, f32
 * java --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.GgufPerplexity \
 *     /tmp/d/data/val.bin 128 /tmp/d/checkpoints/best /tmp/d/f32.gguf /tmp/d/q8.gguf /tmp/d/q4.gguf
 * }
 */
public final class GgufPerplexity {

    private GgufPerplexity() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: GgufPerplexity VAL_TOKENS.bin BLOCK CHECKPOINT...");
            System.exit(2);
        }
        int block = Integer.parseInt(args[1]);
        int[] tokens;
        try (TokenCache val = TokenCache.open(Path.of(args[0]))) {
            if (val.size() < block + 1 || val.size() > Integer.MAX_VALUE)
                throw new IllegalArgumentException(args[0] + " has " + val.size() + " tokens; need more than one window of " + block);
            tokens = new int[(int) val.size()];
            val.copy(0, tokens, 0, tokens.length);
        }
        double reference = Double.NaN;
        for (int i = 2; i < args.length; i++) {
            Path p = Path.of(args[i]);
            CausalLM model = ModelLoader.loadForInference(p, null, null).model();
            long t0 = System.nanoTime();
            double loss = meanLoss(model, tokens, block);
            if (Double.isNaN(reference)) reference = Math.exp(loss);
            System.out.printf(Locale.ROOT, "%-40s loss %.5f  perplexity %.4f  (%+.3f%% vs the first; %.1f s)%n", p,
                    loss, Math.exp(loss), 100 * (Math.exp(loss) / reference - 1), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Mean next-token loss over the consecutive windows of {@code block} tokens (every window weighs the same). */
    static double meanLoss(CausalLM model, int[] tokens, int block) {
        model.eval();
        double sum = 0;
        int windows = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int s = 0; s + block + 1 <= tokens.length; s += block) {
                int[] x = java.util.Arrays.copyOfRange(tokens, s, s + block), y = java.util.Arrays.copyOfRange(tokens, s + 1, s + block + 1);
                sum += model.loss(Tensor.of(x, 1, block), Tensor.of(y, 1, block)).item();
                windows++;
            }
        }
        return sum / windows;
    }
}
