package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parity cases ({@link BackendParityCases}, {@link FusedParityCases}, {@link AttentionParityCases},
 * {@link Quant4bitParityCases}) on {@code cuda:0}, plus what only a CUDA device has: TF32 and BF16 matrix products, float64 and BF16 cuBLAS paths,
 * run-to-run determinism of reductions, and element access. Run on a GPU ({@link CudaBackendGpuTest}) and on the
 * CPU emulator ({@link EmulatedBackendTest}).
 */
abstract class CudaDeviceCases extends Quant4bitParityCases {

    @Override
    Device device() {
        return Device.cuda(0);
    }

    @Override
    void poisonBool(Tensor t) {
        CudaContext ctx = CudaBackend.forDevice(device()).context();
        ctx.launch(Kernels.FILL, LaunchConfig.elementwise(t.numel(), ctx.multiprocessors), DeviceLayout.of(t), t,
                CudaDTypes.code(DType.U8), 171.0);
    }

    @Test
    void tensorsLiveOnTheGpu() {
        Tensor x = Tensor.ones(3, 4).to(device());
        assertEquals(device(), x.device());
        assertInstanceOf(CudaStorage.class, x.storage());
        assertInstanceOf(CudaBackend.class, x.backend());
        x.storage().setDouble(5, 7.5);
        assertEquals(7.5, x.get(1, 1));
        assertEquals(18.5, x.sum().item(), 0);
    }

    @Test
    void tf32MatmulIsWithinOneThousandth() {
        Autocast.allowTf32(true);
        try {
            checkMatmul(pair(randn(100, 2, 65, 1023)), pair(randn(101, 2, 1023, 47)), 0f, 1e-3, "TF32 matmul");
        } finally {
            Autocast.allowTf32(false);
        }
    }

    @Test
    void bf16AutocastMatmulIsWithinOnePercentAndKeepsFloat32Outputs() {
        try (Autocast ignored = Autocast.bf16()) {
            assertTrue(Autocast.bf16Enabled());
            checkMatmul(pair(randn(102, 3, 33, 1023)), pair(randn(103, 1, 1023, 65)).view(t -> t.transpose(1, 2)
                    .contiguous().transpose(1, 2)), 0f, 1e-2, "BF16 autocast matmul");
            Tensor y = randn(104, 8, 16).to(device()).matmul(randn(105, 16, 4).to(device()));
            assertEquals(DType.F32, y.dtype());
        }
        assertTrue(!Autocast.bf16Enabled());
    }

    @Test
    void float64AndBf16OperandProducts() {
        Pair a = pair(randn(106, 2, 9, 31).to(DType.F64)), b = pair(randn(107, 2, 31, 5).to(DType.F64));
        Tensor expected = Tensor.zeros(DType.F64, 2, 9, 5), out = poisoned(DType.F64, 2, 9, 5);
        REF.matmul(a.cpu(), b.cpu(), expected, 0f);
        dut().matmul(a.dev(), b.dev(), out, 0f);
        assertClose(expected, out, 1e-12, 1e-12, "float64 matmul");

        Pair a16 = pair(randn(108, 1, 9, 64).to(DType.BF16)), b16 = pair(randn(109, 1, 64, 5).to(DType.BF16));
        Tensor e16 = Tensor.zeros(1, 9, 5), o16 = poisoned(DType.F32, 1, 9, 5);
        REF.matmul(a16.cpu(), b16.cpu(), e16, 0f); // exact products of the bf16 values, summed in double
        dut().matmul(a16.dev(), b16.dev(), o16, 0f);
        assertClose(e16, o16, 1e-5, 1e-5 * 8, "bf16 operands, float32 accumulation");
    }

    @Test
    void reductionsAndSoftmaxAreBitIdenticalRunToRun() {
        Tensor x = randn(110, 64, 5000).to(device());
        float[] s1 = x.sum(1, true).toFloatArray(), s2 = x.sum(1, true).toFloatArray();
        float[] p1 = x.softmax(-1).toFloatArray(), p2 = x.softmax(-1).toFloatArray();
        assertTrue(java.util.Arrays.equals(s1, s2) && java.util.Arrays.equals(p1, p2));
    }

    @Test
    void hostArraysMayChangeRightAfterAnAsynchronousCopy() {
        float[] data = new float[1 << 20];
        java.util.Arrays.fill(data, 1f);
        Tensor host = Tensor.of(data);
        Tensor dev = host.to(device());
        java.util.Arrays.fill(data, 2f); // the copy was staged already
        assertEquals(1 << 20, dev.sum().item(), 0);
    }
}
