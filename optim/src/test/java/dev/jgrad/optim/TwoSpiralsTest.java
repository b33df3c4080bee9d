package dev.jgrad.optim;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.ReLU;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.data.DataLoader;
import dev.jgrad.nn.data.TensorDataset;
import dev.jgrad.nn.functional.F;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: an MLP with dropout learns the two-spirals problem (Lang and Witbrock, 1988) to at least 99%
 * training accuracy, measured in evaluation mode; evaluation outputs are deterministic and differ from
 * training-mode (dropout) outputs. The same MLP also learns from shuffled minibatches of a {@link DataLoader}.
 */
class TwoSpiralsTest {

    static final int PER_CLASS = 100;

    /** Two interleaved spirals, 1.5 turns each, the second the first rotated by π. */
    static Tensor[] spirals() {
        float[] x = new float[2 * PER_CLASS * 2];
        long[] y = new long[2 * PER_CLASS];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < PER_CLASS; i++) {
                double t = (double) i / PER_CLASS, r = 0.1 + 0.9 * t, theta = 3 * Math.PI * t + c * Math.PI;
                int n = c * PER_CLASS + i;
                x[2 * n] = (float) (r * Math.cos(theta));
                x[2 * n + 1] = (float) (r * Math.sin(theta));
                y[n] = c;
            }
        }
        return new Tensor[] {Tensor.of(x, 2 * PER_CLASS, 2), Tensor.of(y)};
    }

    static double accuracy(Tensor logits, Tensor y) {
        long[] pred = logits.argmax(1, false).toLongArray(), t = y.toLongArray();
        int ok = 0;
        for (int i = 0; i < t.length; i++) if (pred[i] == t[i]) ok++;
        return (double) ok / t.length;
    }

    @Test
    void anMlpWithDropoutLearnsTwoSpirals() {
        Tensor[] data = spirals();
        Tensor x = data[0], y = data[1];
        Generator init = new Generator(42), drop = new Generator(43);
        Sequential model = new Sequential(new Linear(2, 64, true, init), new ReLU(), new Dropout(0.1, drop),
                new Linear(64, 64, true, init), new ReLU(), new Dropout(0.1, drop), new Linear(64, 2, true, init));
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(0.01));
        double acc = 0;
        for (int step = 1; step <= 3000 && acc < 1.0; step++) {
            model.train();
            opt.zeroGrad();
            F.crossEntropy(model.forward(x), y).backward();
            opt.step();
            if (step % 100 == 0) {
                model.eval();
                try (NoGrad ignored = NoGrad.enter()) {
                    acc = accuracy(model.forward(x), y);
                }
            }
        }
        assertTrue(acc >= 0.99, "training accuracy in eval mode " + acc);

        model.eval();
        float[] e1, e2, t1, t2;
        try (NoGrad ignored = NoGrad.enter()) {
            e1 = model.forward(x).toFloatArray();
            e2 = model.forward(x).toFloatArray();
            model.train();
            t1 = model.forward(x).toFloatArray();
            t2 = model.forward(x).toFloatArray();
        }
        assertArrayEquals(e1, e2, "evaluation is deterministic");
        assertNotEquals(java.util.Arrays.toString(e1), java.util.Arrays.toString(t1), "dropout changes training-mode outputs");
        assertNotEquals(java.util.Arrays.toString(t1), java.util.Arrays.toString(t2), "each training forward draws a new mask");
    }

    @Test
    void anMlpLearnsTwoSpiralsFromShuffledMinibatches() {
        Tensor[] data = spirals();
        Tensor x = data[0], y = data[1];                                    // (200, 2), (200)
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(x, y))
                .batchSize(32).shuffle(44).build();                         // 7 batches per epoch, the last of 8
        Generator init = new Generator(42);
        Sequential model = new Sequential(new Linear(2, 64, true, init), new ReLU(),
                new Linear(64, 64, true, init), new ReLU(), new Linear(64, 2, true, init));
        Adam opt = new Adam(model.parameters(), Adam.Options.lr(0.01));
        double acc = 0;
        for (int epoch = 1; epoch <= 600 && acc < 1.0; epoch++) {
            for (List<Tensor> batch : loader) {                             // [x (32, 2), y (32)]
                opt.zeroGrad();
                F.crossEntropy(model.forward(batch.get(0)), batch.get(1)).backward();
                opt.step();
            }
            if (epoch % 20 == 0) {
                try (NoGrad ignored = NoGrad.enter()) {
                    acc = accuracy(model.forward(x), y);
                }
            }
        }
        assertTrue(acc >= 0.99, "training accuracy " + acc + " after " + loader.epochsStarted() + " epochs");
    }
}
