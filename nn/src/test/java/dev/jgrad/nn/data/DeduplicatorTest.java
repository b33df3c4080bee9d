package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeduplicatorTest {

    /** 100 words drawn from a 5000-word vocabulary: two such texts share almost no 5-word shingle. */
    private static String[] randomWords(Generator g, int count) {
        String[] words = new String[count];
        for (int i = 0; i < count; i++) words[i] = "w" + g.nextInt(5000);
        return words;
    }

    private static String replace(String[] words, int... positions) {
        String[] copy = words.clone();
        for (int p : positions) copy[p] = "changed" + p;
        return String.join(" ", copy);
    }

    /** Exact Jaccard similarity of the 5-word shingle sets, computed independently of MinHash. */
    private static double jaccard(String a, String b) {
        Set<String> sa = shingles(a), sb = shingles(b);
        Set<String> union = new HashSet<>(sa);
        union.addAll(sb);
        Set<String> both = new HashSet<>(sa);
        both.retainAll(sb);
        return (double) both.size() / union.size();
    }

    private static Set<String> shingles(String text) {
        String[] w = text.split(" ");
        Set<String> s = new HashSet<>();
        for (int i = 0; i + 5 <= w.length; i++) s.add(String.join(" ", Arrays.copyOfRange(w, i, i + 5)));
        return s;
    }

    private record Constructed(List<Document> documents, List<String> expectedKept) {}

    /** Six distinct documents, two exact copies, two near copies and one half-overlapping document. */
    private static Constructed corpus() {
        Generator g = new Generator(7);
        String[][] base = new String[6][];
        for (int i = 0; i < base.length; i++) base[i] = randomWords(g, 100);
        String d0 = String.join(" ", base[0]), d1 = String.join(" ", base[1]), d2 = String.join(" ", base[2]);
        String d3 = String.join(" ", base[3]), d5 = String.join(" ", base[5]);
        String nearD2 = replace(base[2], 50);                        // one word changed
        String nearD3 = replace(base[3], 97, 99);                    // two words changed near the end
        String[] halfD0 = base[4].clone();
        System.arraycopy(base[0], 0, halfD0, 0, 50);                 // first half of d0, second half new
        String partial = String.join(" ", halfD0);
        // The oracle: true similarities, far from the 0.8 threshold on either side.
        assertTrue(jaccard(d2, nearD2) > 0.9, "near copy of d2: J = " + jaccard(d2, nearD2));
        assertTrue(jaccard(d3, nearD3) > 0.9, "near copy of d3: J = " + jaccard(d3, nearD3));
        assertTrue(jaccard(d0, partial) < 0.4, "half overlap: J = " + jaccard(d0, partial));
        List<Document> docs = List.of(
                new Document("d0", d0), new Document("d1", d1), new Document("d2", d2), new Document("d1-copy", d1),
                new Document("d3", d3), new Document("d2-near", nearD2), new Document("d0-copy", d0),
                new Document("d0-half", partial), new Document("d3-near", nearD3), new Document("d5", d5));
        return new Constructed(docs, List.of("d0", "d1", "d2", "d3", "d0-half", "d5"));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 12345})
    void removesExactAndNearDuplicatesAndKeepsTheRest(long seed) {
        Constructed c = corpus();
        Deduplicator.Options options = new Deduplicator.Options(true, true, MinHash.Shingle.WORDS, 5, 16, 8, 0.8, seed);
        Deduplicator.Result result = Deduplicator.deduplicate(c.documents(), options);
        assertEquals(c.expectedKept(), result.kept().stream().map(Document::source).toList());
        assertEquals(new Deduplicator.Stats(10, 6, 2, 2), result.stats());
    }

    @Test
    void exactOnlyKeepsNearDuplicates() {
        Constructed c = corpus();
        Deduplicator.Options exactOnly = new Deduplicator.Options(true, false, MinHash.Shingle.WORDS, 5, 16, 8, 0.8, 0);
        Deduplicator.Result result = Deduplicator.deduplicate(c.documents(), exactOnly);
        assertEquals(new Deduplicator.Stats(10, 8, 2, 0), result.stats());
    }

    @Test
    void nearOnlyCountsExactCopiesAsNear() {
        Constructed c = corpus();
        Deduplicator.Options nearOnly = new Deduplicator.Options(false, true, MinHash.Shingle.WORDS, 5, 16, 8, 0.8, 0);
        assertEquals(new Deduplicator.Stats(10, 6, 0, 4), Deduplicator.deduplicate(c.documents(), nearOnly).stats());
    }

    @Test
    void characterShinglesFindTheSameDuplicates() {
        Constructed c = corpus();
        Deduplicator.Options chars = new Deduplicator.Options(true, true, MinHash.Shingle.CHARACTERS, 9, 16, 8, 0.8, 3);
        Deduplicator.Result result = Deduplicator.deduplicate(c.documents(), chars);
        assertEquals(c.expectedKept(), result.kept().stream().map(Document::source).toList());
    }

    @Test
    void streamingFilterMatchesTheListVersion() {
        Constructed c = corpus();
        Deduplicator dedup = new Deduplicator(Deduplicator.Options.defaults());
        List<String> kept = dedup.filter(c.documents().stream()).map(Document::source).toList();
        assertEquals(c.expectedKept(), kept);
        assertEquals(new Deduplicator.Stats(10, 6, 2, 2), dedup.stats());
    }

    @Test
    void emptyTextsAreOnlyExactDuplicates() {
        Deduplicator dedup = new Deduplicator(Deduplicator.Options.defaults());
        assertTrue(dedup.offer(""));
        assertEquals(false, dedup.offer(""));
        assertTrue(dedup.offer("short"));
        assertEquals(new Deduplicator.Stats(3, 2, 1, 0), dedup.stats());
    }

    @Test
    void minHashEstimatesJaccardSimilarity() {
        // Single-word shingles: A = {t0..t199}, B = {t100..t299}: J = 100/300 = 1/3 exactly.
        StringBuilder a = new StringBuilder(), b = new StringBuilder();
        for (int i = 0; i < 200; i++) a.append("t").append(i).append(' ');
        for (int i = 100; i < 300; i++) b.append("t").append(i).append(' ');
        MinHash minHash = new MinHash(512, MinHash.Shingle.WORDS, 1, 99);
        double estimate = MinHash.estimateJaccard(minHash.signature(a.toString()), minHash.signature(b.toString()));
        // Standard deviation sqrt(J(1-J)/n) = 0.021; allow five of them.
        assertEquals(1.0 / 3, estimate, 0.105);
        assertEquals(1.0, MinHash.estimateJaccard(minHash.signature(a.toString()), minHash.signature(a + " ")));
    }

    @Test
    void shinglesOfShortTextsAndCodePoints() {
        MinHash words = new MinHash(4, MinHash.Shingle.WORDS, 3, 0);
        assertEquals(Set.of("a b"), words.shingles("  a   b "));
        assertEquals(Set.of("a b c", "b c d"), words.shingles("a b c d"));
        assertEquals(Set.of(), words.shingles(" \n"));
        MinHash chars = new MinHash(4, MinHash.Shingle.CHARACTERS, 2, 0);
        assertEquals(Set.of("a\uD83D\uDE42", "\uD83D\uDE42b"), chars.shingles("a\uD83D\uDE42b")); // emoji is one code point
    }

    @Test
    void repeatedShinglesDoNotChangeTheSignature() {
        MinHash words = new MinHash(32, MinHash.Shingle.WORDS, 2, 5);
        // Both texts have the shingle set {"a b", "b a"}; the second also has irregular whitespace.
        assertEquals(Arrays.toString(words.signature("b a b")), Arrays.toString(words.signature(" a\tb  a b a\n")));
        MinHash chars = new MinHash(32, MinHash.Shingle.CHARACTERS, 3, 5);
        assertEquals(Arrays.toString(chars.signature("xyzxy")), Arrays.toString(chars.signature("xyzxyzxyzxy")));
    }

    /**
     * Hostile input: one document of 4 MB of distinct words (a one-line corpus) used to build a set of every
     * shingle (hundreds of bytes per word, 6.5 GB for a 300 MB line). The signature must not allocate per shingle.
     */
    @Test
    void signatureOfAHugeDocumentAllocatesAlmostNothing() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < 4_000_000; i++) b.append('w').append(i).append(' ');
        String text = b.toString();
        MinHash minHash = new MinHash(128, MinHash.Shingle.WORDS, 5, 0);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int[] signature = minHash.signature(text);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(128, signature.length);
        assertTrue(allocated < 100_000, "signature of a 4 MB text allocated " + allocated + " bytes");
    }

    @Test
    void seedsGiveDifferentButReproducibleSignatures() {
        String text = String.join(" ", randomWords(new Generator(1), 50));
        MinHash one = new MinHash(64, MinHash.Shingle.WORDS, 5, 1);
        assertEquals(Arrays.toString(one.signature(text)),
                Arrays.toString(new MinHash(64, MinHash.Shingle.WORDS, 5, 1).signature(text)));
        assertTrue(!Arrays.equals(one.signature(text), new MinHash(64, MinHash.Shingle.WORDS, 5, 2).signature(text)));
    }

    @Test
    void badOptionsAreRejected() {
        List<String> messages = new ArrayList<>();
        messages.add(assertThrows(IllegalArgumentException.class,
                () -> new Deduplicator.Options(true, true, MinHash.Shingle.WORDS, 5, 16, 8, 1.5, 0)).getMessage());
        messages.add(assertThrows(IllegalArgumentException.class,
                () -> new Deduplicator.Options(true, true, MinHash.Shingle.WORDS, 0, 16, 8, 0.8, 0)).getMessage());
        messages.add(assertThrows(IllegalArgumentException.class,
                () -> new Deduplicator.Options(true, true, MinHash.Shingle.WORDS, 5, 0, 8, 0.8, 0)).getMessage());
        assertEquals(List.of("threshold must be in (0, 1], got 1.5", "shingleSize must be positive, got 0",
                "bands and rows must be positive, got 0 and 8"), messages);
    }
}
