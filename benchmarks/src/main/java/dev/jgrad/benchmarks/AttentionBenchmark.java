package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.Attention;
import dev.jgrad.core.ops.AttentionOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Causal self-attention, forward + backward, at GPT-2-like sizes: {@code B = 12}, sequence length {@code T},
 * model width {@code C = H · 64} (head dimension 64).
 *
 * <ul>
 *   <li>{@code flash}: the fused op ({@link Attention#scaledDotProductAttention}, tiled flash-attention-2 kernels);</li>
 *   <li>{@code flashSgemmTiles}: the same kernels with every tile product done by {@code VectorSgemm} (packed
 *       panels) instead of the register-tiled products, {@code -Djgrad.attention.tiles=sgemm};</li>
 *   <li>{@code naive}: the materialised, matmul-based composition {@code softmax(q·kᵀ·scale + causal bias)·v} with
 *       autograd, which stores {@code (B, H, T, T)} scores, weights and their gradients. At T = 2048 that is
 *       2.4 GB per tensor: run it only up to T = 1024.</li>
 * </ul>
 *
 * <p>Scores are milliseconds per forward+backward. FLOPs of useful work, the same count for every method:
 * a non-causal forward is two GEMMs, {@code 4·B·T²·C}; the backward five, {@code 2.5×} that; causal halves both, so
 * forward+backward = {@code 7·B·T²·C} ({@link #flops}). {@link AttentionGflops} turns a JSON result into GFLOPS.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx12g"})
public class AttentionBenchmark {

    static final int BATCH = 12, HEAD_DIM = 64;

    @Param({"64", "256", "1024", "2048"})
    public int T;

    @Param({"128", "768"})
    public int C;

    private Tensor q, k, v, gradOut, causalBias;

    /** Useful floating-point operations of one causal forward + backward: {@code 7·B·T²·C}. */
    public static double flops(int t, int c) {
        return 7.0 * BATCH * t * (double) t * c;
    }

    @Setup(Level.Trial)
    public void setUp() {
        Generator g = new Generator(1);
        int h = C / HEAD_DIM;
        q = Tensor.randn(g, BATCH, h, T, HEAD_DIM).requiresGrad(true);
        k = Tensor.randn(g, BATCH, h, T, HEAD_DIM).requiresGrad(true);
        v = Tensor.randn(g, BATCH, h, T, HEAD_DIM).requiresGrad(true);
        gradOut = Tensor.randn(g, BATCH, h, T, HEAD_DIM);
        float[] bias = new float[T * T];
        for (int i = 0; i < T; i++) for (int j = i + 1; j < T; j++) bias[i * T + j] = Float.NEGATIVE_INFINITY;
        causalBias = Tensor.of(bias, T, T);
    }

    private Tensor finish(Tensor out) {
        out.backward(gradOut);
        Tensor dq = q.grad();
        q.setGrad(null);
        k.setGrad(null);
        v.setGrad(null);
        return dq;
    }

    @Benchmark
    public Tensor flash() {
        return finish(Attention.scaledDotProductAttention(q, k, v, AttentionOptions.DEFAULT.withCausal(true)));
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx12g", "-Djgrad.attention.tiles=sgemm"})
    public Tensor flashSgemmTiles() {
        return flash();
    }

    @Benchmark
    public Tensor naive() {
        Tensor scores = q.matmul(k.transpose(2, 3)).mul(1 / Math.sqrt(HEAD_DIM)).add(causalBias); // (B, H, T, T)
        return finish(scores.softmax(-1).matmul(v));
    }
}
