package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on real text: Tiny Shakespeare (shared test data) and the corpora embedded for the demos. */
class RealCorporaTest {

    private static final Path SHAKESPEARE = Path.of(System.getProperty("jgrad.shared", "../../shared"), "data",
            "tinyshakespeare.txt");
    private static final Path CORPORA = Path.of(System.getProperty("user.dir"))
            .resolve("../examples/src/main/resources/dev/jgrad/examples/corpora").normalize();

    @TempDir
    Path dir;

    @Test
    void tinyShakespeareSplitsLikeNanoGpt() throws IOException {
        // nanoGPT data/shakespeare_char/prepare.py prints: 1,115,394 characters, vocab size 65,
        // train has 1,003,854 tokens, val has 111,540 tokens.
        String text = Files.readString(SHAKESPEARE, StandardCharsets.UTF_8);
        TreeSet<Character> chars = new TreeSet<>();
        for (char c : text.toCharArray()) chars.add(c);
        assertEquals(65, chars.size());
        List<Character> vocab = List.copyOf(chars);
        Function<String, int[]> encode = s -> s.chars().map(c -> vocab.indexOf((char) c)).toArray();
        TokenCache.Key key = new TokenCache.Key("shakespeare-char", 65, OptionalInt.empty());
        Path cache = dir.resolve("shakespeare.bin");
        try (TokenCache tokens = TokenCache.openOrBuild(cache, () -> Corpus.fromFile(SHAKESPEARE), encode, key)) {
            assertEquals(1_115_394, tokens.size());
            assertEquals(128 + 2 * 1_115_394 + 8, Files.size(cache));
            TokenSplit split = TokenSplit.headTail(tokens, 0.9);
            assertEquals(1_003_854, split.train().size());
            assertEquals(111_540, split.validation().size());
            assertEquals(vocab.indexOf('F'), tokens.get(0)); // "First Citizen:"
            RandomWindowSampler sampler = new RandomWindowSampler(split.train(), 12, 64, 1337);
            Batch b = sampler.next();
            assertEquals(12 * 64, b.x().length);
        }
        try (TokenCache again = TokenCache.openOrBuild(cache, () -> Corpus.fromFile(SHAKESPEARE), encode, key)) {
            assertEquals(TokenCache.Status.LOADED, again.status());
        }
    }

    @Test
    void kingJamesBibleHasOneDocumentPerChapter() throws IOException {
        try (Stream<Document> docs = Corpus.fromFile(CORPORA.resolve("kjv.txt.gz"), DocumentBoundary.blankLines())) {
            Iterator<Document> it = docs.iterator();
            Document first = it.next();
            assertTrue(first.text().startsWith("Genesis 1\n1 In the beginning God created the heaven and the earth.\n"));
            long count = 1;
            Document last = first;
            while (it.hasNext()) {
                last = it.next();
                count++;
            }
            assertEquals(1189, count); // the chapters of the 66 books
            assertTrue(last.text().startsWith("Revelation 22\n"));
            assertTrue(last.text().endsWith("21 The grace of our Lord Jesus Christ be with you all. Amen."));
        }
    }

    @Test
    void fortunesAreSeparatedByPercentLines() {
        List<Document> fortunes;
        try (Stream<Document> docs = Corpus.fromFile(CORPORA.resolve("fortunes.txt.gz"), DocumentBoundary.separatorLine("%"))) {
            fortunes = docs.toList();
        }
        // make-corpora.sh reports 11349 fortunes, 11314 distinct (by Python's set of the same strings).
        assertEquals(11349, fortunes.size());
        Deduplicator.Options exactOnly = new Deduplicator.Options(true, false, MinHash.Shingle.WORDS, 5, 16, 8, 0.8, 0);
        Deduplicator.Stats stats = Deduplicator.deduplicate(fortunes, exactOnly).stats();
        assertEquals(11349 - 11314, stats.exactDuplicatesRemoved());
        DocumentSplit split = DocumentSplit.assign(fortunes.size(), new DocumentSplit.Fractions(0.9, 0.05, 0.05), 0);
        assertEquals(fortunes.size(), split.count(DocumentSplit.Part.TRAIN) + split.count(DocumentSplit.Part.VALIDATION)
                + split.count(DocumentSplit.Part.TEST));
    }
}
