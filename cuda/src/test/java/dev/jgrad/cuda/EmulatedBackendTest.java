package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AttentionParams;
import dev.jgrad.core.backend.Backend;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CudaDeviceCases} on the CPU emulator of {@code cuda:0} ({@link Emulator}): the CUDA backend's launchers
 * and the kernels themselves, compiled as host C++, against the reference backend. Skipped without g++.
 */
class EmulatedBackendTest extends CudaDeviceCases {

    static EmulatedRuntime runtime;

    @BeforeAll
    static void emulator() {
        runtime = Emulator.installOrSkip();
    }

    @Test
    void theWorkRunsThroughTheEmulatedDevice() {
        long before = runtime.launches();
        Tensor x = Tensor.ones(3, 5).to(device());
        assertInstanceOf(CudaStorage.class, x.storage());
        assertTrue(x.exp().sum().item() > 40);
        assertTrue(runtime.launches() >= before + 2, "exp and sum ran as kernels");
    }

    @Test
    void hostTensorsAreRefusedNamingTheOpAndTheDevices() {
        Tensor x = Tensor.ones(2, 3), onDevice = x.to(device());
        Tensor y = Tensor.empty(DType.F32, device(), 2, 3), stats = Tensor.empty(DType.F32, device(), 2);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dut().layerNorm(x, null, null, 1e-5, y, stats, stats));
        assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("cpu")
                && e.getMessage().contains("cuda:0"), e.getMessage());
        var t = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dut().crossEntropy(onDevice, Tensor.of(new long[] {0, 1}), -100, 0, stats, stats));
        assertTrue(t.getMessage().contains("crossEntropy") && t.getMessage().contains("cpu"), t.getMessage());
        var w = Quant4bitParityCases.hostWeight(1, 2, 3, Quant4bitParityCases.NF4, 64);     // a 4-bit weight left on the host
        var q = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> dut().matmul4bit(onDevice, w, Tensor.empty(DType.F32, device(), 2, 2)));
        assertTrue(q.getMessage().contains("matmul4bit") && q.getMessage().contains("cpu")
                && q.getMessage().contains("cuda:0"), q.getMessage());
    }

    @Test
    void aKernelGivenTooLittleSharedMemoryTrapsAndItsLaunchFails() {
        CudaContext ctx = CudaBackend.forDevice(device()).context();
        Tensor q = Tensor.ones(1, 1, 2, 8).to(device());
        Tensor out = Tensor.empty(DType.F32, device(), 1, 1, 2, 8), lse = Tensor.empty(DType.F32, device(), 1, 1, 2);
        var e = org.junit.jupiter.api.Assertions.assertThrows(CudaException.class,
                () -> ctx.launch(Kernels.ATTENTION_FORWARD_GENERIC[0], new LaunchConfig(2, 1, 1, 128, 1, 1, 64), out, lse,
                        q, q, q, null, 1, 1, 2, 2, 8, 1f, 0, 0L, 0, 0, 1f));
        assertTrue(e.getMessage().contains("attention_forward_generic_f32") && e.getMessage().contains("__trap()"),
                e.getMessage());
    }

    /**
     * Runs kernels that share data between threads (block reductions, shared-memory tiles, warp shuffles) with each
     * block's threads scheduled first to last and then last to first: a missing barrier lets a thread read a value
     * another has not written yet in one of the two orders, so the results differ.
     */
    @Test
    void resultsDoNotDependOnTheOrderInWhichThreadsRun() {
        List<float[]> forward = sharingKernels(), reverse;
        runtime.reverseThreads = true;
        try {
            reverse = sharingKernels();
        } finally {
            runtime.reverseThreads = false;
        }
        for (int i = 0; i < forward.size(); i++) assertArrayEquals(forward.get(i), reverse.get(i), "result " + i);
    }

    private List<float[]> sharingKernels() {
        Backend b = dut();
        Device d = device();
        Generator g = new Generator(3);
        List<float[]> out = new ArrayList<>();
        for (int headDim : new int[] {64, 20}) { // tiled, generic
            Tensor q = Tensor.randn(g, 2, 4, 37, headDim).to(d), k = Tensor.randn(g, 2, 2, 41, headDim).to(d);
            Tensor v = Tensor.randn(g, 2, 2, 41, headDim).to(d), gOut = Tensor.randn(g, 2, 4, 37, headDim).to(d);
            boolean[] pad = new boolean[2 * 41];
            pad[3] = pad[50] = true;
            Tensor mask = Tensor.ofBooleans(pad, 2, 41).to(d);
            AttentionParams p = new AttentionParams(0.2, true, 0.1, 5);
            Tensor o = Tensor.empty(DType.F32, d, 2, 4, 37, headDim), lse = Tensor.empty(DType.F32, d, 2, 4, 37);
            b.attentionForward(q, k, v, mask, p, o, lse);
            Tensor gq = Tensor.empty(DType.F32, d, q.shape()), gk = Tensor.empty(DType.F32, d, k.shape());
            Tensor gv = Tensor.empty(DType.F32, d, k.shape());
            b.attentionBackward(q, k, v, mask, p, o, lse, gOut, gq, gk, gv);
            for (Tensor t : List.of(o, lse, gq, gk, gv)) out.add(t.toFloatArray());
        }
        Tensor x = Tensor.randn(g, 9, 2049).to(d), w = Tensor.randn(g, 2049).to(d);
        Tensor y = Tensor.empty(DType.F32, d, 9, 2049), mean = Tensor.empty(DType.F32, d, 9), rstd = Tensor.empty(DType.F32, d, 9);
        b.layerNorm(x, w, w, 1e-5, y, mean, rstd);
        Tensor dx = Tensor.empty(DType.F32, d, 9, 2049), dw = Tensor.empty(DType.F32, d, 2049);
        b.layerNormBackward(x, x, w, mean, rstd, dx, dw, null);
        Tensor soft = Tensor.empty(DType.F32, d, 9, 2049), sums = Tensor.empty(DType.F32, d, 9, 1);
        b.softmax(x, soft, false);
        b.reduce(dev.jgrad.core.backend.ReduceOp.SUM, x, 1, sums);
        for (Tensor t : List.of(y, mean, rstd, dx, dw, soft, sums)) out.add(t.toFloatArray());
        return out;
    }
}
