package dev.jgrad.transformer.data;

import dev.jgrad.nn.data.Deduplicator;
import dev.jgrad.nn.data.Document;
import dev.jgrad.nn.data.DocumentSplit;
import dev.jgrad.nn.data.TextCleaner;
import dev.jgrad.nn.data.TokenCache;
import dev.jgrad.nn.data.TokenSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LanguageModelDataTest {

    static Supplier<Stream<Document>> corpus() {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++)
            docs.add(new Document("d" + i, "Document number " + i + " tells of the " + (i % 2 == 0 ? "sea" : "hills")
                    + " and of day " + (i * 7) + ", with words repeated words repeated.\n"));
        docs.add(new Document("dup", docs.get(3).text()));              // an exact duplicate
        docs.add(new Document("cr", docs.get(5).text().replace("\n", "\r\n"))); // identical after cleaning
        docs.add(new Document("blank", "   \n"));                         // empty after cleaning
        return docs::stream;
    }

    static LanguageModelData.Options options(Path dir, LanguageModelData.TokenizerSpec spec) {
        return new LanguageModelData.Options(TextCleaner.Options.defaults(), Deduplicator.Options.defaults(),
                new DocumentSplit.Fractions(0.8, 0.1, 0.1), 42, spec, dir);
    }

    static String decode(LanguageModelData.Prepared p, TokenSource s) {
        int[] ids = new int[(int) s.size()];
        s.copy(0, ids, 0, ids.length);
        return p.tokenizer().decode(ids);
    }

    @Test
    void cleansDeduplicatesSplitsAndTokenizes(@TempDir Path dir) {
        try (LanguageModelData.Prepared p = LanguageModelData.prepare(corpus(), options(dir, new LanguageModelData.TokenizerSpec.Bpe(300)))) {
            LanguageModelData.Report r = p.report();
            assertEquals(43, r.documentsRead());
            assertEquals(2, r.dedup().exactDuplicatesRemoved());
            assertEquals(40, r.trainDocuments() + r.validationDocuments() + r.testDocuments());
            assertEquals(32, r.trainDocuments());
            assertEquals(300, p.tokenizer().vocabSize());
            assertTrue(r.trainTokens() > 0 && r.validationTokens() > 0 && r.testTokens() > 0);
            // every document sits in exactly one split
            String train = decode(p, p.train()), val = decode(p, p.validation()), test = decode(p, p.test());
            for (int i = 0; i < 40; i++) {
                String marker = "Document number " + i + " ";
                int in = (train.contains(marker) ? 1 : 0) + (val.contains(marker) ? 1 : 0) + (test.contains(marker) ? 1 : 0);
                assertEquals(1, in, "document " + i);
            }
            assertEquals(TokenCache.Status.BUILT, r.cacheStatus());
        }
        // the second run reads the caches instead of tokenizing again
        try (LanguageModelData.Prepared again = LanguageModelData.prepare(corpus(), options(dir, new LanguageModelData.TokenizerSpec.Bpe(300)))) {
            assertEquals(TokenCache.Status.LOADED, again.report().cacheStatus());
        }
    }

    @Test
    void aCharacterVocabularyIsTheCorpusAlphabet(@TempDir Path dir) {
        try (LanguageModelData.Prepared p = LanguageModelData.prepare(corpus(), options(dir, new LanguageModelData.TokenizerSpec.Characters()))) {
            String all = decode(p, p.train()) + decode(p, p.validation()) + decode(p, p.test());
            assertEquals(all.codePoints().distinct().count(), p.tokenizer().vocabSize());
        }
    }

    @Test
    void anEmptyCorpusIsAClearError(@TempDir Path dir) {
        Supplier<Stream<Document>> empty = () -> Stream.of(new Document("x", "  \n\n"));
        var e = assertThrows(IllegalArgumentException.class,
                () -> LanguageModelData.prepare(empty, options(dir, new LanguageModelData.TokenizerSpec.Characters())));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }
}
