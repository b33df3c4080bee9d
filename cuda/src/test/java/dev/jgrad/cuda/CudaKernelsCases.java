package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import static dev.jgrad.cuda.BackendParityCases.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The kernels of {@link CudaKernels} (embedding and 4-bit weights) against CPU references on odd sizes, with
 * NaN-poisoned outputs: the embedding against the reference backend's index_select / index_add, 4-bit against
 * {@link FusedReferences#dequantize4bit}. Tolerances: exact for gathers and decoding; 1e-5 relative with an
 * absolute floor of 1e-5·√(terms summed) for sums. (The Backend's fused ops are in {@link FusedParityCases}.)
 * Run on a GPU ({@link CudaKernelsGpuTest}) and on the CPU emulator ({@link EmulatedKernelsTest}).
 */
abstract class CudaKernelsCases {

    private static final Device GPU = Device.cuda(0);
    private final Generator gen = new Generator(2024);

    private CudaKernels k() {
        return CudaKernels.on(GPU);
    }

    private Tensor randn(int... shape) {
        return Tensor.randn(gen, shape);
    }

    private static Tensor nan(int... shape) {
        Tensor t = Tensor.empty(DType.F32, GPU, shape);
        t.backend().fill(t, Double.NaN);
        return t;
    }

    private static Tensor gpu(Tensor t) {
        return t.to(GPU);
    }

    @Test
    void embeddingForwardAndDeterministicBackward() {
        Tensor weight = randn(1000, 33);
        long[] ids = new long[4099];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 31L * i) % 997;
        Tensor idT = Tensor.of(ids);
        Tensor out = nan(ids.length, 33);
        k().embeddingForward(gpu(weight), gpu(idT), out);
        assertClose(weight.indexSelect(0, idT), out, 0, 0, "embedding forward");
        Tensor dOut = randn(ids.length, 33);
        Tensor expected = Tensor.zeros(1000, 33);
        BackendParityCases.REF.indexAdd(expected, 0, idT, dOut);
        Tensor d1 = gpu(Tensor.zeros(1000, 33)), d2 = gpu(Tensor.zeros(1000, 33));
        k().embeddingBackward(gpu(dOut), gpu(idT), d1);
        k().embeddingBackward(gpu(dOut), idT, d2);
        assertClose(expected, d1, 1e-5, 1e-5, "embedding backward");
        assertArrayEquals(d1.toFloatArray(), d2.toFloatArray(), "bit-identical runs (device and host ids)");
    }

    @Test
    void fourBitDequantizeMatvecAndMatmul() {
        float[] nf4 = {-1.0f, -0.6961928f, -0.52507305f, -0.3949175f, -0.28444138f, -0.18477343f, -0.091050036f, 0f,
                0.0795803f, 0.1609302f, 0.2461123f, 0.33791524f, 0.44070983f, 0.562617f, 0.72295684f, 1.0f};
        for (int[] s : new int[][] {{1, 64}, {7, 15}, {17, 1024}, {301, 4096}}) {
            int rows = s[0], cols = s[1], n = rows * cols, bs = 64;
            byte[] packed = new byte[(n + 1) / 2];
            for (int i = 0; i < packed.length; i++) packed[i] = (byte) ((i * 2654435761L) >>> 13);
            float[] absmax = randn((n + bs - 1) / bs).abs().add(0.1).toFloatArray();
            float[] w = FusedReferences.dequantize4bit(packed, absmax, nf4, bs, n);
            Tensor pk = gpu(new Tensor(new dev.jgrad.core.Storage.ByteStorage(DType.U8, packed), packed.length));
            Tensor am = gpu(Tensor.of(absmax));
            Tensor deq = nan(n);
            k().dequantize4bit(pk, am, nf4, bs, deq);
            assertClose(Tensor.of(w), deq, 0, 0, "dequantize " + rows + "x" + cols);
            Tensor wt = Tensor.of(w, rows, cols);
            Tensor x = randn(cols), y = nan(rows);
            k().matvec4bit(pk, am, nf4, bs, rows, cols, gpu(x), y);
            assertClose(wt.matmul(x), y, 1e-5, 1e-5 * Math.sqrt(cols), "matvec " + rows + "x" + cols);
            Tensor xs = randn(37, cols), ys = nan(37, rows);
            k().matmul4bit(pk, am, nf4, bs, rows, cols, gpu(xs), ys);
            assertClose(xs.matmul(wt.t()), ys, 1e-5, 1e-5 * Math.sqrt(cols), "matmul " + rows + "x" + cols);
        }
    }
}
