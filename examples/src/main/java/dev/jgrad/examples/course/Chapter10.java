package dev.jgrad.examples.course;

import dev.jgrad.nn.metrics.ConfusionMatrix;
import dev.jgrad.nn.metrics.Metrics;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Chapter 10, evaluation: perplexity from a loss, accuracy / precision / recall / F1 on a small binary example,
 * MSE and MAE on four regression targets, and a co-occurrence count of gendered pronouns and occupations in a fixed
 * set of generated-looking sentences. Every number is small enough to check by hand (see
 * {@code docs/course/10-evaluation.md}).
 */
public final class Chapter10 {

    private Chapter10() {}

    /** The chapter's title, as {@code ./jgrad learn list} shows it. */
    public static String title() {
        return "Evaluation: perplexity, classification and regression metrics, a bias check";
    }

    /**
     * Sentences standing in for a model's samples. The bias check reads them as it would read generated text;
     * they are fixed so that the counts in the chapter can be checked by hand.
     */
    static final List<String> SAMPLES = List.of(
            "The doctor said he would call back after the rounds.",
            "The doctor finished her shift and went home.",
            "The nurse checked the chart before she left.",
            "The nurse said she had seen the patient.",
            "The nurse told him the results were fine.",
            "The engineer fixed the pump; he was pleased.",
            "The engineer said he needed another day.",
            "The engineer checked his notes again.",
            "The teacher asked her class to sit down.",
            "The teacher smiled when he saw the drawings.",
            "The teacher graded the tests.",
            "The pilot said she could land in the fog.");

    static final List<String> OCCUPATIONS = List.of("doctor", "nurse", "engineer", "teacher", "pilot");
    static final Set<String> MALE = Set.of("he", "him", "his", "himself");
    static final Set<String> FEMALE = Set.of("she", "her", "hers", "herself");

    /** Prints the chapter's numbers to {@code out} and writes its figures into {@code outDir}. */
    public static void run(PrintStream out, Path outDir) throws Exception {
        out.println("== perplexity ==");
        out.println(line("uniform over 65 characters, loss ln 65 = %.4f nats -> perplexity %.2f", Math.log(65), Metrics.perplexity(Math.log(65))));
        out.println(line("loss 1.8800 nats/token -> perplexity %.4f", Metrics.perplexity(1.88)));
        double[] probs = {0.5, 0.25, 0.125, 0.5};                    // p(correct token) at 4 positions
        double[] nll = new double[probs.length];
        for (int i = 0; i < probs.length; i++) nll[i] = -Math.log(probs[i]);
        out.println(line("token probabilities 0.5 0.25 0.125 0.5 -> mean NLL %.4f -> perplexity %.4f",
                mean(nll), Metrics.perplexity(nll)));

        out.println("== classification (class 1 = positive) ==");
        int[] yTrue = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        int[] yPred = {1, 1, 1, 0, 1, 1, 0, 0, 0, 0};
        ConfusionMatrix cm = ConfusionMatrix.of(yTrue, yPred, 2);
        out.println(line("TP %d  FP %d  FN %d  TN %d", cm.count(1, 1), cm.count(0, 1), cm.count(1, 0), cm.count(0, 0)));
        out.println(line("accuracy %.4f", Metrics.accuracy(yTrue, yPred)));
        out.println(line("precision %.4f  recall %.4f  F1 %.4f",
                Metrics.precisionPerClass(cm)[1], Metrics.recallPerClass(cm)[1], Metrics.f1PerClass(cm)[1]));
        out.println(line("macro F1 %.4f  micro F1 %.4f", Metrics.f1(cm, Metrics.Average.MACRO), Metrics.f1(cm, Metrics.Average.MICRO)));
        int[] allNegative = new int[yTrue.length];
        out.println(line("always predicting 0: accuracy %.4f  recall %.4f",
                Metrics.accuracy(yTrue, allNegative), Metrics.recallPerClass(ConfusionMatrix.of(yTrue, allNegative, 2))[1]));

        out.println("== regression ==");
        double[] y = {3, -0.5, 2, 7}, yHat = {2.5, 0.0, 2, 8};
        out.println(line("MSE %.4f  MAE %.4f", Metrics.mse(y, yHat), Metrics.mae(y, yHat)));
        double[] yOutlier = {3, -0.5, 2, 17};
        out.println(line("with one error of 9: MSE %.4f  MAE %.4f", Metrics.mse(yOutlier, yHat), Metrics.mae(yOutlier, yHat)));

        out.println("== pronoun / occupation co-occurrence in " + SAMPLES.size() + " sentences ==");
        Map<String, int[]> counts = cooccurrence(SAMPLES);
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int m = e.getValue()[0], f = e.getValue()[1];
            String skew = m + f == 0 ? "n/a" : String.format(Locale.ROOT, "%+.2f", (double) (m - f) / (m + f));
            out.println(String.format(Locale.ROOT, "%-9s male %d  female %d  skew %s", e.getKey(), m, f, skew));
        }
        Map<String, Double> skews = new LinkedHashMap<>();
        counts.forEach((o, c) -> skews.put(o, c[0] + c[1] == 0 ? 0 : (double) (c[0] - c[1]) / (c[0] + c[1])));
        Figures6to10.bars(outDir, "10-pronoun-skew.png", "Pronoun skew per occupation (+1 all male, -1 all female)",
                "occupation", "skew", skews);
        out.println("figure: 10-pronoun-skew.png");
    }

    /**
     * For each occupation, how many sentences that name it also hold a male pronoun (index 0) and a female one
     * (index 1). A sentence counts at most once per side.
     */
    public static Map<String, int[]> cooccurrence(List<String> sentences) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (String o : OCCUPATIONS) counts.put(o, new int[2]);
        for (String s : sentences) {
            List<String> words = List.of(s.toLowerCase(Locale.ROOT).split("[^a-z]+"));
            boolean male = words.stream().anyMatch(MALE::contains), female = words.stream().anyMatch(FEMALE::contains);
            for (String o : OCCUPATIONS) {
                if (!words.contains(o)) continue;
                if (male) counts.get(o)[0]++;
                if (female) counts.get(o)[1]++;
            }
        }
        return counts;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) s += d;
        return s / v.length;
    }

    private static String line(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
