package dev.jgrad.quant.qlora;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.RandomWindowSampler;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.optim.train.Trainer;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainerConfig;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.AdapterState;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.lora.LoraLinear;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * QLoRA fine-tuning (Dettmers et al. 2023) of a causal language model on a new domain:
 * <ol>
 *   <li>the base model's block linear layers in 4 bits (NF4, double quantization): loaded that way with
 *       {@link QuantizedModels#load} (the float model never exists), or quantized in place by {@link #prepare};</li>
 *   <li>LoRA adapters attached to the target layers ({@link Lora#attach}); everything else frozen;</li>
 *   <li>perplexity measured before training on the new domain's validation text and, when given, on the original
 *       domain's (to see what fine-tuning costs there: forgetting);</li>
 *   <li>the adapters trained with the {@link Trainer} (AdamW, warmup and cosine decay, gradient clipping, validation
 *       perplexity, early stopping, checkpoints of the adapters alone), gradients flowing through the frozen 4-bit
 *       layers to earlier adapters;</li>
 *   <li>the best adapters (by validation loss) restored, perplexities measured again on the same windows, and the
 *       adapters saved in PEFT's format ({@link PeftAdapter}) under {@code runDir/adapter}.</li>
 * </ol>
 */
public final class QLoraFineTune {

    private QLoraFineTune() {}

    /**
     * @param lora         the adapters
     * @param quant        how the base is quantized, or null to keep (or leave) the base as it is
     * @param steps        optimizer steps
     * @param batch        sequences per step
     * @param block        tokens per sequence
     * @param lr           peak learning rate (after {@code warmup} steps), decayed by a cosine to {@code minLr}
     * @param weightDecay  AdamW's decoupled decay on the adapters (PEFT/Hugging Face default: 0)
     * @param clip         global gradient-norm clip (0: none)
     * @param evalInterval steps between validation evaluations
     * @param evalBatches  batches per evaluation, and per perplexity measurement
     * @param patience     evaluations without improvement before stopping early (0: never)
     * @param seed         adapter initialisation, dropout, data order
     * @param runDir       metrics, adapter checkpoints and the saved adapter (null: nothing written)
     * @param progressBar  a live progress bar (else plain log lines) in the caller's progress callback
     * @param checkpointEverySteps   save the adapters' {@code checkpoints/last} every this many steps (≤ 0: not by steps)
     * @param checkpointEveryMinutes ... and whenever this many minutes have passed since the last save (≤ 0: not by time)
     */
    public record Options(LoraConfig lora, QuantSpec quant, int steps, int batch, int block, double lr, double minLr,
                          int warmup, double weightDecay, double clip, int evalInterval, int evalBatches, int patience,
                          long seed, Path runDir, boolean progressBar, int checkpointEverySteps,
                          double checkpointEveryMinutes) {

        /** Options that checkpoint every evaluation interval and every 5 minutes. */
        public Options(LoraConfig lora, QuantSpec quant, int steps, int batch, int block, double lr, double minLr,
                       int warmup, double weightDecay, double clip, int evalInterval, int evalBatches, int patience,
                       long seed, Path runDir, boolean progressBar) {
            this(lora, quant, steps, batch, block, lr, minLr, warmup, weightDecay, clip, evalInterval, evalBatches, patience,
                    seed, runDir, progressBar, evalInterval, 5);
        }

        public Options {
            if (lora == null) throw new IllegalArgumentException("a LoRA config is needed");
            if (steps < 1 || batch < 1 || block < 2 || evalBatches < 1)
                throw new IllegalArgumentException("steps, batch, eval batches must be >= 1 and block >= 2 (got steps " + steps
                        + ", batch " + batch + ", block " + block + ", eval batches " + evalBatches + ")");
            if (!(lr > 0) || minLr < 0 || minLr > lr) throw new IllegalArgumentException("need 0 <= min lr <= lr and lr > 0, got " + minLr + ", " + lr);
            if (warmup < 0 || warmup >= steps) throw new IllegalArgumentException("warmup " + warmup + " must be in [0, steps " + steps + ")");
            if (checkpointEverySteps < 0 || !(checkpointEveryMinutes >= 0))
                throw new IllegalArgumentException("checkpoint intervals must be >= 0 (0: off), got " + checkpointEverySteps
                        + " steps and " + checkpointEveryMinutes + " minutes");
        }
    }

    /** Perplexities before and after, what trained, what the base costs in memory, and the training run. */
    public record Report(double newDomainBefore, double newDomainAfter, double originalBefore, double originalAfter,
                         long trainableParameters, QuantizedModels.Memory baseMemory, TrainingResult training, Path adapterDir) {}

    /**
     * Quantizes the model's float block linear layers with {@code options.quant()} (if any are still float and a
     * spec is given), then freezes it and attaches the adapters. Returns the adapters by path.
     */
    public static Map<String, LoraLinear> prepare(CausalLM model, Options options, Generator gen) {
        if (options.quant() != null) QuantizedModels.quantize(model, options.quant());
        return Lora.attach(model, options.lora(), gen);
    }

    /**
     * Perplexity {@code exp(mean loss)} over {@code batches} batches of windows drawn with a fixed seed, in
     * evaluation mode without a graph: the same windows every call, so before and after compare like with like.
     */
    public static double perplexity(CausalLM model, TokenSource tokens, int batch, int block, int batches, long seed) {
        boolean training = model.isTraining();
        model.eval();
        RandomWindowSampler windows = new RandomWindowSampler(tokens, batch, block, seed);
        double sum = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int i = 0; i < batches; i++) sum += loss(model, windows.next()).item();
        } finally {
            if (training) model.train();
        }
        return Math.exp(sum / batches);
    }

    private static Tensor loss(CausalLM model, Batch b) {
        return model.loss(Tensor.of(b.x(), b.batchSize(), b.blockSize()), Tensor.of(b.y(), b.batchSize(), b.blockSize()));
    }

    /**
     * Fine-tunes {@code model} (see the class comment): prepares it unless it already has adapters, measures,
     * trains, restores the best adapters, measures again and saves them.
     *
     * @param original  validation tokens of the original domain, or null
     * @param baseName  recorded in the adapter's config as {@code base_model_name_or_path}
     * @param callbacks extra trainer callbacks (samples, plots)
     */
    public static Report run(CausalLM model, TokenSource train, TokenSource validation, TokenSource original,
                             Options o, String baseName, List<TrainerCallback> callbacks) throws IOException {
        long need = o.block() + 1L;
        if (train.size() < need || validation.size() < need || (original != null && original.size() < need))
            throw new IllegalArgumentException("fine-tuning needs at least one window of " + need + " tokens in each split (train "
                    + train.size() + ", validation " + validation.size() + (original == null ? "" : ", original " + original.size()) + ")");
        Generator gen = new Generator(o.seed());
        if (Lora.adapters(model).isEmpty()) prepare(model, o, gen);
        long seedEval = o.seed() + 7;
        double newBefore = perplexity(model, validation, o.batch(), o.block(), o.evalBatches(), seedEval);
        double origBefore = original == null ? Double.NaN : perplexity(model, original, o.batch(), o.block(), o.evalBatches(), seedEval);

        List<Tensor> params = model.trainableParameters();
        AdamW optimizer = new AdamW(params, new Adam.Options(o.lr(), 0.9, 0.999, 1e-8, o.weightDecay(), false));
        WarmupCosineLr schedule = new WarmupCosineLr(optimizer, o.warmup(), o.steps(), o.minLr());
        long frozen = QuantizedModels.memory(model).parameters() + model.numParameters();
        TrainerConfig config = TrainerConfig.builder().maxSteps(o.steps()).clipNorm(o.clip()).evalInterval(o.evalInterval())
                .evalBatches(o.evalBatches()).earlyStopping(o.patience(), 0).runDir(o.runDir())
                .checkpointEvery(o.checkpointEverySteps(), o.checkpointEveryMinutes())
                // forward 2N, backward to the inputs 2N, adapter weight gradients 2·(adapter params)
                .flopsPerItem(4.0 * frozen + 2.0 * Lora.adapterParameterCount(model))
                .build();
        AdapterState adapters = new AdapterState(model);
        Trainer trainer = new Trainer(model, optimizer, schedule, b -> loss(model, b),
                new RandomWindowSampler(train, o.batch(), o.block(), o.seed() + 1),
                new RandomWindowSampler(validation, o.batch(), o.block(), o.seed() + 2),
                Map.of("lora", gen), config).withCheckpointModule(adapters);
        for (TrainerCallback c : callbacks) trainer.addCallback(c);
        TrainingResult result = trainer.fit();

        Path best = o.runDir() == null ? null : o.runDir().resolve("checkpoints/best");
        if (best != null && Files.isDirectory(best)) Checkpoint.load(best, new Checkpoint.Training(adapters, null, null, null));
        double newAfter = perplexity(model, validation, o.batch(), o.block(), o.evalBatches(), seedEval);
        double origAfter = original == null ? Double.NaN : perplexity(model, original, o.batch(), o.block(), o.evalBatches(), seedEval);
        Path adapterDir = null;
        if (o.runDir() != null) {
            adapterDir = o.runDir().resolve("adapter");
            PeftAdapter.save(model, o.lora(), adapterDir, baseName, model.config() instanceof GptConfig);
        }
        return new Report(newBefore, newAfter, origBefore, origAfter, Lora.adapterParameterCount(model),
                QuantizedModels.memory(model), result, adapterDir);
    }
}
