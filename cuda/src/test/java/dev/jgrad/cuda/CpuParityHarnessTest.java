package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link BackendParityCases} on the CPU's fast backend: the same cases the GPU runs, so the harness (inputs,
 * poisoning, reference calls, tolerances) is exercised on every machine, and the Vector API backend gets one
 * more comparison with the reference.
 */
class CpuParityHarnessTest extends Quant4bitParityCases {

    @Override
    Device device() {
        return Device.cpu();
    }

    @Override
    void poisonBool(Tensor t) {
        byte[] d = ((Storage.ByteStorage) t.storage()).data;
        java.util.Arrays.fill(d, (byte) 2);
    }

    @Test
    void poisonedOutputsExposeUnwrittenElements() {
        Tensor expected = Tensor.of(new float[] {1, 2, 3, 4});
        Tensor out = poisoned(DType.F32, 4);
        out.narrow(0, 0, 3).copyFrom(expected.narrow(0, 0, 3)); // a "kernel" that forgets the last element
        assertThrows(AssertionFailedError.class, () -> assertClose(expected, out, 1e-5, 1e-5, "partial"));
        Tensor mask = poisoned(DType.BOOL, 3);
        assertThrows(AssertionFailedError.class, () -> assertExact(Tensor.zeros(DType.BOOL, 3), mask, "bool"));
    }
}
