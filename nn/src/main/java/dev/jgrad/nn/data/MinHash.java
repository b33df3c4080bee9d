package dev.jgrad.nn.data;

import dev.jgrad.core.Generator;
import java.util.HashSet;
import java.util.Set;

/**
 * MinHash signatures: a short fingerprint of a document's set of shingles whose positions agree,
 * between two documents, with probability equal to the Jaccard similarity of their sets.
 *
 * <p>Algorithm (Broder 1997). Cut the text into shingles (overlapping runs of {@code k} words or
 * {@code k} characters) and hash each to 64 bits. For each of {@code n} hash functions
 * {@code h_i}, the signature keeps {@code min over shingles s of h_i(s)}. For two sets A and B,
 * {@code P[min h_i(A) = min h_i(B)] = |A ∩ B| / |A ∪ B|}, so the fraction of equal positions is
 * an unbiased estimate of the Jaccard similarity with standard deviation
 * {@code sqrt(J(1-J)/n)}.
 *
 * <p>The hash functions are {@code h_i(x) = fmix64(x + seed_i)} (MurmurHash3's 64-bit finaliser,
 * a bijection with full avalanche) with {@code seed_i} drawn from a {@link Generator}, so a seed
 * fixes the signatures on every machine. Each signature position keeps the high 32 bits.
 */
public final class MinHash {

    /** How text is cut into shingles. */
    public enum Shingle {
        /** {@code k} consecutive whitespace-separated words, joined by one space. */
        WORDS,
        /** {@code k} consecutive Unicode code points. */
        CHARACTERS
    }

    private final long[] seeds;
    private final Shingle shingle;
    private final int shingleSize;

    /**
     * @param numHashes   signature length n
     * @param shingle     words or characters
     * @param shingleSize k, the shingle length
     * @param seed        seeds the hash functions
     */
    public MinHash(int numHashes, Shingle shingle, int shingleSize, long seed) {
        if (numHashes <= 0) throw new IllegalArgumentException("numHashes must be positive, got " + numHashes);
        if (shingleSize <= 0) throw new IllegalArgumentException("shingleSize must be positive, got " + shingleSize);
        this.shingle = java.util.Objects.requireNonNull(shingle, "shingle");
        this.shingleSize = shingleSize;
        Generator generator = new Generator(seed);
        seeds = new long[numHashes];
        for (int i = 0; i < numHashes; i++) seeds[i] = generator.nextLong();
    }

    public int numHashes() {
        return seeds.length;
    }

    /**
     * The distinct shingles of {@code text}. A text shorter than one shingle gives a single
     * shingle of all of it; an empty (or, for words, blank) text gives none. Words are split at
     * ASCII whitespace after the text is stripped of leading and trailing whitespace.
     */
    public Set<String> shingles(String text) {
        Set<String> result = new HashSet<>();
        forEachShingle(text, (from, to, first, n) -> {
            StringBuilder b = new StringBuilder();
            for (int j = 0; j < n; j++) {
                if (j > 0) b.append(' ');
                int r = (first + j) % from.length;
                b.append(text, from[r], to[r]);
            }
            result.add(b.toString());
        });
        return result;
    }

    /**
     * The signature of {@code text}, or {@code null} when it has no shingles. The shingles are hashed as they
     * are found, never collected: the minimum over repeated shingles is the minimum over the distinct ones, so
     * time is linear in the text and memory does not grow with it (a corpus may be one 300 MB line).
     */
    public int[] signature(String text) {
        long[] minimum = new long[seeds.length];
        java.util.Arrays.fill(minimum, Long.MAX_VALUE);
        boolean[] any = {false};
        forEachShingle(text, (from, to, first, n) -> {
            any[0] = true;
            long base = shingleHash(text, from, to, first, n);
            for (int i = 0; i < seeds.length; i++) {
                long h = fmix64(base + seeds[i]) >>> 1; // non-negative, so signed min is unsigned min
                if (h < minimum[i]) minimum[i] = h;
            }
        });
        if (!any[0]) return null;
        int[] signature = new int[seeds.length];
        for (int i = 0; i < seeds.length; i++) signature[i] = (int) (minimum[i] >>> 31);
        return signature;
    }

    /**
     * One shingle: the pieces {@code text[from[r], to[r])} for the ring positions {@code r = (first + j) mod k},
     * {@code j < n}, joined by one space (a character shingle is one piece).
     */
    @FunctionalInterface
    private interface ShingleSink {
        void accept(int[] from, int[] to, int first, int n);
    }

    /** Walks the shingles of {@code text} in order (repeats included), keeping only the last k piece bounds. */
    private void forEachShingle(String text, ShingleSink sink) {
        int k = shingleSize;
        int[] from = new int[k], to = new int[k];
        long pieces = 0;
        if (shingle == Shingle.WORDS) {
            int lo = 0, hi = text.length();               // String.strip's bounds
            while (lo < hi && Character.isWhitespace(text.codePointAt(lo))) lo += Character.charCount(text.codePointAt(lo));
            while (hi > lo && Character.isWhitespace(text.codePointBefore(hi))) hi -= Character.charCount(text.codePointBefore(hi));
            int i = lo;
            while (i < hi) {
                while (i < hi && isAsciiSpace(text.charAt(i))) i++;
                int start = i;
                while (i < hi && !isAsciiSpace(text.charAt(i))) i++;
                if (i == start) break;
                int r = (int) (pieces++ % k);
                from[r] = start;
                to[r] = i;
                if (pieces >= k) sink.accept(from, to, (int) ((pieces - k) % k), k);
            }
            if (pieces > 0 && pieces < k) sink.accept(from, to, 0, (int) pieces);
        } else {
            int[] at = new int[k + 1];                    // ring of the last k + 1 code point starts
            int i = 0;
            while (i < text.length()) {
                at[(int) (pieces % (k + 1))] = i;
                i += Character.charCount(text.codePointAt(i));
                pieces++;
                if (pieces >= k) {
                    from[0] = at[(int) ((pieces - k) % (k + 1))];
                    to[0] = i;
                    sink.accept(from, to, 0, 1);
                }
            }
            if (pieces > 0 && pieces < k) {
                from[0] = 0;
                to[0] = text.length();
                sink.accept(from, to, 0, 1);
            }
        }
    }

    /** The characters that the regular expression {@code \s} matches. */
    private static boolean isAsciiSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
    }

    /** {@link #stringHash} of the shingle, computed in place. */
    private static long shingleHash(String text, int[] from, int[] to, int first, int n) {
        long h = 0xcbf29ce484222325L;
        for (int j = 0; j < n; j++) {
            if (j > 0) {
                h ^= ' ';
                h *= 0x100000001b3L;
            }
            int r = (first + j) % from.length;
            for (int c = from[r]; c < to[r]; c++) {
                h ^= text.charAt(c);
                h *= 0x100000001b3L;
            }
        }
        return fmix64(h);
    }

    /** The fraction of equal positions: the MinHash estimate of the Jaccard similarity. */
    public static double estimateJaccard(int[] a, int[] b) {
        if (a.length != b.length)
            throw new IllegalArgumentException("signatures differ in length: " + a.length + " vs " + b.length);
        int equal = 0;
        for (int i = 0; i < a.length; i++) if (a[i] == b[i]) equal++;
        return (double) equal / a.length;
    }

    /** 64-bit FNV-1a over the UTF-16 units, then fmix64 to spread the bits. Seedless and stable. */
    static long stringHash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return fmix64(h);
    }

    /** MurmurHash3's 64-bit finaliser: a bijection on longs in which every input bit affects every output bit. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
