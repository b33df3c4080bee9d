package dev.jgrad.transformer.data;

import dev.jgrad.nn.data.Deduplicator;
import dev.jgrad.nn.data.Document;
import dev.jgrad.nn.data.DocumentSplit;
import dev.jgrad.nn.data.TextCleaner;
import dev.jgrad.nn.data.TokenCache;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.transformer.tokenizer.BpeTrainer;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import dev.jgrad.transformer.tokenizer.CharTokenizer;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * From raw documents to token streams ready for training, in one call:
 * <ol>
 *   <li><b>clean</b> every document (NFC, control characters, whitespace);</li>
 *   <li><b>deduplicate</b> (exact hashes, then MinHash near-duplicates), counting what each removed;</li>
 *   <li><b>split</b> by document into train, validation and test, seeded, so no document leaks across splits;</li>
 *   <li><b>tokenize</b>: train a byte-level BPE on the training split only (or take the character alphabet of the
 *       corpus, or a given tokenizer);</li>
 *   <li>write each split into a memory-mapped <b>token cache</b> ({@code train.bin}, ...) that a second run
 *       reuses without tokenizing again, and that invalidates itself when the corpus or tokenizer changes.</li>
 * </ol>
 * Documents are streamed: each pass re-reads the corpus, so corpora larger than memory work (only dedup
 * fingerprints and split assignments are held).
 */
public final class LanguageModelData {

    /** Which tokenizer to use. */
    public sealed interface TokenizerSpec {
        /** The characters (code points) of the corpus, like nanoGPT's shakespeare_char. */
        record Characters() implements TokenizerSpec {}

        /** A byte-level BPE of {@code vocabSize} learned on the training split, with an end-of-text token. */
        record Bpe(int vocabSize) implements TokenizerSpec {}

        /** An existing tokenizer. */
        record Given(Tokenizer tokenizer) implements TokenizerSpec {}
    }

    /** The separator token trained BPE tokenizers add between documents. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    /**
     * @param cleaning  how documents are cleaned
     * @param dedup     deduplication options, or null to keep duplicates
     * @param fractions train/validation/test fractions by document
     * @param seed      split seed
     * @param tokenizer which tokenizer
     * @param cacheDir  where token caches and the trained tokenizer go
     */
    public record Options(TextCleaner.Options cleaning, Deduplicator.Options dedup, DocumentSplit.Fractions fractions,
                          long seed, TokenizerSpec tokenizer, Path cacheDir) {}

    /** Counts for the report the demo prints. */
    public record Report(long documentsRead, Deduplicator.Stats dedup, int trainDocuments, int validationDocuments,
                         int testDocuments, long trainTokens, long validationTokens, long testTokens,
                         TokenCache.Status cacheStatus) {}

    /** The prepared data: the tokenizer and one token stream per split (empty splits have no tokens). */
    public record Prepared(Tokenizer tokenizer, TokenSource train, TokenSource validation, TokenSource test,
                           Report report) implements AutoCloseable {
        @Override
        public void close() {
            for (TokenSource s : List.of(train, validation, test)) if (s instanceof TokenCache c) c.close();
        }
    }

    private LanguageModelData() {}

    /** Runs the pipeline on the documents {@code corpus} streams (called once per pass). */
    public static Prepared prepare(Supplier<Stream<Document>> corpus, Options options) {
        TextCleaner cleaner = new TextCleaner(options.cleaning());
        Supplier<Stream<Document>> cleaned = () -> {
            Stream<Document> docs = corpus.get().map(cleaner::clean).filter(d -> !d.text().isBlank());
            return options.dedup() == null ? docs : new Deduplicator(options.dedup()).filter(docs);
        };
        // Pass 1: count the documents that survive cleaning and deduplication.
        long read;
        Deduplicator.Stats stats;
        int kept;
        try (Stream<Document> all = corpus.get()) {
            read = all.count();
        }
        if (options.dedup() != null) {
            Deduplicator d = new Deduplicator(options.dedup());
            try (Stream<Document> s = d.filter(corpus.get().map(cleaner::clean).filter(x -> !x.text().isBlank()))) {
                kept = Math.toIntExact(s.count());
            }
            stats = d.stats();
        } else {
            try (Stream<Document> s = cleaned.get()) {
                kept = Math.toIntExact(s.count());
            }
            stats = new Deduplicator.Stats(read, kept, 0, 0);
        }
        if (kept == 0) throw new IllegalArgumentException("the corpus is empty after cleaning (" + read + " documents read)");
        DocumentSplit split = DocumentSplit.assign(kept, options.fractions(), options.seed());
        if (split.count(DocumentSplit.Part.TRAIN) == 0)
            throw new IllegalArgumentException("no document falls in the training split (" + kept + " documents, fractions "
                    + options.fractions() + ")");
        Supplier<Stream<Document>> train = () -> split.select(cleaned.get(), DocumentSplit.Part.TRAIN);

        try {
            Files.createDirectories(options.cacheDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + options.cacheDir(), e);
        }
        Tokenizer tokenizer = tokenizer(options, train, cleaned);
        OptionalInt separator = tokenizer instanceof ByteLevelBpeTokenizer bpe && bpe.specialTokens().containsKey(END_OF_TEXT)
                ? OptionalInt.of(bpe.specialTokens().get(END_OF_TEXT)) : OptionalInt.empty();
        TokenCache.Key key = new TokenCache.Key(describe(tokenizer), tokenizer.vocabSize(), separator);
        TokenSource[] parts = new TokenSource[3];
        TokenCache.Status status = TokenCache.Status.LOADED;
        DocumentSplit.Part[] order = {DocumentSplit.Part.TRAIN, DocumentSplit.Part.VALIDATION, DocumentSplit.Part.TEST};
        String[] files = {"train.bin", "val.bin", "test.bin"};
        for (int i = 0; i < 3; i++) {
            DocumentSplit.Part part = order[i];
            if (split.count(part) == 0) {
                parts[i] = TokenSource.of(new int[0]);
                continue;
            }
            TokenCache cache = TokenCache.openOrBuild(options.cacheDir().resolve(files[i]),
                    () -> split.select(cleaned.get(), part), tokenizer::encode, key);
            if (cache.status() != TokenCache.Status.LOADED) status = cache.status();
            parts[i] = cache;
        }
        Report report = new Report(read, stats, split.count(DocumentSplit.Part.TRAIN),
                split.count(DocumentSplit.Part.VALIDATION), split.count(DocumentSplit.Part.TEST),
                parts[0].size(), parts[1].size(), parts[2].size(), status);
        return new Prepared(tokenizer, parts[0], parts[1], parts[2], report);
    }

    private static Tokenizer tokenizer(Options options, Supplier<Stream<Document>> train, Supplier<Stream<Document>> all) {
        return switch (options.tokenizer()) {
            case TokenizerSpec.Given g -> g.tokenizer();
            case TokenizerSpec.Characters c -> {
                TreeSet<Integer> seen = new TreeSet<>();
                // the alphabet of the whole corpus (as nanoGPT's shakespeare_char), so that no split meets an
                // unknown character; the merges of a BPE, by contrast, are learned on the training split only
                try (Stream<Document> s = all.get()) {
                    s.forEach(d -> d.text().codePoints().forEach(seen::add));
                }
                CharTokenizer t = new CharTokenizer(seen.stream().mapToInt(Integer::intValue).toArray());
                save(() -> t.save(options.cacheDir().resolve("tokenizer.chars.json")));
                yield t;
            }
            case TokenizerSpec.Bpe b -> {
                Iterable<String> texts = () -> new Iterator<>() {
                    private final Iterator<Document> it = train.get().iterator();

                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    public String next() {
                        return it.next().text();
                    }
                };
                ByteLevelBpeTokenizer t = new BpeTrainer(b.vocabSize(), List.of(END_OF_TEXT)).train(texts);
                save(() -> t.saveHuggingFaceJson(options.cacheDir().resolve("tokenizer.json")));
                yield t;
            }
        };
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void save(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the tokenizer: " + e.getMessage(), e);
        }
    }

    /** A stable identity for the token cache key: the class and a hash of the vocabulary's pieces. */
    static String describe(Tokenizer t) {
        long h = 1125899906842597L;
        for (int i = 0; i < t.vocabSize(); i++) h = 31 * h + t.piece(i).hashCode();
        return t.getClass().getSimpleName() + ":" + t.vocabSize() + ":" + Long.toHexString(h);
    }
}
