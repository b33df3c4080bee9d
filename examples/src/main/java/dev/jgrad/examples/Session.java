package dev.jgrad.examples;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.data.Corpus;
import dev.jgrad.nn.data.Deduplicator;
import dev.jgrad.nn.data.Document;
import dev.jgrad.nn.data.DocumentBoundary;
import dev.jgrad.nn.data.DocumentSplit;
import dev.jgrad.nn.data.RandomWindowSampler;
import dev.jgrad.nn.data.TextCleaner;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.nn.data.TokenSplit;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.optim.train.Trainer;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainerConfig;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.checkpoint.ModelConfigs;
import dev.jgrad.transformer.checkpoint.Models;
import dev.jgrad.transformer.data.LanguageModelData;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * One language-model training run from {@link RunSettings}, the way {@code ./jgrad train}, {@code demo} and
 * {@code search} all run it:
 * <pre>
 *   corpus → clean → dedup → split → tokenizer → token caches        ({@link LanguageModelData})
 *   config → model (LLaMA or GPT-2 family) → AdamW (decay on matrices) → warmup + cosine schedule
 *   Trainer: steps, evaluation, early stopping, periodic checkpoints, resume, metrics, samples, plot
 * </pre>
 */
public final class Session {

    private final RunSettings settings;
    private final Path runDir;
    private final PrintStream out;
    private LanguageModelData.Prepared data;
    private TokenSource train, validation;
    private boolean splitByPosition;
    private CausalLM model;
    private int checkpointSteps = -1;          // -1: every evaluation interval
    private double checkpointMinutes = 5;
    private final List<TrainerCallback> callbacks = new ArrayList<>();

    public Session(RunSettings settings, Path runDir, PrintStream out) {
        this.settings = settings;
        this.runDir = runDir;
        this.out = out;
    }

    // ---- data ---------------------------------------------------------------------------------

    /** Reads, cleans, deduplicates, splits and tokenizes the corpus (token caches under the run directory). */
    public LanguageModelData.Report prepareData(Path cacheDir) {
        Supplier<Stream<Document>> corpus = corpus(settings);
        TextCleaner.Options cleaning = settings.clean()
                ? TextCleaner.Options.defaults().withLowercase(settings.lowercase())
                : new TextCleaner.Options(false, false, false, Integer.MAX_VALUE, settings.lowercase());
        boolean headTail = settings.split().startsWith("head-tail:");
        DocumentSplit.Fractions fractions = headTail ? new DocumentSplit.Fractions(1, 0, 0) : docFractions(settings.split());
        double trainShare = headTail ? Double.parseDouble(settings.split().substring("head-tail:".length())) : Double.NaN;
        // Enough documents to give every part a few are enough to know: counting stops there.
        int documents = headTail ? 0 : countDocuments(corpus, (int) Math.min(1 << 16, Math.ceil(4 / smallestPart(fractions)) + 1));
        if (!headTail && documents > 0 && !DocumentSplit.fits(documents, fractions) && fractions.validation() > 0) {
            // One text file is one document (--documents file): too few to split by document, so split by windows.
            trainShare = 1 - fractions.validation();
            out.printf(Locale.ROOT, "split: %d document%s, too few to split by document (%s), so the first %.0f%% of the"
                    + " token stream trains and the rest validates (as --split head-tail:%s)%n", documents,
                    documents == 1 ? "" : "s", settings.split(), 100 * trainShare, trainShare);
            headTail = true;
            fractions = new DocumentSplit.Fractions(1, 0, 0);
        }
        LanguageModelData.Options opts = new LanguageModelData.Options(cleaning,
                settings.dedup() ? Deduplicator.Options.defaults() : null, fractions, settings.seed(),
                tokenizerSpec(settings.tokenizer()), cacheDir);
        data = LanguageModelData.prepare(corpus, opts);
        splitByPosition = headTail;
        if (headTail) {
            TokenSplit s = TokenSplit.headTail(data.train(), trainShare);
            train = s.train();
            validation = s.validation();
        } else {
            train = data.train();
            validation = data.validation();
        }
        long need = settings.block() + 1L;
        if (train.size() < need)
            throw new IllegalArgumentException("the training split has " + train.size() + " tokens, fewer than one window of "
                    + need + " (--block " + settings.block() + "): use more data or a smaller --block");
        if (validation.size() < need)
            throw new IllegalArgumentException("the validation split has " + validation.size() + " tokens, fewer than one"
                    + " window of " + need + ": use more data, a larger validation fraction or a smaller --block");
        return data.report();
    }

    /** The smallest positive fraction of {@code f}. */
    private static double smallestPart(DocumentSplit.Fractions f) {
        return java.util.stream.DoubleStream.of(f.train(), f.validation(), f.test()).filter(x -> x > 0).min().orElse(1);
    }

    /** The number of documents {@code corpus} holds, counting no further than {@code limit}. */
    private static int countDocuments(Supplier<Stream<Document>> corpus, int limit) {
        try (Stream<Document> docs = corpus.get()) {
            return (int) docs.limit(limit).count();
        }
    }

    /**
     * What can be checked before a run writes anything: the data exists, and a model of these sizes fits in memory
     * with the smallest vocabulary the tokenizer setting allows ({@link #buildModel} checks again with the real one).
     */
    public static void checkBeforeWriting(RunSettings settings) {
        corpus(settings);
        String t = settings.tokenizer();
        TrainingMemory.check(settings, t.startsWith("bpe:") ? Integer.parseInt(t.substring(4)) : 0);
    }

    /** True when the tokens were split by position (head-tail), false when whole documents were (after {@link #prepareData}). */
    public boolean splitByPosition() {
        return splitByPosition;
    }

    public Tokenizer tokenizer() {
        return data.tokenizer();
    }

    public long trainTokens() {
        return train.size();
    }

    public long validationTokens() {
        return validation.size();
    }

    /** The validation tokens (after {@link #prepareData}). */
    public TokenSource validation() {
        return validation;
    }

    // ---- model --------------------------------------------------------------------------------

    /** The model configuration for this run's vocabulary. */
    public Record modelConfig() {
        int vocab = data.tokenizer().vocabSize();
        if (settings.model().equals("gpt"))
            return new GptConfig(vocab, settings.block(), settings.dim(), settings.layers(), settings.heads(),
                    settings.dropout(), settings.bias(), 1e-5, true, false);
        int hidden = settings.hidden() > 0 ? settings.hidden() : LlamaConfig.llama2cHiddenDim(settings.dim(), 32);
        return new LlamaConfig(vocab, settings.dim(), settings.layers(), settings.heads(), settings.kvHeads(), hidden,
                1e-5, 10000, RopeStyle.HALF, settings.block(), true);
    }

    public CausalLM buildModel() {
        TrainingMemory.check(settings, data.tokenizer().vocabSize());
        model = Models.create(modelConfig(), new Generator(settings.seed()));
        return model;
    }

    public CausalLM model() {
        return model;
    }

    // ---- training -----------------------------------------------------------------------------

    /**
     * Adds a callback to the next {@link #train}, after the console, sample and plot writers (a search's pruning
     * reports, the live dashboard).
     */
    public Session addCallback(TrainerCallback callback) {
        callbacks.add(callback);
        return this;
    }

    /**
     * How often {@code checkpoints/last} is written: every {@code steps} steps and whenever {@code minutes} have
     * passed since the last one (≤ 0 turns either off; it is always written at the end and on Ctrl-C). The default
     * is every evaluation interval and every 5 minutes, so a killed run loses at most that much.
     */
    public Session checkpointEvery(int steps, double minutes) {
        checkCheckpointEvery(steps, minutes);
        this.checkpointSteps = steps;
        this.checkpointMinutes = minutes;
        return this;
    }

    /** Refuses negative (or NaN) checkpoint intervals, naming the options. */
    public static void checkCheckpointEvery(int steps, double minutes) {
        if (steps < 0 || !(minutes >= 0))
            throw new IllegalArgumentException("checkpoint intervals must be >= 0 (0: off), got --checkpoint-every-steps "
                    + steps + " and --checkpoint-every-minutes " + minutes);
    }

    /**
     * Trains, with progress lines, samples and the plot. With {@code resume} it continues from the run's newest
     * checkpoint ({@code checkpoints/last} or {@code checkpoints/best}, see {@link Trainer#resumeLatest}) up to
     * {@code settings.steps()}, which may exceed the run's original total: the cosine schedule is then laid over the
     * new total (the learning rate at step s is the new schedule's, as if the run had been planned that long), and
     * {@code config.json} records the new total. A run with no checkpoint yet starts at step 0, the same run.
     *
     * <p>Ctrl-C (or SIGTERM) while training asks the trainer to stop after the current step; it writes
     * {@code checkpoints/last} and the process exits.
     */
    public TrainingResult train(boolean resume, boolean progressBar) throws IOException {
        List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor p : model.parameters()) {
            if (!seen.add(p)) continue;              // tied weights appear once
            (p.rank() >= 2 ? decay : noDecay).add(p); // matrices and embeddings decay; norms and biases do not
        }
        Adam.Options options = new Adam.Options(settings.lr(), settings.beta1(), settings.beta2(), 1e-8,
                settings.weightDecay(), false);
        AdamW optimizer = new AdamW(decay, options);
        if (!noDecay.isEmpty()) optimizer.addParamGroup(noDecay, options.withWeightDecay(0));
        WarmupCosineLr schedule = new WarmupCosineLr(optimizer, settings.warmup(), settings.steps(), settings.minLr());

        RandomWindowSampler trainBatches = new RandomWindowSampler(train, settings.batch(), settings.block(), settings.seed() + 1);
        RandomWindowSampler valBatches = new RandomWindowSampler(validation, settings.batch(), settings.block(), settings.seed() + 2);
        double flopsPerToken = 6.0 * model.numTrainableParameters();
        TrainerConfig config = TrainerConfig.builder().maxSteps(settings.steps()).gradAccumulation(settings.gradAccum())
                .clipNorm(settings.clip()).evalInterval(settings.evalInterval()).evalBatches(settings.evalBatches())
                .earlyStopping(settings.patience(), settings.minDelta()).runDir(runDir)
                .checkpointEvery(checkpointSteps < 0 ? settings.evalInterval() : checkpointSteps, checkpointMinutes)
                .flopsPerItem(flopsPerToken).build();
        Trainer trainer = new Trainer(model, optimizer, schedule,
                batch -> model.loss(Tensor.of(batch.x(), batch.batchSize(), batch.blockSize()),
                        Tensor.of(batch.y(), batch.batchSize(), batch.blockSize())),
                trainBatches, valBatches, model.generators(), config)
                .withCheckpointExtra(Map.of(JgradCheckpoint.MODEL_KEY, ModelConfigs.toJgrad(model.config())));
        if (resume) {
            Path from = trainer.resumeLatest();
            if (from == null) out.println("no checkpoint in " + runDir.resolve("checkpoints") + " yet: starting at step 0");
            else out.println("resumed from " + from + " at step " + trainer.step());
            if (trainer.step() >= settings.steps())
                throw new IllegalArgumentException("the run is already at step " + trainer.step() + " of " + settings.steps()
                        + ": give --steps N with N > " + trainer.step() + " to extend it");
            settings.save(runDir);   // the new total, if --steps extended it
        }
        Path tokenizerFile = saveTokenizer();
        trainer.addCallback(new ConsoleProgress(out, progressBar, settings.evalInterval() / 5));
        trainer.addCallback(new SampleWriter(model, data.tokenizer(), settings, runDir, out, trainer::logText));
        trainer.addCallback(new PlotWriter(runDir));
        callbacks.forEach(trainer::addCallback);
        out.printf(Locale.ROOT, "tokenizer saved to %s%n", tokenizerFile);
        TrainingResult result = StopOnShutdown.fit(trainer);
        if (result.steps() < settings.steps() && !result.stoppedEarly())
            out.println("checkpoints/last holds step " + result.steps() + "; continue with: ./jgrad train --resume " + runDir);
        return result;
    }

    /** Writes the tokenizer next to the checkpoints so that {@code ./jgrad generate} can find it. */
    private Path saveTokenizer() throws IOException {
        Files.createDirectories(runDir);
        Path dir = runDir.resolve("checkpoints");
        Files.createDirectories(dir);
        return Tokenizers.save(data.tokenizer(), dir, settings.tokenizer());
    }

    // ---- corpora ------------------------------------------------------------------------------

    /** The documents of {@code settings.data()}: a file, a directory tree, a JSONL file or an embedded corpus. */
    static Supplier<Stream<Document>> corpus(RunSettings s) {
        return corpus(s.data(), s.documents(), s.textField());
    }

    /**
     * The documents of {@code data} (a file, a directory tree, a JSONL file with the text in {@code textField}, or
     * {@code embedded:kjv} / {@code embedded:fortunes}), cut at {@code documents} boundaries.
     */
    public static Supplier<Stream<Document>> corpus(String data, String documents, String textField) {
        DocumentBoundary boundary = boundary(documents);
        if (data.startsWith("embedded:")) {
            String name = data.substring("embedded:".length());
            String resource = "/dev/jgrad/examples/corpora/" + name + ".txt.gz";
            if (Session.class.getResource(resource) == null)
                throw new IllegalArgumentException("no embedded corpus \"" + name + "\" (known: kjv, fortunes)");
            DocumentBoundary b = name.equals("fortunes") ? DocumentBoundary.separatorLine("%") : DocumentBoundary.blankLines();
            return () -> Corpus.fromStream(name, gunzip(resource), b);
        }
        Path path = Path.of(data);
        if (!Files.exists(path)) throw new IllegalArgumentException("no such file or directory: " + data);
        if (Files.isDirectory(path)) return () -> Corpus.fromDirectory(path, boundary, Corpus.BinaryFiles.SKIP_WITH_WARNING);
        if (data.endsWith(".jsonl") || data.endsWith(".jsonl.gz")) return () -> Corpus.fromJsonl(path, textField);
        return () -> Corpus.fromFile(path, boundary);
    }

    private static InputStream gunzip(String resource) {
        try {
            return new GZIPInputStream(Session.class.getResourceAsStream(resource), 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static DocumentBoundary boundary(String spec) {
        if (spec == null || spec.equals("file")) return DocumentBoundary.wholeFile();
        if (spec.equals("blank-lines")) return DocumentBoundary.blankLines();
        if (spec.startsWith("separator:")) return DocumentBoundary.separatorLine(spec.substring("separator:".length()));
        throw new IllegalArgumentException("--documents must be file, blank-lines or separator:LINE, got " + spec);
    }

    static DocumentSplit.Fractions docFractions(String spec) {
        if (!spec.startsWith("docs:"))
            throw new IllegalArgumentException("--split must be docs:TRAIN,VAL,TEST or head-tail:FRACTION, got " + spec);
        String[] f = spec.substring(5).split(",");
        if (f.length != 3) throw new IllegalArgumentException("--split docs: needs three fractions, got " + spec);
        return new DocumentSplit.Fractions(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
    }

    static LanguageModelData.TokenizerSpec tokenizerSpec(String spec) {
        if (spec.equals("char")) return new LanguageModelData.TokenizerSpec.Characters();
        if (spec.startsWith("bpe:")) {
            int size = Integer.parseInt(spec.substring(4));
            if (size < 257) throw new IllegalArgumentException("--tokenizer bpe:N needs N >= 257 (256 bytes + end of text), got " + size);
            return new LanguageModelData.TokenizerSpec.Bpe(size);
        }
        try {
            return new LanguageModelData.TokenizerSpec.Given(Tokenizer.load(Path.of(spec)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tokenizer " + spec, e);
        }
    }
}
