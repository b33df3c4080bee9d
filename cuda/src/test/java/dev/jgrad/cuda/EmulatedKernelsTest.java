package dev.jgrad.cuda;

import org.junit.jupiter.api.BeforeAll;

/** {@link CudaKernelsCases} on the CPU emulator of {@code cuda:0} ({@link Emulator}); skipped without g++. */
class EmulatedKernelsTest extends CudaKernelsCases {

    @BeforeAll
    static void emulator() {
        Emulator.installOrSkip();
    }
}
