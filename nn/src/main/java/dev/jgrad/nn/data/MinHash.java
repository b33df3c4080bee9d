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
     * shingle of all of it; an empty (or, for words, blank) text gives none.
     */
    public Set<String> shingles(String text) {
        Set<String> result = new HashSet<>();
        if (shingle == Shingle.WORDS) {
            String trimmed = text.strip();
            if (trimmed.isEmpty()) return result;
            String[] words = trimmed.split("\\s+");
            int count = Math.max(1, words.length - shingleSize + 1);
            for (int i = 0; i < count; i++)
                result.add(String.join(" ", java.util.Arrays.copyOfRange(words, i, Math.min(words.length, i + shingleSize))));
        } else {
            int[] points = text.codePoints().toArray();
            if (points.length == 0) return result;
            int count = Math.max(1, points.length - shingleSize + 1);
            for (int i = 0; i < count; i++)
                result.add(new String(points, i, Math.min(shingleSize, points.length - i)));
        }
        return result;
    }

    /** The signature of {@code text}, or {@code null} when it has no shingles. */
    public int[] signature(String text) {
        Set<String> shingles = shingles(text);
        if (shingles.isEmpty()) return null;
        long[] minimum = new long[seeds.length];
        java.util.Arrays.fill(minimum, Long.MAX_VALUE);
        for (String s : shingles) {
            long base = stringHash(s);
            for (int i = 0; i < seeds.length; i++) {
                long h = fmix64(base + seeds[i]) >>> 1; // non-negative, so signed min is unsigned min
                if (h < minimum[i]) minimum[i] = h;
            }
        }
        int[] signature = new int[seeds.length];
        for (int i = 0; i < seeds.length; i++) signature[i] = (int) (minimum[i] >>> 31);
        return signature;
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
