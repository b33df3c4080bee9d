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
 *   Trainer: steps, evaluation, early stopping, checkpoints, metrics, samples, plot
 * </pre>
 */
public final class Session {

    private final RunSettings settings;
    private final Path runDir;
    private final PrintStream out;
    private LanguageModelData.Prepared data;
    private TokenSource train, validation;
    private CausalLM model;
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
        LanguageModelData.Options opts = new LanguageModelData.Options(cleaning,
                settings.dedup() ? Deduplicator.Options.defaults() : null, fractions, settings.seed(),
                tokenizerSpec(settings.tokenizer()), cacheDir);
        data = LanguageModelData.prepare(corpus, opts);
        if (headTail) {
            double f = Double.parseDouble(settings.split().substring("head-tail:".length()));
            TokenSplit s = TokenSplit.headTail(data.train(), f);
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
        model = Models.create(modelConfig(), new Generator(settings.seed()));
        return model;
    }

    public CausalLM model() {
        return model;
    }

    // ---- training -----------------------------------------------------------------------------

    /** Adds a callback to the next {@link #train} (a search's pruning reports, say). */
    public Session addCallback(TrainerCallback callback) {
        callbacks.add(callback);
        return this;
    }

    /** Trains (resuming from {@code runDir/checkpoints/last} when {@code resume}), with samples and the plot. */
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
                .logInterval(Math.max(1, settings.evalInterval() / 5)).flopsPerItem(flopsPerToken)
                .progressBar(progressBar).build();
        Trainer trainer = new Trainer(model, optimizer, schedule,
                batch -> model.loss(Tensor.of(batch.x(), batch.batchSize(), batch.blockSize()),
                        Tensor.of(batch.y(), batch.batchSize(), batch.blockSize())),
                trainBatches, valBatches, model.generators(), config)
                .withCheckpointExtra(Map.of(JgradCheckpoint.MODEL_KEY, ModelConfigs.toJgrad(model.config())));
        Path tokenizerFile = saveTokenizer();
        trainer.addCallback(new SampleWriter(model, data.tokenizer(), settings, runDir, out, trainer::logText));
        trainer.addCallback(new PlotWriter(runDir));
        callbacks.forEach(trainer::addCallback);
        if (resume) {
            Path last = runDir.resolve("checkpoints/last");
            trainer.resume(last);
            out.println("resumed from " + last + " at step " + trainer.step());
        }
        out.printf(Locale.ROOT, "tokenizer saved to %s%n", tokenizerFile);
        return trainer.fit();
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
