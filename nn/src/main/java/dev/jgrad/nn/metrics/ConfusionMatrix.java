package dev.jgrad.nn.metrics;

import java.util.Objects;

/**
 * Counts of (true class, predicted class) pairs for single-label classification over classes
 * {@code 0 .. K-1}. Rows are true classes and columns predicted classes, as in scikit-learn's
 * {@code confusion_matrix(y_true, y_pred, labels=range(K))}: {@code count(i, j)} is the number of
 * samples of class i predicted as j.
 *
 * <p>For class c: true positives {@code TP = count(c, c)}, false positives {@code FP} = column c
 * minus TP, false negatives {@code FN} = row c minus TP, support = row c.
 */
public final class ConfusionMatrix {

    private final int numClasses;
    private final long[] counts; // (K, K) row-major

    private ConfusionMatrix(int numClasses, long[] counts) {
        this.numClasses = numClasses;
        this.counts = counts;
    }

    /**
     * Tallies {@code yTrue} against {@code yPred}.
     *
     * @throws IllegalArgumentException on different lengths, no samples, {@code numClasses <= 0},
     *                                  or a label outside {@code [0, numClasses)}
     */
    public static ConfusionMatrix of(int[] yTrue, int[] yPred, int numClasses) {
        Objects.requireNonNull(yTrue, "yTrue");
        Objects.requireNonNull(yPred, "yPred");
        if (numClasses <= 0) throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        Metrics.requireSameNonEmpty(yTrue.length, yPred.length);
        long[] counts = new long[numClasses * numClasses];
        for (int i = 0; i < yTrue.length; i++) {
            checkLabel("yTrue", i, yTrue[i], numClasses);
            checkLabel("yPred", i, yPred[i], numClasses);
            counts[yTrue[i] * numClasses + yPred[i]]++;
        }
        return new ConfusionMatrix(numClasses, counts);
    }

    private static void checkLabel(String name, int index, int label, int numClasses) {
        if (label < 0 || label >= numClasses)
            throw new IllegalArgumentException(name + "[" + index + "] = " + label + " is outside [0, " + numClasses + ")");
    }

    public int numClasses() {
        return numClasses;
    }

    /** Samples of class {@code trueClass} predicted as {@code predictedClass}. */
    public long count(int trueClass, int predictedClass) {
        Objects.checkIndex(trueClass, numClasses);
        Objects.checkIndex(predictedClass, numClasses);
        return counts[trueClass * numClasses + predictedClass];
    }

    /** The matrix as {@code long[K][K]}, rows = true classes. */
    public long[][] toArray() {
        long[][] result = new long[numClasses][numClasses];
        for (int i = 0; i < numClasses; i++) System.arraycopy(counts, i * numClasses, result[i], 0, numClasses);
        return result;
    }

    public long truePositives(int c) {
        return count(c, c);
    }

    public long falsePositives(int c) {
        return predicted(c) - truePositives(c);
    }

    public long falseNegatives(int c) {
        return support(c) - truePositives(c);
    }

    /** Samples whose true class is c (row sum). */
    public long support(int c) {
        long sum = 0;
        for (int j = 0; j < numClasses; j++) sum += count(c, j);
        return sum;
    }

    /** Samples predicted as c (column sum). */
    public long predicted(int c) {
        long sum = 0;
        for (int i = 0; i < numClasses; i++) sum += count(i, c);
        return sum;
    }

    /** All samples. */
    public long total() {
        long sum = 0;
        for (long c : counts) sum += c;
        return sum;
    }

    /** Correctly classified samples (the diagonal). */
    public long correct() {
        long sum = 0;
        for (int c = 0; c < numClasses; c++) sum += count(c, c);
        return sum;
    }
}
