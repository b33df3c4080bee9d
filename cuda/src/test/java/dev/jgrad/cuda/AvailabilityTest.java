package dev.jgrad.cuda;

import dev.jgrad.core.Device;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.BackendProvider;

import org.junit.jupiter.api.Test;

import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The one-time availability check, with a fake probe, and the real one on this machine. */
class AvailabilityTest {

    @Test
    void aMissingDriverIsProbedOnceAndExplained() {
        AtomicInteger calls = new AtomicInteger();
        Availability a = new Availability(() -> {
            calls.incrementAndGet();
            // JavaCPP's shape: the outer error names the JNI library, its cause the missing driver library.
            UnsatisfiedLinkError outer = new UnsatisfiedLinkError("no jnicudart in java.library.path");
            outer.initCause(new UnsatisfiedLinkError("libjnicudart.so: libcuda.so.1: cannot open shared object file"));
            throw outer;
        });
        Availability.Result first = a.get(), second = a.get();
        assertEquals(1, calls.get());
        assertSame(first, second);
        assertFalse(first.available());
        assertTrue(first.reason().startsWith("CUDA is not available: the NVIDIA driver or a CUDA 13 library could not be"
                + " loaded (libjnicudart.so: libcuda.so.1: cannot open shared object file)"), first.reason());
        assertTrue(first.reason().contains("keeps running on the CPU"), first.reason());
    }

    @Test
    void noDeviceAndDriverErrorsAreReasonsToo() {
        Availability none = new Availability(() -> 0);
        assertTrue(none.get().reason().contains("no CUDA device was found"), none.get().reason());
        Availability old = new Availability(() -> {
            throw new CudaException("cudaGetDeviceCount failed: cudaErrorInsufficientDriver (35)");
        });
        assertTrue(old.get().reason().contains("cudaErrorInsufficientDriver"), old.get().reason());
        Availability ok = new Availability(() -> 2);
        assertTrue(ok.get().available());
        assertEquals(2, ok.get().deviceCount());
        assertEquals(null, ok.get().reason());
    }

    @Test
    void theProviderIsRegisteredForCuda() {
        boolean found = false;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class))
            if (p instanceof CudaProvider && p.deviceType() == Device.Type.CUDA) found = true;
        assertTrue(found, "META-INF/services does not register CudaProvider");
    }

    @Test
    void withoutAGpuAskingForCudaFailsWithTheSameOneMessage() {
        assumeFalse(CudaBackend.isAvailable(), "this machine has a usable GPU");
        String reason = CudaBackend.unavailableReason();
        assertSame(reason, CudaBackend.unavailableReason(), "the answer is remembered, not recomputed");
        assertTrue(reason.startsWith("CUDA is not available: "), reason);
        assertEquals(0, CudaBackend.deviceCount());
        Tensor x = Tensor.ones(2, 3);
        var e1 = assertThrows(IllegalStateException.class, () -> x.to(Device.cuda(0)));
        var e2 = assertThrows(IllegalStateException.class, () -> Tensor.empty(dev.jgrad.core.DType.F32, Device.cuda(0), 4));
        assertEquals(reason, e1.getMessage());
        assertEquals(reason, e2.getMessage());
        // the CPU is unaffected
        assertEquals(6.0, x.sum().item());
    }
}
