package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every fast kernel against the scalar reference, on odd sizes (1, 7, 15, 17, 1023) and on non-contiguous
 * views (transposed, narrowed, broadcast).
 */
class VectorVsReferenceTest {

    static final Backend REF = new ReferenceBackend();
    static final Backend FAST = new VectorBackend();
    static final int[] SIZES = {1, 7, 15, 17, 1023};

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    /** Layout variants of an (r, c) input: contiguous, a transposed view, a narrowed view, a row broadcast. */
    static List<Tensor> layouts(long seed, int r, int c) {
        List<Tensor> out = new ArrayList<>();
        out.add(randn(seed, r, c));
        out.add(randn(seed + 1, c, r).transpose(0, 1));
        out.add(randn(seed + 2, r + 2, c + 3).narrow(0, 1, r).narrow(1, 2, c));
        out.add(randn(seed + 3, 1, c).expand(r, c));
        return out;
    }

    static void assertClose(Tensor expected, Tensor actual, double rtol, double atol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what + ": sizes");
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i])) {
                assertTrue(Double.isNaN(a[i]), what + " [" + i + "]: expected NaN, got " + a[i]);
                continue;
            }
            double tol = atol + rtol * Math.abs(e[i]);
            assertTrue(Math.abs(e[i] - a[i]) <= tol,
                    what + " [" + i + "]: reference " + e[i] + ", vector " + a[i] + " (tolerance " + tol + ")");
        }
    }

    static Stream<Arguments> unaryCases() {
        List<Arguments> args = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) for (int n : SIZES) args.add(Arguments.of(op, n));
        return args.stream();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("unaryCases")
    void unary(UnaryOp op, int n) {
        for (Tensor x0 : layouts(n, 3, n)) {
            Tensor x = switch (op) { // keep inputs in the op's domain
                case LOG, SQRT, RSQRT -> x0.abs().add(0.1);
                default -> x0.mul(3.0);
            };
            Tensor ref = Tensor.zeros(x.shape()), fast = Tensor.zeros(x.shape());
            REF.unary(op, x, ref);
            FAST.unary(op, x, fast);
            assertClose(ref, fast, 2e-6, 2e-6, op + " n=" + n);
        }
    }

    static Stream<Arguments> binaryCases() {
        List<Arguments> args = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values()) for (int n : SIZES) args.add(Arguments.of(op, n));
        return args.stream();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("binaryCases")
    void binary(BinaryOp op, int n) {
        List<Tensor> as = layouts(10L * n, 3, n), bs = layouts(20L * n, 3, n);
        for (int i = 0; i < as.size(); i++) {
            Tensor a = as.get(i).mul(2.0), b = bs.get((i + 1) % bs.size());
            if (op == BinaryOp.POW) a = a.abs().add(0.1);
            if (op == BinaryOp.DIV) b = b.abs().add(0.5);
            // also a stride-0 scalar operand
            for (Tensor bb : List.of(b, Tensor.scalar(0.75).expand(3, n))) {
                DType outType = op.isComparison() ? DType.BOOL : DType.F32;
                Tensor ref = Tensor.zeros(outType, 3, n), fast = Tensor.zeros(outType, 3, n);
                REF.binary(op, a, bb, ref);
                FAST.binary(op, a, bb, fast);
                assertClose(ref, fast, 3e-6, 3e-6, op + " n=" + n + " layout " + i);
            }
        }
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void copyAndFill(int n) {
        for (Tensor x : layouts(n, 5, n)) {
            Tensor ref = Tensor.zeros(5, n), fast = Tensor.zeros(5, n);
            REF.copy(x, ref);
            FAST.copy(x, fast);
            assertClose(ref, fast, 0, 0, "copy");
            // copy into a strided destination
            Tensor dstRef = Tensor.zeros(n, 5).transpose(0, 1), dstFast = Tensor.zeros(n, 5).transpose(0, 1);
            REF.copy(x, dstRef);
            FAST.copy(x, dstFast);
            assertClose(dstRef, dstFast, 0, 0, "strided copy");
            REF.fill(dstRef, 2.5);
            FAST.fill(dstFast, 2.5);
            assertClose(dstRef, dstFast, 0, 0, "fill");
        }
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023, 40000})
    void reductions(int n) {
        Tensor x = randn(n, 3, n, 5);
        for (int dim = 0; dim < 3; dim++) {
            for (ReduceOp op : ReduceOp.values()) {
                int[] shape = x.shape();
                shape[dim] = 1;
                DType t = op.producesIndices() ? DType.I64 : DType.F32;
                Tensor ref = Tensor.zeros(t, shape), fast = Tensor.zeros(t, shape);
                REF.reduce(op, x, dim, ref);
                FAST.reduce(op, x, dim, fast);
                assertClose(ref, fast, 1e-5, 1e-5 * Math.sqrt(n), op + " dim " + dim);
            }
        }
        Tensor flat = randn(n + 1, n);
        Tensor ref = Tensor.zeros(1), fast = Tensor.zeros(1);
        REF.reduce(ReduceOp.SUM, flat, 0, ref);
        FAST.reduce(ReduceOp.SUM, flat, 0, fast);
        assertClose(ref, fast, 1e-5, 1e-5 * Math.sqrt(n), "full sum");
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void softmaxFamily(int n) {
        Tensor x = randn(n, 4, n).mul(4.0);
        Tensor gy = randn(n + 7, 4, n);
        for (boolean log : new boolean[] {false, true}) {
            Tensor ref = Tensor.zeros(4, n), fast = Tensor.zeros(4, n);
            REF.softmax(x, ref, log);
            FAST.softmax(x, fast, log);
            assertClose(ref, fast, 2e-6, 2e-6, "softmax log=" + log);
            Tensor gRef = Tensor.zeros(4, n), gFast = Tensor.zeros(4, n);
            REF.softmaxBackward(ref, gy, gRef, log);
            FAST.softmaxBackward(ref, gy, gFast, log);
            assertClose(gRef, gFast, 2e-5, 2e-5, "softmax backward log=" + log);
        }
        Tensor ref = Tensor.zeros(4, 1), fast = Tensor.zeros(4, 1);
        REF.logsumexp(x, ref);
        FAST.logsumexp(x, fast);
        assertClose(ref, fast, 2e-6, 2e-6, "logsumexp");
    }

    static Stream<Arguments> matmulCases() {
        List<Arguments> args = new ArrayList<>();
        int[][] shapes = {{1, 1, 1}, {7, 15, 17}, {17, 7, 15}, {15, 17, 1}, {33, 64, 31}, {1, 1023, 7},
                {1, 17, 1023}, {1, 15, 7}, {1, 7, 1}, {1, 1, 17}}; // m = 1 rows take the matrix-vector path
        for (int[] s : shapes) for (boolean ta : new boolean[] {false, true}) for (boolean tb : new boolean[] {false, true})
            args.add(Arguments.of(s[0], s[1], s[2], ta, tb));
        return args.stream();
    }

    @ParameterizedTest(name = "m={0} k={1} n={2} ta={3} tb={4}")
    @MethodSource("matmulCases")
    void matmul(int m, int k, int n, boolean ta, boolean tb) {
        int batch = 3;
        Tensor a = ta ? randn(m, batch, k, m).transpose(1, 2) : randn(m, batch, m, k);
        Tensor b = tb ? randn(n, batch, n, k).transpose(1, 2) : randn(n, batch, k, n);
        BiFunction<Backend, Float, Tensor> run = (be, beta) -> {
            Tensor out = Tensor.full(0.5, batch, m, n);
            be.matmul(a, b, out, beta);
            return out;
        };
        assertClose(run.apply(REF, 0f), run.apply(FAST, 0f), 1e-5, 1e-5 * Math.sqrt(k), "matmul");
        assertClose(run.apply(REF, 1f), run.apply(FAST, 1f), 1e-5, 1e-5 * Math.sqrt(k), "matmul beta=1");
        // broadcast batch: one b for every a
        Tensor b1 = new Tensor(b.storage(), new int[] {batch, k, n},
                new int[] {0, b.stride(1), b.stride(2)}, b.offset());
        Tensor outRef = Tensor.zeros(batch, m, n), outFast = Tensor.zeros(batch, m, n);
        REF.matmul(a, b1, outRef, 0f);
        FAST.matmul(a, b1, outFast, 0f);
        assertClose(outRef, outFast, 1e-5, 1e-5 * Math.sqrt(k), "matmul broadcast");
    }

    @ParameterizedTest(name = "cols={0}")
    @ValueSource(ints = {1, 7, 15, 17, 1023})
    void indexing(int cols) {
        Tensor table = randn(cols, 9, cols);
        Tensor ids = Tensor.of(new long[] {3, 0, 8, 3, 3, 5});
        Tensor ref = Tensor.zeros(6, cols), fast = Tensor.zeros(6, cols);
        REF.indexSelect(table, 0, ids, ref);
        FAST.indexSelect(table, 0, ids, fast);
        assertClose(ref, fast, 0, 0, "index_select");
        Tensor src = randn(cols + 1, 6, cols);
        Tensor accRef = Tensor.zeros(9, cols), accFast = Tensor.zeros(9, cols);
        REF.indexAdd(accRef, 0, ids, src);
        FAST.indexAdd(accFast, 0, ids, src);
        assertClose(accRef, accFast, 1e-6, 1e-6, "index_add");
    }
}
