package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AttentionParams;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.ops.Attention;
import dev.jgrad.core.ops.AttentionOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA attention kernels have no sliding-window mask: a windowed call (Mistral) is refused with a message
 * that says so, forward and backward, instead of silently attending to every key. On the CPU emulator; skipped
 * without g++.
 */
class SlidingWindowRefusalTest {

    @BeforeAll
    static void emulator() {
        Emulator.installOrSkip();
    }

    @Test
    void aWindowedAttentionCallIsRefusedOnCuda() {
        Device d = Device.cuda(0);
        Tensor q = Tensor.zeros(DType.F32, 1, 2, 4, 8).to(d);
        var e = assertThrows(UnsupportedOperationException.class, () -> Attention.scaledDotProductAttention(q, q, q,
                AttentionOptions.DEFAULT.withCausal(true).withWindow(3)));
        assertTrue(e.getMessage().contains("sliding-window attention (window 3) is not supported on CUDA yet"), e.getMessage());
        Backend b = CudaBackend.forDevice(d);
        AttentionParams p = new AttentionParams(0.5, true, 0, 0, 3);
        Tensor o = Tensor.empty(DType.F32, d, 1, 2, 4, 8), lse = Tensor.empty(DType.F32, d, 1, 2, 4);
        assertThrows(UnsupportedOperationException.class,
                () -> b.attentionBackward(q, q, q, null, p, o, lse, o, o, o, o));
    }
}
