package dev.jgrad.benchmarks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * Where should tensor data live? The same Vector API kernels (a dot product and an axpy,
 * {@code y += alpha·x}) over three storages: a heap {@code float[]}, a heap segment
 * ({@code MemorySegment.ofArray}) and a native segment from an {@link Arena} (64-byte aligned).
 *
 * <p>16K floats (64 KiB per operand) stays in L2 and measures the instruction stream (bounds checks,
 * address arithmetic); 1M floats (4 MiB) measures the memory path. Scores are nanoseconds per call;
 * divide the bytes touched ({@code 8·size} for dot, {@code 12·size} for axpy) by the score for GB/s.
 *
 * <p>{@code dotMixedSegments} runs the segment kernel on a heap and on a native segment in the same
 * JVM (two dots per call): the kernel's type profile then holds two segment classes, the case a
 * tensor library mixing both storages would hit. Each other benchmark forks its own JVM, so its
 * kernel only ever sees one storage.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class StorageBenchmark {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    @Param({"16384", "1048576"})
    public int size;

    private float[] xArray, yArray;
    private MemorySegment xHeap, yHeap, xNative, yNative;
    private Arena arena;

    @Setup(Level.Trial)
    public void setUp() {
        xArray = new float[size];
        yArray = new float[size];
        for (int i = 0; i < size; i++) {
            xArray[i] = (i % 17) * 0.25f - 2f;
            yArray[i] = (i % 13) * 0.5f - 3f;
        }
        xHeap = MemorySegment.ofArray(xArray);
        yHeap = MemorySegment.ofArray(yArray);
        arena = Arena.ofShared();
        xNative = arena.allocate((long) size * Float.BYTES, 64);
        yNative = arena.allocate((long) size * Float.BYTES, 64);
        MemorySegment.copy(xArray, 0, xNative, ValueLayout.JAVA_FLOAT, 0, size);
        MemorySegment.copy(yArray, 0, yNative, ValueLayout.JAVA_FLOAT, 0, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    // ---- dot product: four independent accumulators, then a scalar tail ----

    static float dot(float[] x, float[] y, int n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        int step = S.length(), i = 0;
        for (int bound = n - 4 * step; i <= bound; i += 4 * step) {
            s0 = FloatVector.fromArray(S, x, i).fma(FloatVector.fromArray(S, y, i), s0);
            s1 = FloatVector.fromArray(S, x, i + step).fma(FloatVector.fromArray(S, y, i + step), s1);
            s2 = FloatVector.fromArray(S, x, i + 2 * step).fma(FloatVector.fromArray(S, y, i + 2 * step), s2);
            s3 = FloatVector.fromArray(S, x, i + 3 * step).fma(FloatVector.fromArray(S, y, i + 3 * step), s3);
        }
        float sum = dev.jgrad.core.kernels.Lanes.sum(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) sum += x[i] * y[i];
        return sum;
    }

    static float dot(MemorySegment x, MemorySegment y, long n) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        long step = S.length(), i = 0;
        for (long bound = n - 4 * step; i <= bound; i += 4 * step) {
            long o = i * Float.BYTES, d = step * Float.BYTES;
            s0 = FloatVector.fromMemorySegment(S, x, o, ORDER).fma(FloatVector.fromMemorySegment(S, y, o, ORDER), s0);
            s1 = FloatVector.fromMemorySegment(S, x, o + d, ORDER)
                    .fma(FloatVector.fromMemorySegment(S, y, o + d, ORDER), s1);
            s2 = FloatVector.fromMemorySegment(S, x, o + 2 * d, ORDER)
                    .fma(FloatVector.fromMemorySegment(S, y, o + 2 * d, ORDER), s2);
            s3 = FloatVector.fromMemorySegment(S, x, o + 3 * d, ORDER)
                    .fma(FloatVector.fromMemorySegment(S, y, o + 3 * d, ORDER), s3);
        }
        float sum = dev.jgrad.core.kernels.Lanes.sum(s0.add(s1).add(s2.add(s3)));
        for (; i < n; i++) {
            sum += x.getAtIndex(ValueLayout.JAVA_FLOAT, i) * y.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        }
        return sum;
    }

    // ---- axpy: y += alpha·x ----

    static void axpy(float alpha, float[] x, float[] y, int n) {
        FloatVector a = FloatVector.broadcast(S, alpha);
        int step = S.length(), i = 0;
        for (int bound = S.loopBound(n); i < bound; i += step) {
            FloatVector.fromArray(S, x, i).fma(a, FloatVector.fromArray(S, y, i)).intoArray(y, i);
        }
        for (; i < n; i++) y[i] += alpha * x[i];
    }

    static void axpy(float alpha, MemorySegment x, MemorySegment y, long n) {
        FloatVector a = FloatVector.broadcast(S, alpha);
        long step = S.length(), i = 0;
        for (long bound = S.loopBound(n); i < bound; i += step) {
            long o = i * Float.BYTES;
            FloatVector.fromMemorySegment(S, x, o, ORDER).fma(a, FloatVector.fromMemorySegment(S, y, o, ORDER))
                    .intoMemorySegment(y, o, ORDER);
        }
        for (; i < n; i++) {
            y.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                    y.getAtIndex(ValueLayout.JAVA_FLOAT, i) + alpha * x.getAtIndex(ValueLayout.JAVA_FLOAT, i));
        }
    }

    @Benchmark
    public float dotArray() {
        return dot(xArray, yArray, size);
    }

    @Benchmark
    public float dotHeapSegment() {
        return dot(xHeap, yHeap, size);
    }

    @Benchmark
    public float dotNativeSegment() {
        return dot(xNative, yNative, size);
    }

    @Benchmark
    public float dotMixedSegments() {
        return dot(xHeap, yHeap, size) + dot(xNative, yNative, size);
    }

    // alpha alternates sign so y stays bounded however many calls JMH makes.
    private float alpha = 1e-3f;

    @Benchmark
    public float[] axpyArray() {
        alpha = -alpha;
        axpy(alpha, xArray, yArray, size);
        return yArray;
    }

    @Benchmark
    public MemorySegment axpyHeapSegment() {
        alpha = -alpha;
        axpy(alpha, xHeap, yHeap, size);
        return yHeap;
    }

    @Benchmark
    public MemorySegment axpyNativeSegment() {
        alpha = -alpha;
        axpy(alpha, xNative, yNative, size);
        return yNative;
    }
}
