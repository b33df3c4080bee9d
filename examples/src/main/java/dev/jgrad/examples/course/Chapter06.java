package dev.jgrad.examples.course;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.optim.AdamW;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.gpt.GptModel;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Chapter 6, a GPT trained on text: a character-level {@link GptModel} (2 blocks, width 32) trained briefly on the
 * embedded King James Bible, with train and validation loss; the same model trained on a tiny subset, where it
 * overfits, with and without dropout; and early stopping on the validation loss with a patience. The three runs'
 * validation curves go into one figure.
 */
public final class Chapter06 {

    private Chapter06() {}

    static final int BLOCK = 32, BATCH = 8, EVAL_EVERY = 25;

    /** The chapter's title, as {@code ./jgrad learn list} shows it. */
    public static String title() {
        return "A GPT on text: train vs validation loss, overfitting, dropout, early stopping";
    }

    /** The outcome of one training run: evaluation steps, train and validation losses at each. */
    record Run(String name, List<Integer> steps, List<Double> train, List<Double> val) {}

    /** Prints the chapter's numbers to {@code out} and writes its figures into {@code outDir}. */
    public static void run(PrintStream out, Path outDir) throws Exception {
        String text = kjv(60_000);
        String vocab = text.chars().distinct().sorted()
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        int[] ids = text.chars().map(vocab::indexOf).toArray();
        int[] train = Arrays.copyOfRange(ids, 0, 50_000), val = Arrays.copyOfRange(ids, 50_000, ids.length);
        int[] tiny = Arrays.copyOfRange(train, 0, 400);
        out.println(String.format(Locale.ROOT, "corpus: first %d characters of embedded:kjv, %d distinct; train %d, validation %d",
                text.length(), vocab.length(), train.length, val.length));
        out.println(String.format(Locale.ROOT, "a model that knows nothing: loss ln %d = %.3f", vocab.length(), Math.log(vocab.length())));

        Run full = train(out, "full train set, dropout 0.0", vocab.length(), train, val, 0.0, 150);
        Run overfit = train(out, "400-character subset, dropout 0.0", vocab.length(), tiny, val, 0.0, 150);
        Run dropout = train(out, "400-character subset, dropout 0.3", vocab.length(), tiny, val, 0.3, 150);

        out.println("== early stopping on the overfitting run (patience 2 evaluations) ==");
        int stop = earlyStop(overfit.val(), 2, 0.0);
        int best = bestIndex(overfit.val());
        out.println(String.format(Locale.ROOT, "best validation loss %.3f at step %d; stops at step %d instead of %d",
                overfit.val().get(best), overfit.steps().get(best), overfit.steps().get(stop), overfit.steps().getLast()));

        Map<String, double[][]> curves = new LinkedHashMap<>();
        for (Run r : List.of(full, overfit, dropout)) {
            double[] x = r.steps().stream().mapToDouble(Integer::doubleValue).toArray();
            curves.put(r.name() + ", validation", new double[][]{x, r.val().stream().mapToDouble(Double::doubleValue).toArray()});
            curves.put(r.name() + ", train", new double[][]{x, r.train().stream().mapToDouble(Double::doubleValue).toArray()});
        }
        Figures6to10.lines(outDir, "06-loss-curves.png", "Train and validation loss (nats/character)", "step", "loss", curves);
        out.println("figure: 06-loss-curves.png");
    }

    /**
     * Trains a fresh model (seed 6) for {@code steps} AdamW steps on random windows of {@code data}, evaluating the
     * loss on fixed windows of the training data and of {@code val} every {@link #EVAL_EVERY} steps.
     */
    static Run train(PrintStream out, String name, int vocabSize, int[] data, int[] val, double dropout, int steps) {
        GptConfig config = GptConfig.builder().vocabSize(vocabSize).blockSize(BLOCK).dim(32).layers(2).heads(2)
                .dropout(dropout).build();
        GptModel model = new GptModel(config, new Generator(6));
        AdamW opt = new AdamW(model.parameters(), AdamW.defaults(3e-3));
        Generator batches = new Generator(60);
        Run run = new Run(name, new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        out.println("== " + name + " (" + model.numParameters() + " parameters) ==");
        for (int step = 0; step <= steps; step++) {
            if (step % EVAL_EVERY == 0) {
                double tl = evaluate(model, data), vl = evaluate(model, val);
                run.steps().add(step);
                run.train().add(tl);
                run.val().add(vl);
                out.println(String.format(Locale.ROOT, "step %3d  train %.3f  val %.3f", step, tl, vl));
            }
            if (step == steps) break;
            model.train();
            Tensor[] xy = batch(data, batches);
            opt.zeroGrad();
            model.loss(xy[0], xy[1]).backward();
            opt.step();
        }
        return run;
    }

    /** A batch of {@link #BATCH} random windows: inputs {@code (B, T)} and the same shifted by one, the targets. */
    static Tensor[] batch(int[] data, Generator gen) {
        int[][] x = new int[BATCH][], y = new int[BATCH][];
        for (int b = 0; b < BATCH; b++) {
            int start = gen.nextInt(data.length - BLOCK - 1);
            x[b] = Arrays.copyOfRange(data, start, start + BLOCK);
            y[b] = Arrays.copyOfRange(data, start + 1, start + BLOCK + 1);
        }
        return new Tensor[]{CausalLM.ids(x), CausalLM.ids(y)};
    }

    /** Mean loss over 8 evenly spaced windows of {@code data}, in evaluation mode (dropout off). */
    static double evaluate(GptModel model, int[] data) {
        model.eval();
        int[][] x = new int[8][], y = new int[8][];
        for (int b = 0; b < 8; b++) {
            int start = (int) ((long) b * (data.length - BLOCK - 1) / 8);
            x[b] = Arrays.copyOfRange(data, start, start + BLOCK);
            y[b] = Arrays.copyOfRange(data, start + 1, start + BLOCK + 1);
        }
        try (NoGrad ignored = NoGrad.enter()) {
            return model.loss(CausalLM.ids(x), CausalLM.ids(y)).item();
        }
    }

    /**
     * Early stopping as the Trainer's {@code earlyStopping(patience, minDelta)}: the index of the evaluation at which
     * training stops, after {@code patience} evaluations in a row that did not beat the best by more than
     * {@code minDelta}; the last index if that never happens.
     */
    public static int earlyStop(List<Double> valLosses, int patience, double minDelta) {
        double best = Double.POSITIVE_INFINITY;
        int without = 0;
        for (int i = 0; i < valLosses.size(); i++) {
            if (valLosses.get(i) < best - minDelta) {
                best = valLosses.get(i);
                without = 0;
            } else if (++without >= patience) {
                return i;
            }
        }
        return valLosses.size() - 1;
    }

    private static int bestIndex(List<Double> v) {
        int best = 0;
        for (int i = 1; i < v.size(); i++) if (v.get(i) < v.get(best)) best = i;
        return best;
    }

    /** The first {@code chars} characters of the embedded King James Bible (shipped in the examples jar). */
    static String kjv(int chars) {
        try (InputStream in = new GZIPInputStream(Chapter06.class.getResourceAsStream("/dev/jgrad/examples/corpora/kjv.txt.gz"))) {
            byte[] head = in.readNBytes(chars * 2);
            return new String(head, StandardCharsets.UTF_8).substring(0, chars);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
