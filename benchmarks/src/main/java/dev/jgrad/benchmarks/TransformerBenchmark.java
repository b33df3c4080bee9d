package dev.jgrad.benchmarks;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.llama.LlamaModel;
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
 * LLaMA inference at the shapes of llama2.c's stories models (random weights, vocab 32000, tied head):
 * <ul>
 *   <li>{@code decodeStep}: one token with a KV cache holding {@link #CONTEXT} positions (the cache is truncated back
 *       before each step, so every call does the same work). Decoding reads every weight once per token, so it is
 *       bound by memory bandwidth; {@link TransformerReport} divides the copy bandwidth measured in the same run by
 *       {@link #weightBytesPerToken} to get the bound.</li>
 *   <li>{@code prompt}: a {@link #PROMPT}-token prompt in one batched forward (matrix-matrix products), logits for
 *       the last position only; {@link #promptFlops} counts its work.</li>
 *   <li>{@code sgemm}: the product {@code (PROMPT, D) · (D, hidden)} through the same matmul path, the yardstick for
 *       the prompt's GFLOPS.</li>
 *   <li>{@code copySingleThread}, {@code copyParallel}: 64M floats (512 MB read + written);
 *       {@code readSingleThread}, {@code readParallel}: a vector sum of the same 256 MB (read only, as decoding);
 *       {@code readWeights}: a vector sum over the model's weight matrices, the bytes a decode step reads.</li>
 * </ul>
 * Run with {@link TransformerReport} (threads per fork, medians, bounds), or plain JMH:
 * {@code ./jgrad bench TransformerBenchmark -jvmArgsAppend -Djgrad.threads=2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx6g",
        "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 7, time = 1)
public class TransformerBenchmark {

    /** Positions in the cache when a decode step runs. */
    public static final int CONTEXT = 64;
    /** Positions in the cache for {@code decodeStepLongContext} (fewer if the model's context is shorter). */
    public static final int LONG_CONTEXT = 512;

    /** The long context used for {@code c}: {@link #LONG_CONTEXT}, or the model's maximum minus one. */
    public static int longContext(LlamaConfig c) {
        return Math.min(LONG_CONTEXT, c.maxSeqLen() - 1);
    }
    /** Prompt length of the prompt benchmark. */
    public static final int PROMPT = 128;
    /** Floats copied by the copy benchmarks. */
    public static final int COPY_FLOATS = 64 << 20;

    @Param({"15M", "42M", "110M"})
    public String model;

    LlamaModel llama;
    KvCache decodeCache, longCache, promptCache;
    int longContext;
    Tensor oneToken, promptIds, gemmX, gemmWt, copySrc, copyDst;
    float[] srcArray, dstArray;
    float[][] weightArrays;

    public static LlamaConfig config(String name) {
        return switch (name) {
            case "15M" -> LlamaConfig.stories15M();
            case "42M" -> LlamaConfig.stories42M();
            case "110M" -> LlamaConfig.stories110M();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Bytes a decode step must read: every projection and the classifier once ({@code 4·(L·(2D² + 2D·kvD + 3D·H) +
     * V·D)}), the norm weights, one embedding row, and the cached keys and values ({@code 2·L·CONTEXT·kvD} floats).
     */
    public static long weightBytesPerToken(LlamaConfig c) {
        return weightBytesPerToken(c, CONTEXT);
    }

    /** {@link #weightBytesPerToken(LlamaConfig)} with {@code context} cached positions. */
    public static long weightBytesPerToken(LlamaConfig c, int context) {
        long d = c.dim(), kv = c.kvDim(), h = c.hiddenDim(), l = c.nLayers();
        long floats = l * (2 * d * d + 2 * d * kv + 3 * d * h) + (long) c.vocabSize() * d + (2 * l + 1) * d + d
                + 2 * l * (context + 1L) * kv;
        return 4 * floats;
    }

    /** Elements of the model's weight matrices (projections and the tied embedding/classifier). */
    public static long matrixFloats(LlamaConfig c) {
        long d = c.dim(), kv = c.kvDim(), h = c.hiddenDim(), l = c.nLayers();
        return l * (2 * d * d + 2 * d * kv + 3 * d * h) + (long) c.vocabSize() * d * (c.tieEmbeddings() ? 1 : 2);
    }

    /**
     * Floating-point operations of the prompt benchmark: {@code 2·T·L·(2D² + 2D·kvD + 3D·H)} for the projections,
     * {@code 2·L·D·T(T+1)} for causal attention (q·kᵀ and p·v over T(T+1)/2 pairs, 2·hd each, H heads), and
     * {@code 2·D·V} for the last position's logits.
     */
    public static double promptFlops(LlamaConfig c) {
        double d = c.dim(), kv = c.kvDim(), h = c.hiddenDim(), l = c.nLayers(), t = PROMPT;
        return 2 * t * l * (2 * d * d + 2 * d * kv + 3 * d * h) + 2 * l * d * t * (t + 1) + 2 * d * c.vocabSize();
    }

    /** Floating-point operations of {@code sgemm}. */
    public static double sgemmFlops(LlamaConfig c) {
        return 2.0 * PROMPT * c.dim() * c.hiddenDim();
    }

    @Setup(Level.Trial)
    public void setup() {
        LlamaConfig c = config(model);
        Generator gen = new Generator(1);
        llama = new LlamaModel(c, gen);
        llama.eval();
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) prompt[i] = 1 + gen.nextInt(c.vocabSize() - 1);
        promptIds = CausalLM.ids(prompt);
        decodeCache = llama.newCache(1, CONTEXT + 1);
        llama.forward(CausalLM.ids(java.util.Arrays.copyOf(prompt, CONTEXT)), decodeCache);
        oneToken = CausalLM.ids(new int[] {prompt[CONTEXT]});
        longContext = longContext(c);
        int[] longPrompt = new int[longContext];
        for (int i = 0; i < longContext; i++) longPrompt[i] = prompt[i % PROMPT];
        longCache = llama.newCache(1, longContext + 1);
        llama.forward(CausalLM.ids(longPrompt), longCache);
        promptCache = llama.newCache(1, PROMPT);
        gemmX = Tensor.randn(gen, PROMPT, c.dim());
        gemmWt = Tensor.randn(gen, c.hiddenDim(), c.dim()).t();   // (D, hidden), a transposed weight as in Linear
        srcArray = new float[COPY_FLOATS];
        for (int i = 0; i < COPY_FLOATS; i++) srcArray[i] = (i & 1023) * 1e-3f;   // real data, not untouched pages
        dstArray = new float[COPY_FLOATS];
        java.util.List<float[]> matrices = new java.util.ArrayList<>();
        for (Tensor p : llama.parameters())
            if (p.rank() == 2) matrices.add(((dev.jgrad.core.Storage.FloatStorage) p.storage()).data);
        weightArrays = matrices.toArray(new float[0][]);
        copySrc = Tensor.randn(gen, COPY_FLOATS);
        copyDst = Tensor.zeros(COPY_FLOATS);
    }

    @Benchmark
    public Tensor decodeStep() {
        decodeCache.truncate(CONTEXT);
        return llama.decodeLast(oneToken, decodeCache);
    }

    /** A decode step after {@link #longContext} cached positions (512; 255 for the 15M model's 256). */
    @Benchmark
    public Tensor decodeStepLongContext() {
        longCache.truncate(longContext);
        return llama.decodeLast(oneToken, longCache);
    }

    @Benchmark
    public Tensor prompt() {
        promptCache.reset();
        return llama.decodeLast(promptIds, promptCache);
    }

    @Benchmark
    public Tensor sgemm() {
        try (NoGrad ignored = NoGrad.enter()) {
            return gemmX.matmul(gemmWt);
        }
    }

    @Benchmark
    public float[] copySingleThread() {
        System.arraycopy(srcArray, 0, dstArray, 0, COPY_FLOATS);
        return dstArray;
    }

    /** Sums 64M floats with four vector accumulators: the rate at which one core can stream memory in. */
    @Benchmark
    public float readSingleThread() {
        return sum(srcArray, 0, COPY_FLOATS);
    }

    /**
     * Sums every weight matrix of the model (embedding/classifier, projections): the same bytes a decode step
     * reads, in the same arrays, at the rate a plain vector loop streams them. The closest ceiling for decoding.
     */
    @Benchmark
    public float readWeights() {
        float[] partial = new float[weightArrays.length];
        dev.jgrad.core.parallel.Parallel.forRange(weightArrays.length, 1, (from, to) -> {
            for (int w = from; w < to; w++) partial[w] = sum(weightArrays[w], 0, weightArrays[w].length);
        });
        float total = 0;
        for (float p : partial) total += p;
        return total;
    }

    /** The same sum split over the pool's threads. */
    @Benchmark
    public float readParallel() {
        int chunks = 64, per = COPY_FLOATS / chunks;
        float[] partial = new float[chunks];
        dev.jgrad.core.parallel.Parallel.forRange(chunks, 1, (from, to) -> {
            for (int c = from; c < to; c++) partial[c] = sum(srcArray, c * per, per);
        });
        float total = 0;
        for (float p : partial) total += p;
        return total;
    }

    private static final jdk.incubator.vector.VectorSpecies<Float> F = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;

    static float sum(float[] a, int from, int n) {
        var acc0 = jdk.incubator.vector.FloatVector.zero(F);
        var acc1 = acc0;
        var acc2 = acc0;
        var acc3 = acc0;
        int l = F.length(), i = 0;
        for (; i + 4 * l <= n; i += 4 * l) {
            acc0 = acc0.add(jdk.incubator.vector.FloatVector.fromArray(F, a, from + i));
            acc1 = acc1.add(jdk.incubator.vector.FloatVector.fromArray(F, a, from + i + l));
            acc2 = acc2.add(jdk.incubator.vector.FloatVector.fromArray(F, a, from + i + 2 * l));
            acc3 = acc3.add(jdk.incubator.vector.FloatVector.fromArray(F, a, from + i + 3 * l));
        }
        float s = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        for (; i < n; i++) s += a[from + i];
        return s;
    }

    @Benchmark
    public Tensor copyParallel() {
        copySrc.backend().copy(copySrc, copyDst);
        return copyDst;
    }
}
