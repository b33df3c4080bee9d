package dev.jgrad.quant.qlora;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.optim.train.Trainer;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainerConfig;
import dev.jgrad.optim.train.TrainingResult;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.AdapterState;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.checkpoint.JgradCheckpoint;
import dev.jgrad.transformer.data.InstructionData;
import dev.jgrad.transformer.data.InstructionEncoder;
import dev.jgrad.transformer.data.PaddedExampleSampler;
import dev.jgrad.transformer.data.SftExample;
import dev.jgrad.transformer.eval.AnswerMetrics;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.generate.TextGenerator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Instruction fine-tuning (supervised fine-tuning on conversations) and its evaluation:
 * <ol>
 *   <li>the model made trainable by the chosen {@link Method}: LoRA adapters on a 4-bit base (QLoRA, the base
 *       quantized when it was loaded), LoRA adapters on a float32 base, or every weight (full);</li>
 *   <li>before training: the validation loss on assistant tokens, and greedy answers to the first validation
 *       prompts;</li>
 *   <li>training with the {@link Trainer} on batches of whole examples ({@link PaddedExampleSampler}), the loss
 *       counting assistant tokens only (labels elsewhere are {@link SftExample#IGNORE});</li>
 *   <li>after training, with the best weights by validation loss restored: the same measurements, and exact
 *       match, token F1 and ROUGE-L of the answers against the reference answers
 *       ({@link AnswerMetrics}), before and after;</li>
 *   <li>the result saved: the adapter in PEFT's format under {@code runDir/adapter}, or the whole model as a
 *       jgrad checkpoint under {@code runDir/model}.</li>
 * </ol>
 */
public final class InstructionFineTune {

    /** What trains. */
    public enum Method {
        /** LoRA adapters over a base whose block linear layers are 4-bit. */
        QLORA,
        /** LoRA adapters over a float32 base. */
        LORA,
        /** Every weight, in float32. */
        FULL
    }

    /**
     * @param method       what trains; {@code lora} is used by QLORA and LORA only
     * @param steps        optimizer steps
     * @param batch        examples per step (one per row, padded to the longest)
     * @param lr           peak learning rate, after {@code warmup} steps, cosine-decayed to {@code minLr}
     * @param evalInterval steps between validation evaluations
     * @param evalBatches  validation batches per evaluation during training
     * @param patience     evaluations without improvement before stopping (0: never)
     * @param evalAnswers  validation prompts answered before and after (0: none)
     * @param maxNewTokens the longest generated answer
     * @param runDir       metrics, checkpoints and the result (null: nothing written)
     */
    public record Options(Method method, LoraConfig lora, int steps, int batch, double lr, double minLr, int warmup,
                          double weightDecay, double clip, int evalInterval, int evalBatches, int patience,
                          int evalAnswers, int maxNewTokens, long seed, Path runDir, boolean progressBar) {
        public Options {
            if (method == null) throw new IllegalArgumentException("a fine-tuning method is needed");
            if (method != Method.FULL && lora == null) throw new IllegalArgumentException(method + " needs a LoRA config");
            if (steps < 1 || batch < 1 || evalBatches < 1 || evalInterval < 1)
                throw new IllegalArgumentException("steps, batch, eval interval and eval batches must be >= 1");
            if (!(lr > 0) || minLr < 0 || minLr > lr) throw new IllegalArgumentException("need 0 <= min lr <= lr and lr > 0, got " + minLr + ", " + lr);
            if (warmup < 0 || warmup >= steps) throw new IllegalArgumentException("warmup " + warmup + " must be in [0, steps " + steps + ")");
            if (evalAnswers < 0 || maxNewTokens < 1) throw new IllegalArgumentException("eval answers must be >= 0 and max new tokens >= 1");
        }
    }

    /** One evaluated prompt: the conversation so far, the reference answer, the model's answers before and after. */
    public record Answer(List<ChatMessage> prompt, String reference, String before, String after) {
        public AnswerMetrics.Scores beforeScores() {
            return AnswerMetrics.score(before, reference);
        }

        public AnswerMetrics.Scores afterScores() {
            return AnswerMetrics.score(after, reference);
        }
    }

    /**
     * @param validationLossBefore mean cross-entropy per assistant token of the validation set, before
     * @param validationLossAfter  the same after training (best weights)
     * @param before               mean answer scores before (NaN without answers)
     * @param after                mean answer scores after
     * @param saved                the adapter or model directory (null without a run directory)
     */
    public record Report(double validationLossBefore, double validationLossAfter, AnswerMetrics.Scores before,
                         AnswerMetrics.Scores after, List<Answer> answers, long trainableParameters,
                         TrainingResult training, Path saved) {}

    private InstructionFineTune() {}

    /**
     * Makes {@code model} trainable as {@code o.method()} says: adapters attached (QLORA, LORA; the base frozen),
     * or every parameter trainable (FULL).
     */
    public static void prepare(CausalLM model, Options o, Generator gen) {
        if (o.method() == Method.FULL) {
            if (!QuantizedModels.layers(model).isEmpty())
                throw new IllegalArgumentException("full fine-tuning needs a float32 base; this one has 4-bit layers");
            model.requiresGrad(true);
        } else if (Lora.adapters(model).isEmpty()) {
            Lora.attach(model, o.lora(), gen);
        }
    }

    /**
     * The mean cross-entropy per assistant token over all of {@code examples}: each batch's mean weighted by its
     * number of targets, in evaluation mode without a graph.
     */
    public static double validationLoss(CausalLM model, List<SftExample> examples, int batch, int padId) {
        boolean training = model.isTraining();
        model.eval();
        double sum = 0;
        long targets = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int first = 0; first < examples.size(); first += batch) {
                int rows = Math.min(batch, examples.size() - first);
                int[] indices = new int[rows];
                for (int i = 0; i < rows; i++) indices[i] = first + i;
                Batch b = PaddedExampleSampler.batch(examples, indices, padId);
                long n = 0;
                for (int y : b.y()) if (y != SftExample.IGNORE) n++;
                if (n == 0) continue;
                sum += loss(model, b).item() * n;
                targets += n;
            }
        } finally {
            if (training) model.train();
        }
        return targets == 0 ? Double.NaN : sum / targets;
    }

    /** Greedy answers to the prompts of {@code examples}, stopping at any of {@code stopTokens}. */
    public static List<String> answers(CausalLM model, InstructionEncoder encoder, List<SftExample> examples,
                                       int maxNewTokens, int[] stopTokens) {
        List<String> out = new ArrayList<>();
        for (SftExample e : examples) {
            int[] prompt = encoder.encodePrompt(e.prompt());
            int room = model.maxSequenceLength() - prompt.length;
            if (room < 1) {
                out.add("");
                continue;
            }
            GenerationConfig g = GenerationConfig.greedy(Math.min(maxNewTokens, room)).withStopTokens(stopTokens);
            out.add(TextGenerator.generate(model, prompt, g, encoder.tokenizer(), null).text().strip());
        }
        return out;
    }

    /**
     * Fine-tunes {@code model} on {@code data} and evaluates it (see the class comment). The padding id is the
     * tokenizer's EOS (0 without one): any id works, since padded positions are never trained.
     */
    public static Report run(CausalLM model, InstructionEncoder encoder, InstructionData.Prepared data, Options o,
                             int[] stopTokens, String baseName, List<TrainerCallback> callbacks) throws IOException {
        if (data.train().isEmpty()) throw new IllegalArgumentException("no training examples left after truncation");
        if (data.validation().isEmpty())
            throw new IllegalArgumentException("no validation examples: raise the validation fraction or add records");
        for (List<SftExample> split : List.of(data.train(), data.validation()))
            for (SftExample e : split)
                if (e.length() > model.maxSequenceLength())
                    throw new IllegalArgumentException("an example of " + e.length() + " tokens exceeds the model's context of "
                            + model.maxSequenceLength() + "; lower the maximum length");
        int pad = Math.max(0, encoder.tokenizer().eosId());
        Generator gen = new Generator(o.seed());
        prepare(model, o, gen);
        List<SftExample> evalExamples = data.validation().subList(0, Math.min(o.evalAnswers(), data.validation().size()));
        double lossBefore = validationLoss(model, data.validation(), o.batch(), pad);
        List<String> before = answers(model, encoder, evalExamples, o.maxNewTokens(), stopTokens);

        List<Tensor> params = model.trainableParameters();
        long trainable = params.stream().mapToLong(Tensor::numel).sum();
        AdamW optimizer = new AdamW(params, new Adam.Options(o.lr(), 0.9, 0.999, 1e-8, o.weightDecay(), false));
        WarmupCosineLr schedule = new WarmupCosineLr(optimizer, o.warmup(), o.steps(), o.minLr());
        TrainerConfig config = TrainerConfig.builder().maxSteps(o.steps()).clipNorm(o.clip()).evalInterval(o.evalInterval())
                .evalBatches(o.evalBatches()).earlyStopping(o.patience(), 0).runDir(o.runDir())
                .checkpointEvery(o.evalInterval(), 5).build();
        Module saved = o.method() == Method.FULL ? model : new AdapterState(model);
        Trainer trainer = new Trainer(model, optimizer, schedule, b -> loss(model, b),
                new PaddedExampleSampler(data.train(), o.batch(), pad, o.seed() + 1),
                new PaddedExampleSampler(data.validation(), o.batch(), pad, o.seed() + 2),
                Map.of("init", gen), config).withCheckpointModule(saved);
        for (TrainerCallback c : callbacks) trainer.addCallback(c);
        TrainingResult result = trainer.fit();

        Path best = o.runDir() == null ? null : o.runDir().resolve("checkpoints/best");
        if (best != null && Files.isDirectory(best)) Checkpoint.load(best, new Checkpoint.Training(saved, null, null, null));
        double lossAfter = validationLoss(model, data.validation(), o.batch(), pad);
        List<String> after = answers(model, encoder, evalExamples, o.maxNewTokens(), stopTokens);
        List<Answer> table = new ArrayList<>();
        for (int i = 0; i < evalExamples.size(); i++)
            table.add(new Answer(evalExamples.get(i).prompt(), evalExamples.get(i).reference(), before.get(i), after.get(i)));
        Path out = null;
        if (o.runDir() != null) {
            if (o.method() == Method.FULL) {
                out = o.runDir().resolve("model");
                JgradCheckpoint.save(out, model);
            } else {
                out = o.runDir().resolve("adapter");
                PeftAdapter.save(model, o.lora(), out, baseName, model.config() instanceof GptConfig);
            }
        }
        AnswerMetrics.Scores nan = new AnswerMetrics.Scores(Double.NaN, Double.NaN, Double.NaN);
        return new Report(lossBefore, lossAfter,
                table.isEmpty() ? nan : AnswerMetrics.mean(table.stream().map(Answer::beforeScores).toList()),
                table.isEmpty() ? nan : AnswerMetrics.mean(table.stream().map(Answer::afterScores).toList()),
                table, trainable, result, out);
    }

    private static Tensor loss(CausalLM model, Batch b) {
        return model.loss(Tensor.of(b.x(), b.batchSize(), b.blockSize()), Tensor.of(b.y(), b.batchSize(), b.blockSize()));
    }
}
