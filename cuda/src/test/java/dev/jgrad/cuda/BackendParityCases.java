package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.Backends;
import dev.jgrad.core.backend.BinaryOp;
import dev.jgrad.core.backend.ReduceOp;
import dev.jgrad.core.backend.ReferenceBackend;
import dev.jgrad.core.backend.UnaryOp;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@link Backend} method of the device under test against the {@link ReferenceBackend} (the oracle, in
 * double precision) on the same random inputs, on odd sizes and on strided views (transposed, narrowed,
 * broadcast). Outputs on the device are poisoned first (NaN, or an impossible value for integer and BOOL
 * outputs), so an element a kernel forgets to write fails the comparison.
 *
 * <p>Tolerances: float32 ≤ 1e-5 relative (with an absolute floor stated per op), exact for data movement,
 * comparisons, indices and integer results. Subclasses choose the device: {@link CudaBackendGpuTest} (CUDA,
 * skipped without a GPU) and {@link CpuParityHarnessTest} (the CPU's Vector API backend, which checks this
 * harness itself on any machine).
 */
abstract class BackendParityCases {

    static final ReferenceBackend REF = new ReferenceBackend();
    static final int[] SIZES = {1, 7, 15, 17, 1023};

    abstract Device device();

    /** Fills a BOOL tensor on the device with a byte that is neither 0 nor 1. */
    abstract void poisonBool(Tensor t);

    Backend dut() {
        return Backends.of(device());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    static Tensor randn(long seed, int... shape) {
        return Tensor.randn(new Generator(seed), shape);
    }

    /** A host tensor and its copy on the device, viewed the same way. */
    record Pair(Tensor cpu, Tensor dev) {
        Pair view(UnaryOperator<Tensor> f) {
            return new Pair(f.apply(cpu), f.apply(dev));
        }
    }

    Pair pair(Tensor cpu) {
        return new Pair(cpu, cpu.to(device()));
    }

    /** An output on the device whose every element is garbage until written. */
    Tensor poisoned(DType dtype, int... shape) {
        Tensor t = Tensor.empty(dtype, device(), shape);
        poison(t);
        return t;
    }

    void poison(Tensor t) {
        if (t.dtype().isFloatingPoint()) dut().fill(t, Double.NaN);
        else if (t.dtype() == DType.BOOL) poisonBool(t);
        else dut().fill(t, -77);
    }

    /** |actual − expected| ≤ atol + rtol·|expected| element-wise; NaN must match NaN, infinities exactly. */
    static void assertClose(Tensor expected, Tensor actual, double rtol, double atol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shapes");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || Double.isInfinite(e[i])) {
                assertEquals(e[i], a[i], what + " [" + i + "]");
                continue;
            }
            double tol = atol + rtol * Math.abs(e[i]);
            assertTrue(Math.abs(e[i] - a[i]) <= tol,
                    what + " [" + i + "]: reference " + e[i] + ", device " + a[i] + " (tolerance " + tol + ")");
        }
    }

    static void assertExact(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shapes");
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), what);
    }

    /** Values rounded to one decimal: many exact ties. */
    static Tensor rounded(Tensor x) {
        float[] v = x.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.round(v[i] * 10) / 10f;
        return Tensor.of(v, x.shape());
    }

    /** Inputs valid for every unary op: positive where log/sqrt/rsqrt/reciprocal need it. */
    static Tensor unaryInput(UnaryOp op, long seed, int... shape) {
        Tensor x = randn(seed, shape).mul(3);
        return switch (op) {
            case LOG, SQRT, RSQRT, RECIPROCAL -> x.abs().add(0.1);
            default -> x;
        };
    }

    // ---- data movement -----------------------------------------------------------------------------------

    @Test
    void roundTripsEveryDtype() {
        for (DType t : DType.values()) {
            Tensor host = randn(1, 5, 7).mul(20).to(t);
            Tensor back = host.to(device()).to(Device.cpu());
            assertExact(host, back, "round trip " + t);
        }
        Tensor big = randn(2, 5_000_001); // more than one 16 MiB staging chunk
        assertExact(big, big.to(device()).to(Device.cpu()), "round trip of 20 MB");
    }

    @Test
    void copiesConvertDtypesAndFollowStrides() {
        Tensor src = randn(3, 9, 13).mul(50);
        DType[][] conversions = {{DType.F32, DType.F32}, {DType.F32, DType.BF16}, {DType.BF16, DType.F32},
                {DType.F32, DType.F16}, {DType.F16, DType.F32}, {DType.F64, DType.F32}, {DType.F32, DType.I64},
                {DType.I64, DType.I32}, {DType.I32, DType.F64}, {DType.BOOL, DType.F32}, {DType.F32, DType.BOOL},
                {DType.I64, DType.U8}, {DType.F32, DType.I8}};
        for (DType[] c : conversions) {
            Pair s = pair(src.to(c[0])).view(t -> t.transpose(0, 1)); // (13, 9) strided
            Tensor expected = Tensor.zeros(c[1], 13, 9);
            REF.copy(s.cpu(), expected);
            Tensor out = poisoned(c[1], 13, 9);
            dut().copy(s.dev(), out);
            assertExact(expected, out, "copy " + c[0] + " -> " + c[1]);
        }
        // into a strided destination
        Pair s = pair(src);
        Tensor expected = Tensor.zeros(13, 9).transpose(0, 1);
        REF.copy(s.cpu(), expected);
        Tensor out = poisoned(DType.F32, 13, 9).transpose(0, 1);
        dut().copy(s.dev(), out);
        assertExact(expected, out, "copy into a transposed view");
    }

    @Test
    void fillWritesEveryElementOfAView() {
        for (DType t : new DType[] {DType.F32, DType.F64, DType.BF16, DType.I64, DType.I32, DType.BOOL}) {
            Tensor out = poisoned(t, 6, 10);
            Tensor view = out.narrow(1, 2, 5);
            dut().fill(view, 3);
            Tensor expected = Tensor.zeros(t, 6, 10);
            REF.fill(expected, t.isFloatingPoint() ? Double.NaN : 0);
            REF.fill(expected.narrow(1, 2, 5), 3);
            if (t.isFloatingPoint()) assertClose(expected, out, 0, 0, "fill " + t);
            else assertExact(expected.narrow(1, 2, 5), view, "fill " + t);
        }
    }

    // ---- element-wise ---------------------------------------------------------------------------------------

    @Test
    void everyUnaryOpOnOddSizesAndTransposedViews() {
        for (UnaryOp op : UnaryOp.values()) {
            for (int n : SIZES) {
                Pair x = pair(unaryInput(op, n, 3, n));
                for (Pair v : List.of(x, x.view(t -> t.transpose(0, 1)))) {
                    int[] shape = v.cpu().shape();
                    Tensor expected = Tensor.zeros(shape);
                    REF.unary(op, v.cpu(), expected);
                    Tensor out = poisoned(DType.F32, shape);
                    dut().unary(op, v.dev(), out);
                    assertClose(expected, out, 1e-5, 1e-6, op + " n=" + n);
                }
            }
            Pair x64 = pair(unaryInput(op, 99, 4, 9).to(DType.F64));
            Tensor expected = Tensor.zeros(DType.F64, 4, 9);
            REF.unary(op, x64.cpu(), expected);
            Tensor out = poisoned(DType.F64, 4, 9);
            dut().unary(op, x64.dev(), out);
            assertClose(expected, out, 1e-12, 1e-14, op + " float64");
        }
    }

    @Test
    void everyBinaryOpWithBroadcasting() {
        int[] shape = {4, 5, 17};
        for (BinaryOp op : BinaryOp.values()) {
            Tensor a0 = randn(10, 4, 1, 17).mul(2), b0 = randn(11, 5, 17).mul(2);
            if (op == BinaryOp.POW) a0 = a0.abs().add(0.5);
            if (op.isComparison()) b0 = b0.mul(0).add(a0.select(0, 0).expand(5, 17).contiguous()); // some equal pairs
            if (op == BinaryOp.SIGMOID_BACKWARD) a0 = a0.sigmoid();
            if (op == BinaryOp.TANH_BACKWARD) a0 = a0.tanh();
            Pair a = pair(a0).view(t -> t.expand(shape)), b = pair(b0).view(t -> t.expand(shape));
            DType outType = op.isComparison() ? DType.BOOL : DType.F32;
            Tensor expected = Tensor.zeros(outType, shape);
            REF.binary(op, a.cpu(), b.cpu(), expected);
            Tensor out = poisoned(outType, shape);
            dut().binary(op, a.dev(), b.dev(), out);
            if (op.isComparison()) assertExact(expected, out, op.toString());
            else assertClose(expected, out, 1e-5, 1e-6, op.toString());
            // float64 through the generic kernel
            Pair a64 = pair(a0.to(DType.F64)).view(t -> t.expand(shape)), b64 = pair(b0.to(DType.F64)).view(t -> t.expand(shape));
            DType out64 = op.isComparison() ? DType.BOOL : DType.F64;
            Tensor e64 = Tensor.zeros(out64, shape);
            REF.binary(op, a64.cpu(), b64.cpu(), e64);
            Tensor o64 = poisoned(out64, shape);
            dut().binary(op, a64.dev(), b64.dev(), o64);
            assertClose(e64, o64, 1e-12, 1e-14, op + " float64");
        }
        // integer comparison
        Pair i = pair(Tensor.of(new long[] {1, 5, -3, 7, 7}));
        Pair j = pair(Tensor.of(new long[] {1, 4, -3, 8, 7}));
        Tensor expected = Tensor.zeros(DType.BOOL, 5), out = poisoned(DType.BOOL, 5);
        REF.binary(BinaryOp.EQ, i.cpu(), j.cpu(), expected);
        dut().binary(BinaryOp.EQ, i.dev(), j.dev(), out);
        assertExact(expected, out, "int64 eq");
    }

    @Test
    void whereSelectsWithABroadcastCondition() {
        Pair cond = pair(randn(20, 1, 17).gt(0)).view(t -> t.expand(6, 17));
        Pair a = pair(randn(21, 6, 17)), b = pair(randn(22, 17, 6)).view(t -> t.transpose(0, 1));
        Tensor expected = Tensor.zeros(6, 17), out = poisoned(DType.F32, 6, 17);
        REF.where(cond.cpu(), a.cpu(), b.cpu(), expected);
        dut().where(cond.dev(), a.dev(), b.dev(), out);
        assertExact(expected, out, "where");
    }

    // ---- reductions -------------------------------------------------------------------------------------------

    @Test
    void everyReductionAlongEveryDimIncludingTiesAndLongRows() {
        // rounded values give ties, so ARGMAX/ARGMIN must pick the first extremum like the reference
        Tensor base = rounded(randn(30, 3, 1023, 5).mul(4));
        for (Tensor x0 : List.of(base, rounded(randn(31, 17, 15).mul(4)), rounded(randn(32, 2, 600)))) {
            Pair x = pair(x0);
            for (Pair v : List.of(x, x.view(t -> t.transpose(0, t.rank() - 1)))) {
                for (int dim = 0; dim < x0.rank(); dim++) {
                    for (ReduceOp op : ReduceOp.values()) {
                        int[] shape = v.cpu().shape();
                        shape[dim] = 1;
                        DType outType = op.producesIndices() ? DType.I64 : DType.F32;
                        Tensor expected = Tensor.zeros(outType, shape), out = poisoned(outType, shape);
                        REF.reduce(op, v.cpu(), dim, expected);
                        dut().reduce(op, v.dev(), dim, out);
                        String what = op + " dim " + dim + " of " + java.util.Arrays.toString(v.cpu().shape());
                        if (op.producesIndices() || op == ReduceOp.MAX || op == ReduceOp.MIN) assertExact(expected, out, what);
                        else assertClose(expected, out, 1e-5, 1e-5, what);
                    }
                }
            }
        }
    }

    @Test
    void softmaxLogSoftmaxTheirBackwardAndLogsumexp() {
        for (int n : new int[] {1, 7, 1023, 5000}) {
            Pair x = pair(randn(40 + n, 5, n).mul(3));
            Pair g = pair(randn(41 + n, 5, n));
            for (Pair v : List.of(x, pair(randn(42 + n, n, 5).mul(3)).view(t -> t.transpose(0, 1)))) {
                for (boolean log : new boolean[] {false, true}) {
                    Tensor expected = Tensor.zeros(5, n), out = poisoned(DType.F32, 5, n);
                    REF.softmax(v.cpu(), expected, log);
                    dut().softmax(v.dev(), out, log);
                    assertClose(expected, out, 1e-5, log ? 1e-5 : 1e-9, "softmax log=" + log + " n=" + n);
                    Tensor ge = Tensor.zeros(5, n), go = poisoned(DType.F32, 5, n);
                    REF.softmaxBackward(expected, g.cpu(), ge, log);
                    dut().softmaxBackward(expected.to(device()), g.dev(), go, log);
                    assertClose(ge, go, 1e-5, 1e-6, "softmax backward log=" + log + " n=" + n);
                }
                Tensor le = Tensor.zeros(5, 1), lo = poisoned(DType.F32, 5, 1);
                REF.logsumexp(v.cpu(), le);
                dut().logsumexp(v.dev(), lo);
                assertClose(le, lo, 1e-5, 1e-5, "logsumexp n=" + n);
            }
        }
        Pair inf = pair(Tensor.full(Double.NEGATIVE_INFINITY, 2, 9));
        Tensor le = Tensor.zeros(2, 1), lo = poisoned(DType.F32, 2, 1);
        REF.logsumexp(inf.cpu(), le);
        dut().logsumexp(inf.dev(), lo);
        assertExact(le, lo, "logsumexp of −∞ rows");
    }

    // ---- matrix products ----------------------------------------------------------------------------------------

    /** Tolerance of a k-term float32 dot product relative to the operands' scale. */
    void checkMatmul(Pair a, Pair b, float beta, double rtol, String what) {
        int batch = Math.max(a.cpu().size(0), b.cpu().size(0)), m = a.cpu().size(1), k = a.cpu().size(2), n = b.cpu().size(2);
        Tensor init = randn(77, batch, m, n);
        Tensor expected = init.contiguousCopy();
        REF.matmul(a.cpu().expand(batch, m, k), b.cpu().expand(batch, k, n), expected, beta);
        Tensor out = beta == 0 ? poisoned(DType.F32, batch, m, n) : init.to(device());
        dut().matmul(a.dev().expand(batch, m, k), b.dev().expand(batch, k, n), out, beta);
        assertClose(expected, out, rtol, rtol * Math.sqrt(k), what + " (" + batch + ", " + m + ", " + k + ", " + n + ")");
    }

    @Test
    void matmulOnOddSizesTransposedAndBroadcast() {
        for (int m : SIZES) {
            for (int k : new int[] {1, 17, 1023}) {
                int n = 15;
                checkMatmul(pair(randn(m + k, 2, m, k)), pair(randn(m + k + 1, 2, k, n)), 0f, 1e-5, "matmul");
                checkMatmul(pair(randn(m + k + 2, 2, k, m)).view(t -> t.transpose(1, 2)),
                        pair(randn(m + k + 3, 2, n, k)).view(t -> t.transpose(1, 2)), 1f, 1e-5, "matmul transposed, beta 1");
            }
        }
        checkMatmul(pair(randn(90, 3, 7, 33)), pair(randn(91, 1, 33, 17)), 0f, 1e-5, "matmul broadcast weight");
        checkMatmul(pair(randn(92, 1, 7, 33)), pair(randn(93, 3, 33, 17)), 0f, 1e-5, "matmul broadcast input");
    }

    // ---- indexing ----------------------------------------------------------------------------------------------

    @Test
    void indexSelectGatherIndexAddScatterAdd() {
        Pair x = pair(randn(50, 7, 9, 5));
        for (DType it : new DType[] {DType.I32, DType.I64}) {
            for (int dim = 0; dim < 3; dim++) {
                int size = x.cpu().size(dim);
                Tensor idx0 = Tensor.of(new long[] {size - 1, 0, 2 % size, 2 % size, 1 % size}).to(it);
                Pair idx = pair(idx0);
                int[] shape = x.cpu().shape();
                shape[dim] = 5;
                Tensor expected = Tensor.zeros(shape), out = poisoned(DType.F32, shape);
                REF.indexSelect(x.cpu(), dim, idx.cpu(), expected);
                dut().indexSelect(x.dev(), dim, idx.dev(), out);
                assertExact(expected, out, "index_select dim " + dim + " " + it);

                Pair src = pair(randn(51 + dim, shape));
                Tensor accE = randn(52, x.cpu().shape()), accO = accE.to(device());
                REF.indexAdd(accE, dim, idx.cpu(), src.cpu());
                dut().indexAdd(accO, dim, idx.dev(), src.dev());
                assertClose(accE, accO, 1e-6, 1e-6, "index_add dim " + dim + " " + it);
            }
            // gather / scatter_add along dim 1 and 0 of (6, 8)
            for (int dim = 0; dim < 2; dim++) {
                Pair y = pair(randn(60, 6, 8));
                int size = y.cpu().size(dim);
                long[] ids = new long[4 * 8];
                for (int i = 0; i < ids.length; i++) ids[i] = (i * 5 + 3) % size;
                int[] ishape = dim == 0 ? new int[] {4, 8} : new int[] {6, 4};
                long[] ids2 = java.util.Arrays.copyOf(ids, ishape[0] * ishape[1]);
                Pair idx = pair(Tensor.of(ids2, ishape).to(it));
                Tensor expected = Tensor.zeros(ishape), out = poisoned(DType.F32, ishape);
                REF.gather(y.cpu(), dim, idx.cpu(), expected);
                dut().gather(y.dev(), dim, idx.dev(), out);
                assertExact(expected, out, "gather dim " + dim + " " + it);
                Pair src = pair(randn(61, ishape));
                Tensor accE = randn(62, 6, 8), accO = accE.to(device());
                REF.scatterAdd(accE, dim, idx.cpu(), src.cpu());
                dut().scatterAdd(accO, dim, idx.dev(), src.dev());
                assertClose(accE, accO, 1e-6, 1e-6, "scatter_add dim " + dim + " " + it);
            }
        }
    }

    @Test
    void indexAddIsDeterministicWithManyRepeats() {
        long[] ids = new long[4096];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7919L) % 13;
        Pair idx = pair(Tensor.of(ids));
        Pair src = pair(randn(70, 4096, 33));
        Tensor first = Tensor.zeros(13, 33).to(device()), second = Tensor.zeros(13, 33).to(device());
        dut().indexAdd(first, 0, idx.dev(), src.dev());
        dut().indexAdd(second, 0, idx.dev(), src.dev());
        assertExact(first.to(Device.cpu()), second.to(Device.cpu()), "two runs, bit for bit");
        Tensor expected = Tensor.zeros(13, 33);
        REF.indexAdd(expected, 0, idx.cpu(), src.cpu());
        assertClose(expected, first, 1e-5, 1e-5, "index_add with 4096 rows into 13");
    }

    // ---- through the tensor API and autograd -------------------------------------------------------------------

    @Test
    void aSmallNetworkTrainsStepForStepLikeTheCpu() {
        Generator g = new Generator(80);
        Tensor w1 = Tensor.randn(g, 17, 33).mul(0.2), w2 = Tensor.randn(g, 33, 5).mul(0.2);
        Tensor x = Tensor.randn(g, 15, 17);
        Tensor[] cpuGrads = grads(x, w1, w2);
        Tensor[] devGrads = grads(x.to(device()), w1.to(device()), w2.to(device()));
        for (int i = 0; i < 2; i++) assertClose(cpuGrads[i], devGrads[i], 1e-4, 1e-5, "gradient " + i);
    }

    private static Tensor[] grads(Tensor x, Tensor w1, Tensor w2) {
        Tensor a = w1.detach().requiresGrad(true), b = w2.detach().requiresGrad(true);
        Tensor loss = x.matmul(a).gelu().matmul(b).logSoftmax(-1).mean();
        loss.backward();
        return new Tensor[] {a.grad(), b.grad()};
    }
}
