package dev.jgrad.nn.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes exact and near-duplicate documents in one streaming pass, keeping the first occurrence.
 *
 * <p><b>Exact.</b> Each text is hashed to 128 bits (the first 16 bytes of its SHA-256); a text
 * whose hash was seen before is an exact duplicate. Run it on cleaned text
 * ({@link TextCleaner}) so that whitespace or normalisation differences do not hide duplicates.
 *
 * <p><b>Near.</b> Each remaining text gets a {@link MinHash} signature of {@code bands × rows}
 * positions, cut into {@code bands} bands of {@code rows} positions. Locality-sensitive hashing:
 * two documents become candidates when any band is identical in both, which happens with
 * probability {@code 1 - (1 - J^rows)^bands} for Jaccard similarity J — an S-curve whose steep
 * part sits near {@code (1/bands)^(1/rows)}. A candidate pair is confirmed when the signature
 * estimate of J is at least {@code threshold}; the later document is then dropped. Documents with
 * no shingles (empty text) are only checked for exact duplicates.
 *
 * <p>Memory: 16 bytes per distinct text for the exact set, {@code 4 × bands × rows} bytes plus
 * one bucket entry per band for each kept document. Everything is deterministic for a seed.
 */
public final class Deduplicator {

    /**
     * Settings.
     *
     * @param exact       remove exact duplicates
     * @param near        remove near duplicates
     * @param shingle     word or character shingles
     * @param shingleSize words or characters per shingle
     * @param bands       LSH bands
     * @param rows        signature positions per band
     * @param threshold   estimated Jaccard similarity at or above which a candidate is a duplicate
     * @param seed        seeds the MinHash functions
     */
    public record Options(boolean exact, boolean near, MinHash.Shingle shingle, int shingleSize,
                          int bands, int rows, double threshold, long seed) {
        public Options {
            Objects.requireNonNull(shingle, "shingle");
            if (shingleSize <= 0) throw new IllegalArgumentException("shingleSize must be positive, got " + shingleSize);
            if (bands <= 0 || rows <= 0)
                throw new IllegalArgumentException("bands and rows must be positive, got " + bands + " and " + rows);
            if (!(threshold > 0 && threshold <= 1))
                throw new IllegalArgumentException("threshold must be in (0, 1], got " + threshold);
        }

        /**
         * Exact and near, 5-word shingles, 16 bands of 8 rows (128 hashes, candidate S-curve
         * centred near J = 0.71), threshold 0.8, seed 0.
         */
        public static Options defaults() {
            return new Options(true, true, MinHash.Shingle.WORDS, 5, 16, 8, 0.8, 0);
        }
    }

    /**
     * Counts so far.
     *
     * @param seen                  documents offered
     * @param kept                  documents kept
     * @param exactDuplicatesRemoved documents dropped as exact copies of an earlier one
     * @param nearDuplicatesRemoved  documents dropped as near copies of an earlier kept one
     */
    public record Stats(long seen, long kept, long exactDuplicatesRemoved, long nearDuplicatesRemoved) {}

    /** The kept documents, in their original order, and the counts. */
    public record Result(List<Document> kept, Stats stats) {}

    private record Hash128(long high, long low) {}

    private final Options options;
    private final MinHash minHash;
    private final MessageDigest sha256;
    private final Set<Hash128> seenHashes = new HashSet<>();
    private final List<int[]> keptSignatures = new ArrayList<>();
    private final List<Map<Long, List<Integer>>> bandBuckets = new ArrayList<>();
    private long seen, kept, exactRemoved, nearRemoved;

    public Deduplicator(Options options) {
        this.options = Objects.requireNonNull(options, "options");
        this.minHash = new MinHash(options.bands() * options.rows(), options.shingle(), options.shingleSize(), options.seed());
        for (int b = 0; b < options.bands(); b++) bandBuckets.add(new HashMap<>());
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }

    /** Deduplicates a list, in order. */
    public static Result deduplicate(List<Document> documents, Options options) {
        Deduplicator deduplicator = new Deduplicator(options);
        List<Document> kept = new ArrayList<>();
        for (Document d : documents) if (deduplicator.offer(d.text())) kept.add(d);
        return new Result(kept, deduplicator.stats());
    }

    /** A lazy view of {@code documents} without duplicates; {@link #stats()} grows as it is consumed. */
    public Stream<Document> filter(Stream<Document> documents) {
        return documents.filter(d -> offer(d.text()));
    }

    /** Records {@code text} and says whether to keep it (false: a duplicate of an earlier text). */
    public boolean offer(String text) {
        seen++;
        if (options.exact() && !seenHashes.add(hash128(text))) {
            exactRemoved++;
            return false;
        }
        if (options.near()) {
            int[] signature = minHash.signature(text);
            if (signature != null) {
                if (hasNearDuplicate(signature)) {
                    nearRemoved++;
                    return false;
                }
                index(signature);
            }
        }
        kept++;
        return true;
    }

    public Stats stats() {
        return new Stats(seen, kept, exactRemoved, nearRemoved);
    }

    private boolean hasNearDuplicate(int[] signature) {
        Set<Integer> checked = new HashSet<>();
        for (int b = 0; b < options.bands(); b++) {
            List<Integer> bucket = bandBuckets.get(b).get(bandKey(signature, b));
            if (bucket == null) continue;
            for (int candidate : bucket)
                if (checked.add(candidate)
                        && MinHash.estimateJaccard(signature, keptSignatures.get(candidate)) >= options.threshold())
                    return true;
        }
        return false;
    }

    private void index(int[] signature) {
        int id = keptSignatures.size();
        keptSignatures.add(signature);
        for (int b = 0; b < options.bands(); b++)
            bandBuckets.get(b).computeIfAbsent(bandKey(signature, b), k -> new ArrayList<>(1)).add(id);
    }

    /** A 64-bit key of the band's rows (equal rows give equal keys; other rows almost never do). */
    private long bandKey(int[] signature, int band) {
        long h = band;
        for (int r = band * options.rows(); r < (band + 1) * options.rows(); r++)
            h = MinHash.fmix64(h * 31 + signature[r]);
        return h;
    }

    private Hash128 hash128(String text) {
        byte[] d = sha256.digest(text.getBytes(StandardCharsets.UTF_8));
        long high = 0, low = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (d[i] & 0xff);
            low = (low << 8) | (d[8 + i] & 0xff);
        }
        return new Hash128(high, low);
    }
}
