package dev.jgrad.optim.train;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.BatchSampler;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.GradClip;
import dev.jgrad.optim.LrScheduler;
import dev.jgrad.optim.Optimizer;
import dev.jgrad.optim.ReduceLrOnPlateau;
import dev.jgrad.optim.Schedule;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop. One step:
 * <ol>
 *   <li>for each of {@code gradAccumulation} micro-batches: {@code loss = task.loss(batch) / gradAccumulation},
 *       {@code loss.backward()} (gradients add up in the parameters);</li>
 *   <li>check the loss and the gradients are finite (a {@link NonFiniteException} names the step and the
 *       tensor);</li>
 *   <li>clip the global gradient norm; {@code optimizer.step()}; {@code optimizer.zeroGrad()}; advance the
 *       learning-rate schedule;</li>
 *   <li>every {@code evalInterval} steps: the mean validation loss over {@code evalBatches} batches in eval mode
 *       without a graph, its perplexity, the best checkpoint, early stopping.</li>
 * </ol>
 * With a run directory it writes {@code metrics.csv}, {@code metrics.jsonl}, {@code checkpoints/best} (after each
 * improving evaluation) and {@code checkpoints/last}: every {@code checkpointEverySteps} steps, whenever
 * {@code checkpointEveryMinutes} have passed since the last one, when a {@link #requestStop stop is requested}
 * and at the end. Checkpoints are atomic (see {@link Checkpoint}), so killing the process at any moment loses at
 * most one interval. {@link #resume(Path)} continues a run exactly where a checkpoint left it (parameters, optimizer
 * moments, schedule, data order, generators): the resumed run's weights are bit-identical to an uninterrupted
 * run's. {@link #resumeLatest()} picks the newer of {@code last} and {@code best}.
 *
 * <p>The trainer prints nothing: progress goes to the {@link TrainerCallback}s (an application's console
 * output) and events (evaluations, checkpoints, early stopping) to the {@link System.Logger} named after
 * this class, which the application configures.
 */
public final class Trainer {

    private final Module model;
    private final Optimizer<?> optimizer;
    private final Schedule schedule;
    private final TrainingTask task;
    private final BatchSampler train;
    private final BatchSampler validation;
    private final TrainerConfig config;
    private final Map<String, Generator> generators;
    private final List<TrainerCallback> callbacks = new ArrayList<>();
    private final Map<Tensor, String> parameterNames = new java.util.IdentityHashMap<>();
    private final Map<String, Object> checkpointExtra = new LinkedHashMap<>();
    private Module checkpointModule;
    private volatile boolean stopRequested;

    private int step;
    private double bestValLoss = Double.POSITIVE_INFINITY;
    private int bestStep;
    private double lastValLoss = Double.NaN;
    private int evalsWithoutImprovement;
    private MetricsLog log;
    private int savedStep = -1;
    private long savedNanos;

    private static final System.Logger LOG = System.getLogger(Trainer.class.getName());

    /**
     * @param generators named generators whose state belongs in checkpoints (dropout, sampling); may be empty
     * @param validation validation batches, or null to never evaluate
     */
    public Trainer(Module model, Optimizer<?> optimizer, Schedule schedule, TrainingTask task, BatchSampler train,
                   BatchSampler validation, Map<String, Generator> generators, TrainerConfig config) {
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.task = task;
        this.train = train;
        this.validation = validation;
        this.generators = generators == null ? Map.of() : generators;
        this.config = config;
        model.namedParameters().forEach((name, p) -> parameterNames.put(p, name));
    }

    /** Adds a callback (progress output, samples, plots, ...). */
    public Trainer addCallback(TrainerCallback callback) {
        callbacks.add(callback);
        return this;
    }

    /**
     * Values stored in every checkpoint's {@code extra} map besides the trainer's own (for instance the model
     * configuration, so that a checkpoint can rebuild its model).
     */
    public Trainer withCheckpointExtra(Map<String, Object> extra) {
        checkpointExtra.putAll(extra);
        return this;
    }

    /**
     * The module whose state dict checkpoints hold instead of the whole model's: a fine-tuning run that trains
     * adapters beside a frozen base saves and restores only the adapters (the base comes from its own checkpoint).
     * Its state dict's tensors must be tensors of the model.
     */
    public Trainer withCheckpointModule(Module module) {
        this.checkpointModule = module;
        return this;
    }

    /** The last completed step. */
    public int step() {
        return step;
    }

    /**
     * Asks a running {@link #fit} to stop at the end of the current step: it writes {@code checkpoints/last} (when
     * there is a run directory) and returns. Safe to call from any thread, e.g. a shutdown hook on Ctrl-C, which
     * then waits for {@code fit} to return.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Restores a run from {@code checkpointDir} (written by this trainer) to continue it. */
    public void resume(Path checkpointDir) throws IOException {
        Checkpoint.Loaded loaded = Checkpoint.load(checkpointDir, training());
        Path json = checkpointDir.resolve("training.json");
        Map<String, Object> extra = loaded.extra();
        // Everything is parsed before the trainer changes, so a bad value leaves it as it was.
        BatchSampler.State trainState = samplerState(extra.get("train_sampler"), json, "extra.train_sampler");
        BatchSampler.State valState = validation != null && extra.get("validation_sampler") != null
                ? samplerState(extra.get("validation_sampler"), json, "extra.validation_sampler") : null;
        double best = number(extra, "best_val_loss", Double.POSITIVE_INFINITY, json);
        int bestAt = count(extra, "best_step", json);
        int noImprovement = count(extra, "evals_without_improvement", json);
        double lastVal = number(extra, "last_val_loss", Double.NaN, json);
        train.restore(trainState);
        if (valState != null) validation.restore(valState);
        step = (int) loaded.step();
        bestValLoss = best;
        bestStep = bestAt;
        evalsWithoutImprovement = noImprovement;
        lastValLoss = lastVal;
        savedStep = step;
        LOG.log(System.Logger.Level.INFO, "resumed from {0} at step {1}", checkpointDir, step);
    }

    /**
     * Resumes from the newer of the run directory's {@code checkpoints/last} and {@code checkpoints/best} (a run
     * killed before its first periodic checkpoint may still have a {@code best}); if the newer cannot be loaded,
     * the other is tried. Returns the checkpoint resumed from, or null when the run has none yet (training then
     * starts at step 0, which with the same seed is the same run).
     */
    public Path resumeLatest() throws IOException {
        if (config.runDir() == null) throw new IllegalStateException("resumeLatest needs a run directory");
        List<Path> candidates = new ArrayList<>();
        for (String name : List.of("last", "best")) {
            Path dir = config.runDir().resolve("checkpoints").resolve(name);
            Checkpoint.recover(dir);
            if (Files.isDirectory(dir)) candidates.add(dir);
        }
        candidates.sort(java.util.Comparator.comparingLong(Trainer::savedStepOf).reversed()); // stable: last first on ties
        IOException firstFailure = null;
        for (Path dir : candidates) {
            try {
                resume(dir);
                if (firstFailure != null)
                    LOG.log(System.Logger.Level.WARNING, "resumed from " + dir + " instead: " + firstFailure.getMessage());
                return dir;
            } catch (IOException | RuntimeException e) {
                if (firstFailure == null) firstFailure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            }
        }
        if (firstFailure != null) throw firstFailure;
        return null;
    }

    /** The step recorded in a checkpoint's {@code training.json}, or -1 if it cannot be read. */
    private static long savedStepOf(Path dir) {
        try {
            return Checkpoint.savedStep(dir);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Records text (a generated sample, say) for TensorBoard's Text tab at the current step; a callback calls it
     * during {@link #fit}. Without a run directory, or outside {@code fit}, it does nothing.
     */
    public void logText(String tag, String text) {
        if (log != null) log.text(tag, step, text);
    }

    /**
     * Runs until {@code maxSteps}, early stopping or {@link #requestStop}. A run already at {@code maxSteps}
     * (resumed from its final checkpoint) is refused: raise {@code maxSteps} to extend it.
     */
    public TrainingResult fit() {
        if (step >= config.maxSteps())
            throw new IllegalArgumentException("the run is already at step " + step + " of " + config.maxSteps()
                    + ": give more steps to extend it");
        long start = System.nanoTime();
        savedNanos = start;
        for (TrainerCallback c : callbacks) c.onStart(step, config.maxSteps());
        log = config.runDir() == null ? null : MetricsLog.open(config.runDir(), step);
        boolean stoppedEarly = false;
        double lastLoss = Double.NaN;
        try {
            while (step < config.maxSteps() && !stopRequested) {
                StepMetrics m = trainStep();
                lastLoss = m.loss();
                if (log != null) log.step(m);
                notifyCallbacks(c -> c.onStep(m));
                boolean evalNow = validation != null && config.evalInterval() > 0
                        && (step % config.evalInterval() == 0 || step == config.maxSteps());
                if (evalNow) {
                    EvalMetrics e = evaluate();
                    LOG.log(System.Logger.Level.DEBUG, "evaluation at step {0}: validation loss {1}", step, e.loss());
                    if (log != null) log.eval(e);
                    notifyCallbacks(c -> c.onEvaluation(e));
                    if (e.best() && config.runDir() != null) save(config.runDir().resolve("checkpoints/best"));
                    if (config.patience() > 0 && evalsWithoutImprovement >= config.patience()) {
                        stoppedEarly = true;
                        LOG.log(System.Logger.Level.INFO, "early stopping at step {0}: no improvement in {1} evaluations"
                                + " (best {2} at step {3})", step, config.patience(), bestValLoss, bestStep);
                        break;
                    }
                }
                if (config.runDir() != null && checkpointDue()) saveLast();
            }
            if (stopRequested) LOG.log(System.Logger.Level.INFO, "stop requested: stopping after step {0}", step);
            if (config.runDir() != null && savedStep != step) saveLast();
        } finally {
            if (log != null) log.close();
            log = null;
        }
        TrainingResult result = new TrainingResult(step, stoppedEarly, lastLoss,
                Double.isInfinite(bestValLoss) ? Double.NaN : bestValLoss, bestStep, lastValLoss,
                (System.nanoTime() - start) / 1e9);
        notifyCallbacks(c -> c.onEnd(result));
        return result;
    }

    /**
     * Runs a callback hook. Once a stop is requested, a failing callback is logged and skipped rather than costing the
     * final checkpoint: during JVM shutdown (Ctrl-C) much of the platform refuses work (no new shutdown hooks, so no
     * AWT for a plot), while the training state at this step boundary is complete and must be saved.
     */
    private void notifyCallbacks(java.util.function.Consumer<TrainerCallback> hook) {
        for (TrainerCallback c : callbacks) {
            try {
                hook.accept(c);
            } catch (RuntimeException e) {
                if (!stopRequested) throw e;
                LOG.log(System.Logger.Level.WARNING, "while stopping, " + c.getClass().getSimpleName() + " failed: " + e);
            }
        }
    }

    /** Whether the step or time interval of {@code checkpoints/last} has passed. */
    private boolean checkpointDue() {
        if (config.checkpointEverySteps() > 0 && step % config.checkpointEverySteps() == 0) return true;
        return config.checkpointEveryMinutes() > 0
                && System.nanoTime() - savedNanos >= (long) (config.checkpointEveryMinutes() * 60e9);
    }

    private void saveLast() {
        Path dir = config.runDir().resolve("checkpoints/last");
        save(dir);
        savedStep = step;
        savedNanos = System.nanoTime();
        LOG.log(System.Logger.Level.DEBUG, "checkpoint {0} at step {1}", dir, step);
    }

    /** One optimizer step over {@code gradAccumulation} micro-batches. */
    StepMetrics trainStep() {
        long t0 = System.nanoTime();
        int next = step + 1;
        model.train();
        double lr = optimizer.paramGroups().get(0).lr();
        double lossSum = 0;
        long items = 0;
        int accum = config.gradAccumulation();
        for (int micro = 0; micro < accum; micro++) {
            Batch batch = train.next();
            Tensor loss = task.loss(batch);
            double value = loss.item();
            if (!Double.isFinite(value))
                throw new NonFiniteException(next, "loss", "the training loss is " + value + " (micro-batch " + micro + ")");
            lossSum += value;
            items += task.items(batch);
            (accum == 1 ? loss : loss.div(accum)).backward();
        }
        List<Tensor> params = optimizer.paramGroups().stream().flatMap(g -> g.params().stream()).toList();
        double norm = GradClip.clipGradNorm(params, config.clipNorm() > 0 ? config.clipNorm() : Double.POSITIVE_INFINITY, 2.0);
        if (!Double.isFinite(norm)) throw nonFiniteGradient(next, params);
        optimizer.step();
        optimizer.zeroGrad();
        if (schedule instanceof LrScheduler s) s.step();
        step = next;
        double millis = (System.nanoTime() - t0) / 1e6;
        double perSec = items / (millis / 1000.0);
        return new StepMetrics(step, lossSum / accum, lr, norm, millis, items, perSec,
                config.flopsPerItem() * perSec / 1e9);
    }

    /** Mean validation loss over {@code evalBatches} batches, in eval mode and without a graph. */
    public EvalMetrics evaluate() {
        model.eval();
        double sum = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < config.evalBatches(); i++) sum += task.loss(validation.next()).item();
        } finally {
            model.train();
        }
        double loss = sum / config.evalBatches();
        lastValLoss = loss;
        boolean best = loss < bestValLoss - config.minDelta();
        if (best) {
            bestValLoss = loss;
            bestStep = step;
            evalsWithoutImprovement = 0;
        } else {
            evalsWithoutImprovement++;
        }
        if (schedule instanceof ReduceLrOnPlateau plateau) plateau.step(loss);
        return new EvalMetrics(step, loss, Math.exp(loss), best);
    }

    private NonFiniteException nonFiniteGradient(int at, List<Tensor> params) {
        for (Tensor p : params) {
            if (p.grad() == null) continue;
            float[] g = p.grad().toFloatArray();
            for (int i = 0; i < g.length; i++) {
                if (!Float.isFinite(g[i]))
                    return new NonFiniteException(at, "the gradient of " + parameterNames.getOrDefault(p, "a parameter"),
                            "element " + i + " is " + g[i] + " (shape " + java.util.Arrays.toString(p.shape()) + ")");
            }
        }
        return new NonFiniteException(at, "the gradients", "the global norm is not finite");
    }

    private Checkpoint.Training training() {
        return new Checkpoint.Training(checkpointModule != null ? checkpointModule : model, optimizer, schedule, generators);
    }

    private void save(Path dir) {
        Map<String, Object> extra = new LinkedHashMap<>(checkpointExtra);
        extra.put("train_sampler", samplerMap(train.state()));
        if (validation != null) extra.put("validation_sampler", samplerMap(validation.state()));
        if (Double.isFinite(bestValLoss)) extra.put("best_val_loss", bestValLoss);
        extra.put("best_step", bestStep);
        extra.put("evals_without_improvement", evalsWithoutImprovement);
        if (!Double.isNaN(lastValLoss)) extra.put("last_val_loss", lastValLoss);
        try {
            Checkpoint.save(dir, training(), step, extra);
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the checkpoint " + dir, e);
        }
    }

    private static Map<String, Object> samplerMap(BatchSampler.State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<String> gen = new ArrayList<>();
        for (long v : s.generator()) gen.add(Long.toString(v)); // strings: JSON numbers lose 64-bit precision
        m.put("generator", gen);
        m.put("epoch", s.epoch());
        m.put("position", s.position());
        return m;
    }

    /** A sampler state saved by {@link #samplerMap}, every field checked (the file and field named otherwise). */
    private static BatchSampler.State samplerState(Object o, Path json, String field) throws IOException {
        if (!(o instanceof Map<?, ?> m)) throw new IOException(json + ": field \"" + field + "\" is missing or not an object");
        if (!(m.get("generator") instanceof List<?> gen) || gen.size() != 6)
            throw new IOException(json + ": field \"" + field + ".generator\" must be a list of 6 state words, got " + m.get("generator"));
        long[] g = new long[gen.size()];
        for (int i = 0; i < g.length; i++) {
            try {
                g[i] = Long.parseLong(String.valueOf(gen.get(i)));
            } catch (NumberFormatException e) {
                throw new IOException(json + ": field \"" + field + ".generator\" holds " + gen.get(i) + ", not a 64-bit integer");
            }
        }
        return new BatchSampler.State(g, nonNegativeLong(m.get("epoch"), json, field + ".epoch"),
                nonNegativeLong(m.get("position"), json, field + ".position"));
    }

    private static long nonNegativeLong(Object v, Path json, String field) throws IOException {
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 0)
            throw new IOException(json + ": field \"" + field + "\" must be a whole number >= 0, got " + describe(v));
        return ((Number) v).longValue();
    }

    /** A count the trainer keeps as an int: a whole number in [0, 2^31). */
    private static int count(Map<String, Object> extra, String key, Path json) throws IOException {
        Object v = extra.getOrDefault(key, 0);
        if (!(v instanceof Integer i) || i < 0)
            throw new IOException(json + ": field \"extra." + key + "\" must be a whole number in [0, " + Integer.MAX_VALUE
                    + "], got " + describe(v));
        return i;
    }

    private static double number(Map<String, Object> extra, String key, double absent, Path json) throws IOException {
        Object v = extra.get(key);
        if (v == null) return absent;
        if (!(v instanceof Number n)) throw new IOException(json + ": field \"extra." + key + "\" must be a number, got " + describe(v));
        return n.doubleValue();
    }

    private static String describe(Object v) {
        return v instanceof String s ? "the string \"" + s + "\"" : String.valueOf(v);
    }
}
