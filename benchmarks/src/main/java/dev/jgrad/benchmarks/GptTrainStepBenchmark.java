package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.gpt.GptModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One GPT-2-small training step (forward, loss, backward; no optimizer update) on {@link #BATCH}×{@link #TOKENS}
 * random tokens, for reference: about {@code 6·124M·B·T} floating-point operations plus attention.
 * {@code ./jgrad bench GptTrainStep -jvmArgsAppend -Djgrad.threads=2}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g",
        "-XX:+UseParallelGC"})
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class GptTrainStepBenchmark {

    public static final int BATCH = 2, TOKENS = 128;

    GptModel gpt;
    Tensor ids, targets;

    @Setup(Level.Trial)
    public void setup() {
        Generator gen = new Generator(1);
        gpt = new GptModel(GptConfig.gpt2Small(), gen);
        int v = gpt.vocabSize();
        long[] a = new long[BATCH * TOKENS], b = new long[BATCH * TOKENS];
        for (int i = 0; i < a.length; i++) {
            a[i] = gen.nextInt(v);
            b[i] = gen.nextInt(v);
        }
        ids = Tensor.of(a, BATCH, TOKENS);
        targets = Tensor.of(b, BATCH, TOKENS);
    }

    /** 6·N·B·T with N = 124M (85M in the blocks, the rest in the tied embedding, used as the head). */
    public static double flops() {
        return 6.0 * GptConfig.gpt2Small().parameterCount() * BATCH * TOKENS;
    }

    @Benchmark
    public double trainStep() {
        gpt.zeroGrad();
        Tensor loss = CausalLM.lossFrom(gpt.forward(ids), targets);
        loss.backward();
        return loss.item();
    }
}
