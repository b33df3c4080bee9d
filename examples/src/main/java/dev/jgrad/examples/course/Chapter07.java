package dev.jgrad.examples.course;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.generate.Sampler;
import dev.jgrad.transformer.gpt.GptModel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Chapter 7, generation: what greedy decoding, temperature, top-k, top-p and the repetition penalty do to one fixed
 * logits vector (using the stages of {@link Sampler}), how often a seeded draw picks each token, and the KV cache:
 * a tiny GPT decoded with and without it gives the same logits for far fewer token positions of work.
 */
public final class Chapter07 {

    private Chapter07() {}

    /** A five-token vocabulary and the logits a model might give after "the cat sat on". */
    static final String[] TOKENS = {"the", "a", "mat", "dog", "xyz"};
    static final float[] LOGITS = {2.0f, 1.0f, 0.5f, 0.0f, -1.0f};

    /** The chapter's title, as {@code ./jgrad learn list} shows it. */
    public static String title() {
        return "Generation: greedy, temperature, top-k, top-p, repetition penalty and the KV cache";
    }

    /** Prints the chapter's numbers to {@code out} and writes its figures into {@code outDir}. */
    public static void run(PrintStream out, Path outDir) throws Exception {
        out.println("tokens  " + String.join(" ", Arrays.stream(TOKENS).map(t -> String.format(Locale.ROOT, "%6s", t)).toList()));
        out.println("logits  " + row(toDouble(LOGITS), "%6.2f"));
        out.println("greedy picks " + TOKENS[Sampler.argmax(LOGITS)]);

        Map<String, double[][]> curves = new LinkedHashMap<>();
        double[] x = {0, 1, 2, 3, 4};
        for (double t : new double[]{0.5, 1.0, 2.0}) {
            double[] p = Sampler.softmax(scaled(LOGITS, t));
            out.println(String.format(Locale.ROOT, "T=%.1f   ", t) + row(p, "%6.3f"));
            curves.put(String.format(Locale.ROOT, "T = %.1f", t), new double[][]{x, p});
        }
        Figures6to10.lines(outDir, "07-temperature.png", "Softmax of the same logits at three temperatures",
                "token (the, a, mat, dog, xyz)", "probability", curves);

        float[] k = LOGITS.clone();
        Sampler.applyTopK(k, 2);
        out.println("top-k=2 " + row(Sampler.softmax(k), "%6.3f"));

        double[] p = Sampler.softmax(LOGITS);
        Sampler.applyTopP(p, 0.8);
        out.println("top-p=0.8 keeps " + row(normalised(p), "%6.3f"));

        float[] penalised = LOGITS.clone();
        Sampler.applyRepetitionPenalty(penalised, new int[]{0, 3, 4}, 3, 1.5f);
        out.println("penalty 1.5 on the, dog, xyz -> logits " + row(toDouble(penalised), "%6.2f"));

        int draws = 10_000;
        int[] counts = new int[TOKENS.length];
        Generator gen = new Generator(42);
        double[] probs = Sampler.softmax(LOGITS);
        for (int i = 0; i < draws; i++) counts[Sampler.draw(probs, gen.nextDouble())]++;
        out.println(draws + " draws at T=1, seed 42: " + Arrays.toString(counts));

        kvCache(out);
        out.println("figure: 07-temperature.png");
    }

    /** Greedy decoding of a tiny random GPT twice: re-running the whole prefix each step, then with a KV cache. */
    static void kvCache(PrintStream out) {
        GptConfig config = GptConfig.builder().vocabSize(16).blockSize(32).dim(16).layers(2).heads(2).tieEmbeddings(false).build();
        GptModel model = new GptModel(config, new Generator(7));
        model.eval();
        int[] prompt = {1, 2, 3, 4};
        int steps = 6;

        int[] seq = Arrays.copyOf(prompt, prompt.length + steps);
        float[][] noCache = new float[steps][];
        long positionsNoCache = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int s = 0; s < steps; s++) {
                int len = prompt.length + s;
                Tensor logits = model.forward(CausalLM.ids(Arrays.copyOf(seq, len)));   // (1, len, V)
                positionsNoCache += len;
                float[] all = logits.toFloatArray();
                noCache[s] = Arrays.copyOfRange(all, (len - 1) * 16, len * 16);         // the last position's row
                seq[len] = Sampler.argmax(noCache[s]);
            }
        }
        int[] greedyNoCache = Arrays.copyOfRange(seq, prompt.length, seq.length);

        KvCache cache = model.newCache(1, config.blockSize());
        int[] next = prompt;
        int[] greedyCache = new int[steps];
        long positionsCache = 0;
        double maxDiff = 0;
        for (int s = 0; s < steps; s++) {
            float[] logits = model.decodeLast(CausalLM.ids(next), cache).toFloatArray();  // (1, V)
            positionsCache += next.length;
            for (int v = 0; v < logits.length; v++) maxDiff = Math.max(maxDiff, Math.abs(logits[v] - noCache[s][v]));
            greedyCache[s] = Sampler.argmax(logits);
            next = new int[]{greedyCache[s]};
        }
        out.println("greedy tokens without cache " + Arrays.toString(greedyNoCache));
        out.println("greedy tokens with cache    " + Arrays.toString(greedyCache));
        out.println("same logits (max difference below 1e-5): " + (maxDiff < 1e-5));
        out.println("token positions run through the model: without cache " + positionsNoCache + ", with cache " + positionsCache);
        out.println(String.format(Locale.ROOT, "max logit difference %.2e", maxDiff));
    }

    private static float[] scaled(float[] logits, double t) {
        float[] s = new float[logits.length];
        for (int i = 0; i < s.length; i++) s[i] = (float) (logits[i] / t);
        return s;
    }

    private static double[] normalised(double[] w) {
        double sum = Arrays.stream(w).sum();
        return Arrays.stream(w).map(v -> v / sum).toArray();
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static String row(double[] v, String format) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length; i++) b.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, format, v[i]));
        return b.toString();
    }
}
