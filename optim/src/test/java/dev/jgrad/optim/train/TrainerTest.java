package dev.jgrad.optim.train;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.Batch;
import dev.jgrad.nn.data.RandomWindowSampler;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.nn.functional.F;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.WarmupCosineLr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    /** A bigram language model with dropout: embedding → dropout → linear head. */
    static final class Bigram extends Module {
        Bigram(int vocab, int dim, Generator init, Generator dropout) {
            registerModule("embed", new Embedding(vocab, dim, init));
            registerModule("drop", new Dropout(0.2, dropout));
            registerModule("head", new Linear(dim, vocab, true, init));
        }

        Tensor loss(Batch b) {
            Tensor ids = Tensor.of(b.x(), b.batchSize(), b.blockSize());
            Tensor h = this.<Embedding>child("embed").forward(ids);                         // (B, T, C)
            Tensor logits = this.<Linear>child("head").forward(this.<Dropout>child("drop").forward(h)); // (B, T, V)
            return F.crossEntropy(logits, Tensor.of(b.y(), b.batchSize(), b.blockSize()));
        }
    }

    static TokenSource corpus(int n, int vocab, long seed) {
        Generator g = new Generator(seed);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) t[i] = (t[i - 1] * 3 + g.nextInt(3)) % vocab; // learnable transitions
        return TokenSource.of(t);
    }

    record Run(Bigram model, AdamW opt, Trainer trainer, List<Double> losses) {}

    static Run build(Path runDir, int maxSteps) {
        Generator init = new Generator(1), dropout = new Generator(2);
        Bigram model = new Bigram(16, 8, init, dropout);
        AdamW opt = new AdamW(model.parameters(), new Adam.Options(3e-2, 0.9, 0.99, 1e-8, 0.1, false));
        WarmupCosineLr sched = new WarmupCosineLr(opt, 5, 30, 3e-3);
        TokenSource tokens = corpus(4000, 16, 7);
        TrainerConfig cfg = TrainerConfig.builder().maxSteps(maxSteps).evalInterval(5).evalBatches(3).clipNorm(1.0)
                .runDir(runDir).build();
        List<Double> losses = new ArrayList<>();
        Trainer t = new Trainer(model, opt, sched, model::loss, new RandomWindowSampler(tokens, 4, 8, 11),
                new RandomWindowSampler(tokens, 4, 8, 12), Map.of("dropout", dropout), cfg);
        t.addCallback(new TrainerCallback() {
            @Override
            public void onStep(StepMetrics m) {
                losses.add(m.loss());
            }
        });
        return new Run(model, opt, t, losses);
    }

    @Test
    void resumingContinuesExactlyLikeAnUninterruptedRun(@TempDir Path dir) throws Exception {
        Run straight = build(dir.resolve("straight"), 20);
        straight.trainer().fit();

        Run first = build(dir.resolve("resumed"), 10);
        first.trainer().fit();                               // writes checkpoints/last at step 10
        Run second = build(dir.resolve("resumed"), 20);      // fresh objects, same seeds
        second.trainer().resume(dir.resolve("resumed/checkpoints/last"));
        assertEquals(10, second.trainer().step());
        second.trainer().fit();

        List<Double> combined = new ArrayList<>(first.losses());
        combined.addAll(second.losses());
        assertEquals(straight.losses(), combined, "losses must be bit-identical");
        for (var e : straight.model().namedParameters().entrySet())
            assertArrayEquals(e.getValue().toFloatArray(), second.model().namedParameters().get(e.getKey()).toFloatArray(),
                    e.getKey());
        // the metrics of the resumed run were appended to the same files
        List<String> csv = Files.readAllLines(dir.resolve("resumed/metrics.csv"));
        assertEquals(MetricsLog.CSV_HEADER, csv.get(0));
        assertEquals(20, csv.stream().filter(l -> l.startsWith("train,")).count());
        assertTrue(Files.exists(dir.resolve("resumed/checkpoints/best/model.safetensors")));
    }

    @Test
    void trainingLowersTheValidationLoss(@TempDir Path dir) {
        Run run = build(dir, 30);
        List<EvalMetrics> evals = new ArrayList<>();
        run.trainer().addCallback(new TrainerCallback() {
            @Override
            public void onEvaluation(EvalMetrics m) {
                evals.add(m);
            }
        });
        TrainingResult r = run.trainer().fit();
        assertEquals(6, evals.size());
        assertTrue(evals.get(5).loss() < evals.get(0).loss() - 0.3, evals.toString());
        assertEquals(Math.exp(evals.get(5).loss()), evals.get(5).perplexity(), 1e-9);
        assertEquals(r.bestValLoss(), evals.stream().mapToDouble(EvalMetrics::loss).min().orElseThrow());
        assertFalse(r.stoppedEarly());
    }

    /** A task whose validation loss follows a script; training minimises (w − 1)². */
    static class Scripted extends Module {
        final double[] valLosses;
        int evalCalls;

        Scripted(double... valLosses) {
            this.valLosses = valLosses;
            registerParameter("w", Tensor.zeros(1));
        }

        Tensor loss(Batch b) {
            if (!isTraining()) return Tensor.scalar(valLosses[Math.min(evalCalls++, valLosses.length - 1)]);
            return parameter("w").sub(1.0).square().sum();
        }
    }

    @Test
    void earlyStoppingTriggersAtTheRightStep() {
        // evaluations every 10 steps, one batch each: 1.0 (best), 0.8 (best), 0.795 and 0.79 (not better by > 0.01)
        Scripted model = new Scripted(1.0, 0.8, 0.795, 0.79, 0.5);
        AdamW opt = new AdamW(model.parameters(), new Adam.Options(1e-2, 0.9, 0.999, 1e-8, 0, false));
        TokenSource tokens = corpus(100, 4, 1);
        TrainerConfig cfg = TrainerConfig.builder().maxSteps(100).evalInterval(10).evalBatches(1)
                .earlyStopping(2, 0.01).build();
        TrainingResult r = new Trainer(model, opt, null, model::loss, new RandomWindowSampler(tokens, 1, 4, 1),
                new RandomWindowSampler(tokens, 1, 4, 2), Map.of(), cfg).fit();
        assertTrue(r.stoppedEarly());
        assertEquals(40, r.steps());
        assertEquals(20, r.bestStep());
        assertEquals((double) 0.8f, r.bestValLoss()); // the scripted loss is a float32 scalar
        assertEquals((double) 0.79f, r.lastValLoss());
    }

    @Test
    void aNanLossStopsWithTheStep() {
        Scripted model = new Scripted(1.0) {
            int calls;

            @Override
            Tensor loss(Batch b) {
                return ++calls == 3 ? Tensor.scalar(Double.NaN) : super.loss(b);
            }
        };
        AdamW opt = new AdamW(model.parameters(), new Adam.Options(1e-2, 0.9, 0.999, 1e-8, 0, false));
        TokenSource tokens = corpus(100, 4, 1);
        Trainer t = new Trainer(model, opt, null, model::loss, new RandomWindowSampler(tokens, 1, 4, 1), null, Map.of(),
                TrainerConfig.builder().maxSteps(10).build());
        NonFiniteException e = assertThrows(NonFiniteException.class, t::fit);
        assertEquals(3, e.step());
        assertEquals("loss", e.tensor());
    }

    @Test
    void aNonFiniteGradientNamesTheParameter() {
        // d/dw √w at w = 0 is infinite while the loss (0) is finite
        Module model = new Module() {
            {
                registerModule("layer", new Module() {
                    {
                        registerParameter("weight", Tensor.zeros(2));
                    }
                });
            }
        };
        Tensor w = model.namedParameters().get("layer.weight");
        AdamW opt = new AdamW(model.parameters(), new Adam.Options(1e-2, 0.9, 0.999, 1e-8, 0, false));
        TokenSource tokens = corpus(100, 4, 1);
        Trainer t = new Trainer(model, opt, null, b -> w.sqrt().sum(), new RandomWindowSampler(tokens, 1, 4, 1), null,
                Map.of(), TrainerConfig.builder().maxSteps(5).build());
        NonFiniteException e = assertThrows(NonFiniteException.class, t::fit);
        assertEquals(1, e.step());
        assertTrue(e.getMessage().contains("layer.weight"), e.getMessage());
    }
}
