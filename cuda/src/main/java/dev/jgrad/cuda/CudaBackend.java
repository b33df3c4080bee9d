package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AdamConfig;
import dev.jgrad.core.backend.AttentionParams;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.BinaryOp;
import dev.jgrad.core.backend.ReduceOp;
import dev.jgrad.core.backend.SgdConfig;
import dev.jgrad.core.backend.UnaryOp;
import dev.jgrad.core.backend.Weight4bit;

import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CUDA backend: jgrad's {@link Backend} on one NVIDIA GPU, through JavaCPP.
 *
 * <p>Element-wise ops, reductions, softmax, copies and indexing run jgrad's own kernels (CUDA C resources
 * compiled by NVRTC for the device at first use, see {@link Kernels}); matrix products run cuBLAS
 * ({@link CudaMatmul}); the fused ops (norms, cross-entropy, optimizer updates: {@link CudaNormsAndLosses},
 * {@link CudaOptimizers}; attention and RoPE: {@link CudaAttention}; products with 4-bit weights:
 * {@link CudaQuant4bit}) run fused kernels. Nothing falls back to the
 * host: every method computes on the device, and every tensor it is given must already live there. Every kernel is deterministic (no atomics; fixed reduction orders), takes arbitrary
 * strided views, and computes float32 in float, float64 in double, anything else through double, like the
 * reference backend. Work is queued asynchronously on the device's stream; {@link #toCpu} waits for it.
 *
 * <p>Without a driver or GPU, {@link #isAvailable()} is false and {@link #unavailableReason()} says why; the
 * check runs once per process and asking for a CUDA device afterwards fails at once with that message.
 */
public final class CudaBackend implements Backend {

    private static final Availability AVAILABILITY = new Availability(CudaBackend::probe);
    private static final Map<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();

    private final CudaContext ctx;
    private final CudaMatmul matmul;
    private final CudaNormsAndLosses rowOps;
    private final CudaOptimizers optimizers;
    private final CudaAttention attention;
    private final CudaQuant4bit quant4bit;

    private CudaBackend(CudaContext ctx) {
        this.ctx = ctx;
        this.matmul = new CudaMatmul(ctx, this);
        this.rowOps = new CudaNormsAndLosses(this, ctx);
        this.optimizers = new CudaOptimizers(this, ctx);
        this.attention = new CudaAttention(this, ctx);
        this.quant4bit = new CudaQuant4bit(this, ctx);
    }

    // ---- availability -----------------------------------------------------------------------------------

    /** True when the NVIDIA driver, the CUDA 13 runtime, cuBLAS, NVRTC and at least one GPU are usable. */
    public static boolean isAvailable() {
        return AVAILABILITY.get().available();
    }

    /** Why CUDA cannot be used (null when it can). */
    public static String unavailableReason() {
        return AVAILABILITY.get().reason();
    }

    /** The number of CUDA devices (0 when unavailable). */
    public static int deviceCount() {
        return AVAILABILITY.get().deviceCount();
    }

    /** Loads the presets (the LinkageError of a missing library propagates) and counts devices. */
    private static int probe() {
        int[] n = new int[1];
        int status = cudart.cudaGetDeviceCount(n);
        if (status == cudart.cudaErrorNoDevice) return 0;
        Native.check(status, "cudaGetDeviceCount");
        Loader.load(org.bytedeco.cuda.global.cublas.class);
        Loader.load(org.bytedeco.cuda.global.nvrtc.class);
        return n[0];
    }

    /** The backend of {@code device}, or an exception with the reason CUDA (or that device) is unavailable. */
    public static CudaBackend forDevice(Device device) {
        if (device.type() != Device.Type.CUDA) throw new IllegalArgumentException(device + " is not a CUDA device");
        CudaBackend installed = BACKENDS.get(device.index());
        if (installed != null) return installed;
        Availability.Result a = AVAILABILITY.get();
        if (!a.available()) throw new IllegalStateException(a.reason());
        if (device.index() >= a.deviceCount())
            throw new IllegalArgumentException("no CUDA device " + device.index() + ": this machine has "
                    + a.deviceCount() + " (cuda:0 .. cuda:" + (a.deviceCount() - 1) + ")");
        return BACKENDS.computeIfAbsent(device.index(), i -> new CudaBackend(CudaContext.of(i)));
    }

    /**
     * Makes {@code Device.cuda(index)} run on {@code runtime} in this process, whatever {@link #isAvailable()} says:
     * the tests run the whole backend on a CPU emulator of the kernels this way.
     */
    static CudaBackend install(int index, DeviceRuntime runtime) {
        return BACKENDS.computeIfAbsent(index, i -> new CudaBackend(new CudaContext(i, runtime)));
    }

    CudaContext context() {
        return ctx;
    }

    /** The compute capability as {@code major * 10 + minor} (90 for an H100). */
    public int computeCapability() {
        return ctx.ccMajor * 10 + ctx.ccMinor;
    }

    /** Waits until all work queued on this GPU has finished (kernel errors surface here). */
    public void synchronize() {
        ctx.synchronize("synchronize()");
    }

    // ---- memory and data movement -------------------------------------------------------------------------

    @Override
    public Device device() {
        return ctx.device;
    }

    @Override
    public Storage allocate(DType dtype, int numel) {
        return new CudaStorage(ctx, dtype, numel);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        int n = dst.numel();
        if (n == 0) return;
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous()) {
            ctx.copyDeviceToDevice(ctx.address(dst), ctx.address(src), (long) n * dst.dtype().byteSize());
            return;
        }
        launch(Kernels.COPY, n, DeviceLayout.of(src, dst), src, CudaDTypes.code(src.dtype()), dst,
                CudaDTypes.code(dst.dtype()), dst.dtype().byteSize());
    }

    @Override
    public void fill(Tensor dst, double value) {
        int n = dst.numel();
        if (n == 0) return;
        if (value == 0 && Double.doubleToRawLongBits(value) == 0 && dst.isContiguous()) {
            ctx.memsetZero(ctx.address(dst), (long) n * dst.dtype().byteSize());
            return;
        }
        launch(Kernels.FILL, n, DeviceLayout.of(dst), dst, CudaDTypes.code(dst.dtype()), value);
    }

    @Override
    public Tensor toCpu(Tensor t) {
        if (t.device().isCpu()) return t;
        Tensor c = t.isContiguous() ? t : t.contiguousCopy();
        Storage host = Storage.Cpu.allocate(t.dtype(), t.numel());
        if (t.numel() > 0) ctx.deviceToHost(ctx.address(c), host, 0, t.numel());
        return new Tensor(host, t.shape());
    }

    @Override
    public Tensor fromCpu(Tensor t) {
        if (!t.device().isCpu()) {
            if (t.device().equals(device())) return t;
            t = t.backend().toCpu(t); // from another GPU: through the host
        }
        Tensor c = t.contiguous();
        CudaStorage s = new CudaStorage(ctx, c.dtype(), c.numel());
        Tensor out = new Tensor(s, c.shape());
        if (c.numel() > 0) ctx.hostToDevice(c.storage(), c.offset(), s.address(), c.numel());
        return out;
    }

    // ---- element-wise -----------------------------------------------------------------------------------

    @Override
    public void unary(UnaryOp op, Tensor x, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        DeviceLayout l = DeviceLayout.of(x, out);
        if (x.dtype() == DType.F32 && out.dtype() == DType.F32) launch(Kernels.UNARY_F32, n, l, op.ordinal(), x, out);
        else launch(Kernels.UNARY_GENERIC, n, l, op.ordinal(), x, CudaDTypes.code(x.dtype()), out,
                CudaDTypes.code(out.dtype()));
    }

    @Override
    public void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        DeviceLayout l = DeviceLayout.of(a, b, out);
        boolean f32 = a.dtype() == DType.F32 && b.dtype() == DType.F32;
        if (f32 && (out.dtype() == DType.F32 || out.dtype() == DType.BOOL && op.isComparison())) {
            launch(Kernels.BINARY_F32, n, l, op.ordinal(), a, b, out, out.dtype() == DType.BOOL ? 1 : 0);
        } else {
            launch(Kernels.BINARY_GENERIC, n, l, op.ordinal(), a, CudaDTypes.code(a.dtype()), b,
                    CudaDTypes.code(b.dtype()), out, CudaDTypes.code(out.dtype()));
        }
    }

    @Override
    public void where(Tensor cond, Tensor a, Tensor b, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        Tensor aa = a.dtype() == out.dtype() ? a : converted(a, out.dtype());
        Tensor bb = b.dtype() == out.dtype() ? b : converted(b, out.dtype());
        launch(Kernels.WHERE, n, DeviceLayout.of(cond, aa, bb, out), cond, CudaDTypes.code(cond.dtype()), aa, bb, out,
                out.dtype().byteSize());
    }

    /** A contiguous copy of {@code t} converted to {@code dtype}, on this device. */
    Tensor converted(Tensor t, DType dtype) {
        Tensor c = Tensor.empty(dtype, device(), t.shape());
        copy(t, c);
        return c;
    }

    // ---- reductions -----------------------------------------------------------------------------------------

    @Override
    public void reduce(ReduceOp op, Tensor x, int dim, Tensor out) {
        int n = x.size(dim);
        if (out.numel() == 0) return;
        if (n == 0 && op != ReduceOp.SUM && op != ReduceOp.MEAN)
            throw new IllegalArgumentException(op + " over an empty dimension " + dim + " of shape " + Shape.str(x.shape()));
        boolean f32 = x.dtype() == DType.F32, f64 = x.dtype() == DType.F64;
        if (!f32 && !f64) { // integer or 16-bit input: reduce a float64 copy
            reduce(op, converted(x, DType.F64), dim, out);
            return;
        }
        DType valueType = op.producesIndices() ? DType.I64 : x.dtype();
        if (out.dtype() != valueType) { // e.g. a float64 result for float32 input
            Tensor tmp = Tensor.empty(valueType, device(), out.shape());
            reduce(op, x, dim, tmp);
            copy(tmp, out);
            return;
        }
        int[] shape = remove(x.shape(), dim);
        DeviceLayout l = DeviceLayout.of(shape, remove(x.strides(), dim), remove(out.strides(), dim));
        boolean block = LaunchConfig.blockPerOutput(n);
        KernelSpec spec = block ? (f32 ? Kernels.REDUCE_BLOCK_F32 : Kernels.REDUCE_BLOCK_F64)
                : (f32 ? Kernels.REDUCE_THREAD_F32 : Kernels.REDUCE_THREAD_F64);
        ctx.launch(spec, LaunchConfig.reduction(l.numel, n, ctx.multiprocessors), l, op.ordinal(), x, n, x.stride(dim), out);
    }

    @Override
    public void softmax(Tensor x, Tensor out, boolean log) {
        if (out.numel() == 0) return;
        requireFloat("softmax", x, out);
        int n = x.size(-1);
        DeviceLayout rows = rowLayout(x, out);
        ctx.launch(x.dtype() == DType.F32 ? Kernels.SOFTMAX_F32 : Kernels.SOFTMAX_F64,
                LaunchConfig.rows(rows.numel, n, ctx.multiprocessors), rows, x, x.stride(-1), out, out.stride(-1), n,
                log ? 1 : 0);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, Tensor gx, boolean log) {
        if (gx.numel() == 0) return;
        requireFloat("softmaxBackward", y, gy, gx);
        int n = y.size(-1);
        DeviceLayout rows = rowLayout(y, gy, gx);
        ctx.launch(y.dtype() == DType.F32 ? Kernels.SOFTMAX_BACKWARD_F32 : Kernels.SOFTMAX_BACKWARD_F64,
                LaunchConfig.rows(rows.numel, n, ctx.multiprocessors), rows, y, y.stride(-1), gy, gy.stride(-1), gx,
                gx.stride(-1), n, log ? 1 : 0);
    }

    @Override
    public void logsumexp(Tensor x, Tensor out) {
        if (out.numel() == 0) return;
        requireFloat("logsumexp", x, out);
        int n = x.size(-1);
        DeviceLayout rows = rowLayout(x, out);
        ctx.launch(x.dtype() == DType.F32 ? Kernels.LOGSUMEXP_F32 : Kernels.LOGSUMEXP_F64,
                LaunchConfig.rows(rows.numel, n, ctx.multiprocessors), rows, x, x.stride(-1), out, n);
    }

    /** The layout of the row starts (every dim but the last) of same-ranked tensors. */
    private static DeviceLayout rowLayout(Tensor... ts) {
        int[] shape = ts[0].shape();
        int r = shape.length;
        int[][] strides = new int[ts.length][];
        for (int k = 0; k < ts.length; k++) strides[k] = java.util.Arrays.copyOf(ts[k].strides(), r - 1);
        return DeviceLayout.of(java.util.Arrays.copyOf(shape, r - 1), strides);
    }

    private static void requireFloat(String op, Tensor... ts) {
        DType d = ts[0].dtype();
        for (Tensor t : ts)
            if (t.dtype() != d || (d != DType.F32 && d != DType.F64))
                throw new IllegalArgumentException(op + " on CUDA needs float32 or float64 tensors of one dtype, got "
                        + t.dtype() + " and " + d);
    }

    // ---- matrix products ----------------------------------------------------------------------------------

    @Override
    public void matmul(Tensor a, Tensor b, Tensor out, float beta) {
        matmul.run(a, b, out, beta);
    }

    // ---- indexing -------------------------------------------------------------------------------------------

    @Override
    public void indexSelect(Tensor x, int dim, Tensor index, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        if (out.dtype() != x.dtype()) {
            Tensor tmp = Tensor.empty(x.dtype(), device(), out.shape());
            indexSelect(x, dim, index, tmp);
            copy(tmp, out);
            return;
        }
        int[] xs = x.strides();
        xs[dim] = 0;
        int[] coordinate = new int[out.rank()];
        coordinate[dim] = 1;
        DeviceLayout l = DeviceLayout.of(out.shape(), out.strides(), xs, coordinate);
        launch(Kernels.INDEX_SELECT, n, l, out, x, x.dtype().byteSize(), index, CudaDTypes.code(index.dtype()),
                index.stride(0), x.stride(dim));
    }

    @Override
    public void indexAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        if (src.numel() == 0) return;
        if (!sameFloat(dst, src)) {
            Tensor d64 = converted(dst, DType.F64);
            indexAdd(d64, dim, index, converted(src, DType.F64));
            copy(d64, dst);
            return;
        }
        int[] shape = remove(src.shape(), dim);
        DeviceLayout l = DeviceLayout.of(shape, remove(src.strides(), dim), remove(dst.strides(), dim));
        launch(dst.dtype() == DType.F32 ? Kernels.INDEX_ADD_F32 : Kernels.INDEX_ADD_F64, l.numel, l, dst,
                dst.stride(dim), src, src.stride(dim), index, CudaDTypes.code(index.dtype()), index.stride(0),
                index.size(0));
    }

    @Override
    public void gather(Tensor x, int dim, Tensor index, Tensor out) {
        int n = out.numel();
        if (n == 0) return;
        if (out.dtype() != x.dtype()) {
            Tensor tmp = Tensor.empty(x.dtype(), device(), out.shape());
            gather(x, dim, index, tmp);
            copy(tmp, out);
            return;
        }
        int[] xs = x.strides();
        xs[dim] = 0;
        DeviceLayout l = DeviceLayout.of(out.shape(), out.strides(), index.strides(), xs);
        launch(Kernels.GATHER, n, l, out, x, x.dtype().byteSize(), x.stride(dim), index, CudaDTypes.code(index.dtype()));
    }

    @Override
    public void scatterAdd(Tensor dst, int dim, Tensor index, Tensor src) {
        if (index.numel() == 0) return;
        if (!sameFloat(dst, src)) {
            Tensor d64 = converted(dst, DType.F64);
            scatterAdd(d64, dim, index, converted(src, DType.F64));
            copy(d64, dst);
            return;
        }
        int[] shape = remove(index.shape(), dim);
        DeviceLayout l = DeviceLayout.of(shape, remove(index.strides(), dim), remove(src.strides(), dim),
                remove(dst.strides(), dim));
        launch(dst.dtype() == DType.F32 ? Kernels.SCATTER_ADD_F32 : Kernels.SCATTER_ADD_F64, l.numel, l, dst,
                dst.stride(dim), src, src.stride(dim), index, CudaDTypes.code(index.dtype()), index.stride(dim),
                index.size(dim));
    }

    private static boolean sameFloat(Tensor a, Tensor b) {
        return a.dtype() == b.dtype() && (a.dtype() == DType.F32 || a.dtype() == DType.F64);
    }

    // ---- fused normalisation, losses and optimizer updates -----------------------------------------------------

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        rowOps.layerNorm(x, weight, bias, eps, y, mean, rstd);
    }

    @Override
    public void layerNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor mean, Tensor rstd, Tensor dx,
                                  Tensor dweight, Tensor dbias) {
        rowOps.layerNormBackward(gy, x, weight, mean, rstd, dx, dweight, dbias);
    }

    @Override
    public void matmul4bit(Tensor x, Weight4bit w, Tensor y) {
        quant4bit.matmul(x, w, y);
    }

    @Override
    public void matmul4bitInputGradient(Tensor gy, Weight4bit w, Tensor gx) {
        quant4bit.inputGradient(gy, w, gx);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, double eps, Tensor y, Tensor rstd) {
        rowOps.rmsNorm(x, weight, eps, y, rstd);
    }

    @Override
    public void rmsNormBackward(Tensor gy, Tensor x, Tensor weight, Tensor rstd, Tensor dx, Tensor dweight) {
        rowOps.rmsNormBackward(gy, x, weight, rstd, dx, dweight);
    }

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, double labelSmoothing, Tensor loss,
                             Tensor lse) {
        rowOps.crossEntropy(logits, targets, ignoreIndex, labelSmoothing, loss, lse);
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor rowGrad, int ignoreIndex,
                                     double labelSmoothing, Tensor dlogits) {
        rowOps.crossEntropyBackward(logits, targets, lse, rowGrad, ignoreIndex, labelSmoothing, dlogits);
    }

    @Override
    public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig config, boolean firstStep) {
        optimizers.sgdUpdate(param, grad, momentumBuffer, config, firstStep);
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq,
                           AdamConfig config, long step) {
        optimizers.adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, config, step);
    }

    // ---- attention and rotary embeddings -----------------------------------------------------------------------

    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                                 Tensor out, Tensor lse) {
        attention.forward(q, k, v, keyPaddingMask, params, out, lse);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor keyPaddingMask, AttentionParams params,
                                  Tensor out, Tensor lse, Tensor gradOut, Tensor gradQ, Tensor gradK, Tensor gradV) {
        attention.backward(q, k, v, keyPaddingMask, params, out, lse, gradOut, gradQ, gradK, gradV);
    }

    @Override
    public void rope(Tensor x, Tensor positions, double theta, boolean interleaved, boolean inverse, Tensor out) {
        attention.rope(x, positions, theta, interleaved, inverse, out);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Launches a grid-stride kernel over {@code n} items. */
    private void launch(KernelSpec spec, int n, Object... args) {
        if (n == 0) return;
        ctx.launch(spec, LaunchConfig.elementwise(n, ctx.multiprocessors), args);
    }

    static int[] remove(int[] a, int i) {
        int[] out = new int[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    @Override
    public String toString() {
        return "CudaBackend(" + device() + ", sm_" + computeCapability() + ")";
    }
}
