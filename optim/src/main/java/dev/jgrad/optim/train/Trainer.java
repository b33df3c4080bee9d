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
 * With a run directory it writes {@code metrics.csv}, {@code metrics.jsonl}, {@code checkpoints/last} and
 * {@code checkpoints/best} (atomically, see {@link Checkpoint}); {@link #resume} continues a run exactly where the
 * checkpoint left it (parameters, optimizer moments, schedule, data order, generators).
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

    private int step;
    private double bestValLoss = Double.POSITIVE_INFINITY;
    private int bestStep;
    private double lastValLoss = Double.NaN;
    private int evalsWithoutImprovement;
    private MetricsLog log;

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

    /** Adds a callback (progress output is built in; callbacks add samples, plots, ...). */
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

    /** Restores a run from {@code checkpointDir} (written by this trainer) to continue it. */
    public void resume(Path checkpointDir) throws IOException {
        Checkpoint.Loaded loaded = Checkpoint.load(checkpointDir, training());
        step = Math.toIntExact(loaded.step());
        Map<String, Object> extra = loaded.extra();
        train.restore(samplerState(extra.get("train_sampler")));
        if (validation != null && extra.get("validation_sampler") != null)
            validation.restore(samplerState(extra.get("validation_sampler")));
        bestValLoss = ((Number) extra.getOrDefault("best_val_loss", Double.POSITIVE_INFINITY)).doubleValue();
        bestStep = ((Number) extra.getOrDefault("best_step", 0)).intValue();
        evalsWithoutImprovement = ((Number) extra.getOrDefault("evals_without_improvement", 0)).intValue();
        Object last = extra.get("last_val_loss");
        lastValLoss = last == null ? Double.NaN : ((Number) last).doubleValue();
    }

    /**
     * Records text (a generated sample, say) for TensorBoard's Text tab at the current step; a callback calls it
     * during {@link #fit}. Without a run directory, or outside {@code fit}, it does nothing.
     */
    public void logText(String tag, String text) {
        if (log != null) log.text(tag, step, text);
    }

    /** Runs until {@code maxSteps} or early stopping. */
    public TrainingResult fit() {
        long start = System.nanoTime();
        Progress progress = new Progress(config, step);
        log = config.runDir() == null ? null : MetricsLog.open(config.runDir(), step > 0);
        boolean stoppedEarly = false;
        double lastLoss = Double.NaN;
        try {
            while (step < config.maxSteps()) {
                StepMetrics m = trainStep();
                lastLoss = m.loss();
                progress.onStep(m, bestValLoss);
                if (log != null) log.step(m);
                for (TrainerCallback c : callbacks) c.onStep(m);
                boolean evalNow = validation != null && config.evalInterval() > 0
                        && (step % config.evalInterval() == 0 || step == config.maxSteps());
                if (evalNow) {
                    EvalMetrics e = evaluate();
                    progress.onEval(e);
                    if (log != null) log.eval(e);
                    for (TrainerCallback c : callbacks) c.onEvaluation(e);
                    if (e.best() && config.runDir() != null) save(config.runDir().resolve("checkpoints/best"));
                    if (config.patience() > 0 && evalsWithoutImprovement >= config.patience()) {
                        stoppedEarly = true;
                        progress.message("early stopping at step " + step + ": no improvement of the validation loss"
                                + " in " + config.patience() + " evaluations (best " + String.format("%.4f", bestValLoss)
                                + " at step " + bestStep + ")");
                        break;
                    }
                }
                if (config.runDir() != null && config.checkpointInterval() > 0 && step % config.checkpointInterval() == 0)
                    save(config.runDir().resolve("checkpoints/last"));
            }
            if (config.runDir() != null) save(config.runDir().resolve("checkpoints/last"));
        } finally {
            progress.finish();
            if (log != null) log.close();
            log = null;
        }
        TrainingResult result = new TrainingResult(step, stoppedEarly, lastLoss,
                Double.isInfinite(bestValLoss) ? Double.NaN : bestValLoss, bestStep, lastValLoss,
                (System.nanoTime() - start) / 1e9);
        for (TrainerCallback c : callbacks) c.onEnd(result);
        return result;
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

    @SuppressWarnings("unchecked")
    private static BatchSampler.State samplerState(Object o) {
        if (!(o instanceof Map<?, ?> raw)) throw new IllegalArgumentException("checkpoint has no sampler state");
        Map<String, Object> m = (Map<String, Object>) raw;
        List<Object> gen = (List<Object>) m.get("generator");
        long[] g = new long[gen.size()];
        for (int i = 0; i < g.length; i++) g[i] = Long.parseLong(gen.get(i).toString());
        return new BatchSampler.State(g, ((Number) m.get("epoch")).longValue(), ((Number) m.get("position")).longValue());
    }
}
