package dev.jgrad.nn.data;

import dev.jgrad.core.Generator;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A seeded train/validation/test assignment of whole documents: every document lands in exactly
 * one part, so no text leaks from training into evaluation.
 *
 * <p>Algorithm: shuffle the indices {@code 0 .. n-1} with Fisher–Yates driven by
 * {@code new Generator(seed)} (for i = n-1 down to 1, swap i with {@code nextInt(i + 1)}), then
 * cut the shuffled order at cumulative boundaries
 * {@code round(train·n)}, {@code round((train + validation)·n)},
 * {@code round((train + validation + test)·n)}; documents after the last boundary (when the
 * fractions sum to less than 1) are {@link Part#UNUSED}. When they sum to 1 every document is
 * used. The same seed and count give the same assignment on every machine.
 *
 * <p>For streamed corpora: count the documents in a first pass, {@link #assign} once, then
 * {@link #select(Stream, Part)} each part from a fresh stream in the same order.
 */
public final class DocumentSplit {

    /** The part a document belongs to. */
    public enum Part { TRAIN, VALIDATION, TEST, UNUSED }

    /**
     * The share of documents in each part: each in [0, 1], summing to at most 1 (within 1e-9).
     */
    public record Fractions(double train, double validation, double test) {
        public Fractions {
            check("train", train);
            check("validation", validation);
            check("test", test);
            double sum = train + validation + test;
            if (sum > 1 + 1e-9)
                throw new IllegalArgumentException("split fractions must sum to at most 1, got " + sum + " (train " + train
                        + " + validation " + validation + " + test " + test + ")");
            if (sum <= 0) throw new IllegalArgumentException("split fractions are all zero");
        }

        private static void check(String name, double f) {
            if (!(f >= 0 && f <= 1)) throw new IllegalArgumentException(name + " fraction must be in [0, 1], got " + f);
        }

        double sum() {
            return train + validation + test;
        }
    }

    private final byte[] parts; // Part ordinal per document
    private final int[] counts = new int[Part.values().length];

    private DocumentSplit(byte[] parts) {
        this.parts = parts;
        for (byte p : parts) counts[p]++;
    }

    /**
     * Assigns {@code documentCount} documents.
     *
     * @throws IllegalArgumentException when there are no documents, or a part with a positive
     *                                  fraction would get no document
     */
    public static DocumentSplit assign(int documentCount, Fractions fractions, long seed) {
        Objects.requireNonNull(fractions, "fractions");
        if (documentCount <= 0) throw new IllegalArgumentException("cannot split " + documentCount + " documents");
        int[] order = new int[documentCount];
        new Generator(seed).permutation(order);
        int[] ends = ends(documentCount, fractions);
        int trainEnd = ends[0], validationEnd = ends[1], testEnd = ends[2];
        requireSome("train", fractions.train(), trainEnd, documentCount);
        requireSome("validation", fractions.validation(), validationEnd - trainEnd, documentCount);
        requireSome("test", fractions.test(), testEnd - validationEnd, documentCount);
        byte[] parts = new byte[documentCount];
        for (int k = 0; k < documentCount; k++) {
            Part part = k < trainEnd ? Part.TRAIN : k < validationEnd ? Part.VALIDATION : k < testEnd ? Part.TEST : Part.UNUSED;
            parts[order[k]] = (byte) part.ordinal();
        }
        return new DocumentSplit(parts);
    }

    /**
     * True when {@link #assign} can split {@code documentCount} documents by {@code fractions}: every part with a
     * positive fraction gets at least one document. A corpus too small for that (one file of text is one document)
     * is split by position in its token stream instead ({@link TokenSplit#headTail}).
     */
    public static boolean fits(int documentCount, Fractions fractions) {
        if (documentCount <= 0) return false;
        int[] ends = ends(documentCount, fractions);
        return !(fractions.train() > 0 && ends[0] == 0) && !(fractions.validation() > 0 && ends[1] == ends[0])
                && !(fractions.test() > 0 && ends[2] == ends[1]);
    }

    /** The cumulative boundaries of the train, validation and test parts in the shuffled order. */
    private static int[] ends(int documentCount, Fractions fractions) {
        int trainEnd = boundary(fractions.train(), documentCount);
        int validationEnd = boundary(fractions.train() + fractions.validation(), documentCount);
        int testEnd = Math.abs(fractions.sum() - 1) <= 1e-9 ? documentCount : boundary(fractions.sum(), documentCount);
        return new int[] {trainEnd, validationEnd, testEnd};
    }

    private static int boundary(double cumulativeFraction, int n) {
        return (int) Math.min(n, Math.round(cumulativeFraction * n));
    }

    private static void requireSome(String name, double fraction, int count, int n) {
        if (fraction > 0 && count == 0)
            throw new IllegalArgumentException(name + " fraction " + fraction + " of " + n + " documents gives no document");
    }

    /** The part of document {@code index} (its position in the corpus order). */
    public Part part(int index) {
        return Part.values()[parts[Objects.checkIndex(index, parts.length)]];
    }

    public int documentCount() {
        return parts.length;
    }

    /** How many documents are in {@code part}. */
    public int count(Part part) {
        return counts[part.ordinal()];
    }

    /** The ascending indices of the documents in {@code part}. */
    public int[] indices(Part part) {
        int[] result = new int[count(part)];
        int at = 0;
        for (int i = 0; i < parts.length; i++) if (parts[i] == part.ordinal()) result[at++] = i;
        return result;
    }

    /** The elements of {@code documents} in {@code part}, in order. */
    public <T> List<T> select(List<T> documents, Part part) {
        requireSameCount(documents.size());
        List<T> result = new ArrayList<>(count(part));
        for (int i = 0; i < documents.size(); i++) if (parts[i] == part.ordinal()) result.add(documents.get(i));
        return result;
    }

    /**
     * The documents of a stream in {@code part}, by position; the stream must yield the same
     * documents in the same order as the one counted (it fails if it yields more).
     */
    public <T> Stream<T> select(Stream<T> documents, Part part) {
        AtomicInteger position = new AtomicInteger();
        return documents.sequential().filter(d -> {
            int i = position.getAndIncrement();
            if (i >= parts.length)
                throw new IllegalStateException("the stream has more documents than the " + parts.length + " that were split");
            return parts[i] == part.ordinal();
        });
    }

    private void requireSameCount(int size) {
        if (size != parts.length)
            throw new IllegalArgumentException("split made for " + parts.length + " documents, given " + size);
    }
}
