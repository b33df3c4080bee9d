package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.BatchSampler;
import dev.jgrad.nn.data.RandomWindowSampler;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.WarmupCosineLr;
import dev.jgrad.optim.train.StepMetrics;
import dev.jgrad.optim.train.Trainer;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainerConfig;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.tokenizer.CharTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Shakespeare-char recipe trained by jgrad from PyTorch's initial weights on PyTorch's batches: the other half
 * of {@code benchmarks/scripts/shakespeare-char-parity.sh}. With the randomness taken out, the two frameworks must
 * follow the same loss curve (float32 rounding apart) and end at the same validation loss.
 *
 * <pre>
 * java --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.ShakespeareParity \
 *     TINYSHAKESPEARE INIT.safetensors OFFSETS LOSSES_OUT
 * </pre>
 * Training runs through the same {@link Trainer} as {@code ./jgrad train --recipe shakespeare-char} (AdamW with
 * decay on matrices only, warmup + cosine schedule, clipping at 1.0); the batches come from OFFSETS (one line of
 * 12 start offsets per iteration, written by the PyTorch run). Prints {@code FULLVAL loss=...} over the whole
 * validation split in consecutive windows, as the PyTorch script does.
 */
public final class ShakespeareParity {

    private static final int BATCH = 12, BLOCK = 64;

    private ShakespeareParity() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 4)
            throw new IllegalArgumentException("usage: ShakespeareParity TINYSHAKESPEARE INIT.safetensors OFFSETS LOSSES_OUT");
        String text = Files.readString(Path.of(args[0]));
        int[] ids = CharTokenizer.fromText(text).encode(text);          // nanoGPT's prepare.py: sorted distinct characters
        int split = (int) (0.9 * ids.length);                            // nanoGPT: int(0.9 * len(data))
        int[] train = java.util.Arrays.copyOfRange(ids, 0, split), val = java.util.Arrays.copyOfRange(ids, split, ids.length);
        List<int[]> offsets = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[2])))
            if (!line.isBlank()) offsets.add(java.util.Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray());

        GptModel model = new GptModel(new GptConfig(65, BLOCK, 128, 4, 4, 0.0, false, 1e-5, true, false), new Generator(0));
        var load = model.loadStateDict(Safetensors.load(Path.of(args[1])), true);
        System.out.println("initial weights: " + load);
        List<Tensor> decay = new ArrayList<>(), noDecay = new ArrayList<>();
        for (Tensor p : model.parameters()) (p.rank() >= 2 ? decay : noDecay).add(p);
        Adam.Options options = new Adam.Options(1e-3, 0.9, 0.99, 1e-8, 0.1, false);
        AdamW optimizer = new AdamW(decay, options);
        optimizer.addParamGroup(noDecay, options.withWeightDecay(0));
        WarmupCosineLr schedule = new WarmupCosineLr(optimizer, 100, offsets.size(), 1e-4);

        TrainerConfig config = TrainerConfig.builder().maxSteps(offsets.size()).clipNorm(1.0)
                .evalInterval(offsets.size()).evalBatches(20).build();
        Trainer trainer = new Trainer(model, optimizer, schedule,
                b -> model.loss(Tensor.of(b.x(), BATCH, BLOCK), Tensor.of(b.y(), BATCH, BLOCK)),
                new Replay(train, offsets), new RandomWindowSampler(TokenSource.of(val), BATCH, BLOCK, 1), Map.of(), config);
        List<String> log = new ArrayList<>();
        trainer.addCallback(new TrainerCallback() {
            @Override
            public void onStep(StepMetrics m) {
                log.add(String.format(Locale.ROOT, "%d %.6f %.6f", m.step() - 1, m.loss(), m.gradNorm()));
            }
        });
        trainer.fit();
        Files.write(Path.of(args[3]), log);
        System.out.printf(Locale.ROOT, "FULLVAL loss=%.4f%n", fullValidationLoss(model, val));
    }

    /** Mean loss over consecutive (BATCH, BLOCK) windows covering the validation split. */
    static double fullValidationLoss(GptModel model, int[] val) {
        model.eval();
        int rows = BATCH * BLOCK, n = 0;
        double sum = 0;
        try (NoGrad ignored = NoGrad.enter()) {
            for (int s = 0; s < val.length - rows - 1; s += rows) {
                int[] x = java.util.Arrays.copyOfRange(val, s, s + rows), y = java.util.Arrays.copyOfRange(val, s + 1, s + 1 + rows);
                sum += model.loss(Tensor.of(x, BATCH, BLOCK), Tensor.of(y, BATCH, BLOCK)).item();
                n++;
            }
        }
        return sum / n;
    }

    /** The training batches of the PyTorch run, in order. */
    private static final class Replay implements BatchSampler {
        private final int[] tokens;
        private final List<int[]> offsets;
        private int next;

        Replay(int[] tokens, List<int[]> offsets) {
            this.tokens = tokens;
            this.offsets = offsets;
        }

        @Override
        public Batch next() {
            int[] starts = offsets.get(next++);
            int[] x = new int[BATCH * BLOCK], y = new int[BATCH * BLOCK];
            for (int b = 0; b < BATCH; b++) {
                System.arraycopy(tokens, starts[b], x, b * BLOCK, BLOCK);
                System.arraycopy(tokens, starts[b] + 1, y, b * BLOCK, BLOCK);
            }
            return new Batch(BATCH, BLOCK, x, y);
        }

        @Override
        public State state() {
            return new State(new long[] {1, 0, 0, 0, 0, 0}, 0, next);
        }

        @Override
        public void restore(State state) {
            next = (int) state.position();
        }
    }
}
