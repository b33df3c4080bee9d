package dev.jgrad.nn.metrics;

import java.util.Objects;

/**
 * Evaluation metrics for classification, regression and language modelling, on plain arrays.
 *
 * <p><b>Classification</b> (single-label, classes {@code 0 .. K-1}; see {@link ConfusionMatrix}).
 * Per class c, with TP, FP, FN from the confusion matrix:
 * <pre>
 *   precision_c = TP / (TP + FP)      recall_c = TP / (TP + FN)
 *   F1_c        = 2 · precision_c · recall_c / (precision_c + recall_c)
 * </pre>
 * <b>Zero division</b> (scikit-learn's default, {@code zero_division="warn"}, without the
 * warning): a precision or recall whose denominator is 0 is 0, and F1 is 0 when
 * {@code precision + recall = 0}. Averages over all K classes (scikit-learn with
 * {@code labels=range(K)}):
 * <ul>
 *   <li>{@link Average#MACRO}: the unweighted mean of the per-class values, classes absent from
 *       both arrays included (as 0).</li>
 *   <li>{@link Average#WEIGHTED}: the mean weighted by support; 0 if all supports are 0.</li>
 *   <li>{@link Average#MICRO}: computed from TP, FP, FN summed over classes; for single-label data
 *       precision = recall = F1 = accuracy.</li>
 * </ul>
 *
 * <p><b>Regression</b>: {@code MSE = mean((y - ŷ)²)}, {@code MAE = mean(|y - ŷ|)}, summed in double.
 *
 * <p><b>Perplexity</b>: {@code exp(mean NLL)} with the NLL in nats per token;
 * {@link #perplexity(double, long)} takes a summed NLL and the token count.
 */
public final class Metrics {

    /** How per-class values are combined. */
    public enum Average { MACRO, MICRO, WEIGHTED }

    private Metrics() {}

    // ---- classification --------------------------------------------------------------------------

    /** The fraction of samples with {@code yPred[i] == yTrue[i]}. */
    public static double accuracy(int[] yTrue, int[] yPred) {
        Objects.requireNonNull(yTrue, "yTrue");
        Objects.requireNonNull(yPred, "yPred");
        requireSameNonEmpty(yTrue.length, yPred.length);
        long correct = 0;
        for (int i = 0; i < yTrue.length; i++) if (yTrue[i] == yPred[i]) correct++;
        return (double) correct / yTrue.length;
    }

    /** Precision of each class. */
    public static double[] precisionPerClass(ConfusionMatrix m) {
        double[] result = new double[m.numClasses()];
        for (int c = 0; c < result.length; c++) result[c] = divide(m.truePositives(c), m.truePositives(c) + m.falsePositives(c));
        return result;
    }

    /** Recall of each class. */
    public static double[] recallPerClass(ConfusionMatrix m) {
        double[] result = new double[m.numClasses()];
        for (int c = 0; c < result.length; c++) result[c] = divide(m.truePositives(c), m.truePositives(c) + m.falseNegatives(c));
        return result;
    }

    /** F1 of each class. */
    public static double[] f1PerClass(ConfusionMatrix m) {
        double[] precision = precisionPerClass(m);
        double[] recall = recallPerClass(m);
        double[] result = new double[m.numClasses()];
        for (int c = 0; c < result.length; c++) result[c] = f1(precision[c], recall[c]);
        return result;
    }

    public static double precision(ConfusionMatrix m, Average average) {
        if (average == Average.MICRO) return divide(sumTp(m), sumTp(m) + sumFp(m));
        return combine(precisionPerClass(m), m, average);
    }

    public static double recall(ConfusionMatrix m, Average average) {
        if (average == Average.MICRO) return divide(sumTp(m), sumTp(m) + sumFn(m));
        return combine(recallPerClass(m), m, average);
    }

    public static double f1(ConfusionMatrix m, Average average) {
        if (average == Average.MICRO) return f1(precision(m, Average.MICRO), recall(m, Average.MICRO));
        return combine(f1PerClass(m), m, average);
    }

    private static double f1(double precision, double recall) {
        double denominator = precision + recall;
        return denominator == 0 ? 0 : 2 * precision * recall / denominator;
    }

    private static double combine(double[] perClass, ConfusionMatrix m, Average average) {
        Objects.requireNonNull(average, "average");
        double sum = 0;
        if (average == Average.MACRO) {
            for (double v : perClass) sum += v;
            return sum / perClass.length;
        }
        long totalSupport = 0;
        for (int c = 0; c < perClass.length; c++) {
            sum += perClass[c] * m.support(c);
            totalSupport += m.support(c);
        }
        return totalSupport == 0 ? 0 : sum / totalSupport;
    }

    private static long sumTp(ConfusionMatrix m) {
        return m.correct();
    }

    private static long sumFp(ConfusionMatrix m) {
        return m.total() - m.correct();
    }

    private static long sumFn(ConfusionMatrix m) {
        return m.total() - m.correct();
    }

    private static double divide(long numerator, long denominator) {
        return denominator == 0 ? 0 : (double) numerator / denominator;
    }

    // ---- regression ------------------------------------------------------------------------------

    /** Mean squared error. */
    public static double mse(double[] yTrue, double[] yPred) {
        requireSameNonEmpty(yTrue.length, yPred.length);
        double sum = 0;
        for (int i = 0; i < yTrue.length; i++) {
            double d = yTrue[i] - yPred[i];
            sum += d * d;
        }
        return sum / yTrue.length;
    }

    /** Mean absolute error. */
    public static double mae(double[] yTrue, double[] yPred) {
        requireSameNonEmpty(yTrue.length, yPred.length);
        double sum = 0;
        for (int i = 0; i < yTrue.length; i++) sum += Math.abs(yTrue[i] - yPred[i]);
        return sum / yTrue.length;
    }

    /** Mean squared error of float data, accumulated in double. */
    public static double mse(float[] yTrue, float[] yPred) {
        return mse(toDouble(yTrue), toDouble(yPred));
    }

    /** Mean absolute error of float data, accumulated in double. */
    public static double mae(float[] yTrue, float[] yPred) {
        return mae(toDouble(yTrue), toDouble(yPred));
    }

    private static double[] toDouble(float[] values) {
        double[] result = new double[values.length];
        for (int i = 0; i < values.length; i++) result[i] = values[i];
        return result;
    }

    // ---- language modelling ----------------------------------------------------------------------

    /** {@code exp(meanNll)}: the perplexity for a mean negative log-likelihood in nats per token. */
    public static double perplexity(double meanNll) {
        if (!Double.isFinite(meanNll) || meanNll < 0)
            throw new IllegalArgumentException("mean NLL must be finite and >= 0, got " + meanNll);
        return Math.exp(meanNll);
    }

    /** {@code exp(summedNll / tokens)}: the perplexity from an NLL summed over {@code tokens} tokens. */
    public static double perplexity(double summedNll, long tokens) {
        if (tokens <= 0) throw new IllegalArgumentException("token count must be positive, got " + tokens);
        return perplexity(summedNll / tokens);
    }

    /** The perplexity of per-token NLLs: {@code exp(mean(nlls))}. */
    public static double perplexity(double[] tokenNlls) {
        if (tokenNlls.length == 0) throw new IllegalArgumentException("no token NLLs");
        double sum = 0;
        for (double v : tokenNlls) sum += v;
        return perplexity(sum, tokenNlls.length);
    }

    static void requireSameNonEmpty(int a, int b) {
        if (a != b) throw new IllegalArgumentException("arrays differ in length: " + a + " vs " + b);
        if (a == 0) throw new IllegalArgumentException("no samples: arrays are empty");
    }
}
