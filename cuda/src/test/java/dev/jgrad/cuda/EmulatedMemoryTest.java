package dev.jgrad.cuda;

import org.junit.jupiter.api.BeforeAll;

/** {@link CudaMemoryCases} on the CPU emulator of {@code cuda:0} ({@link Emulator}); skipped without g++. */
class EmulatedMemoryTest extends CudaMemoryCases {

    @BeforeAll
    static void emulator() {
        Emulator.installOrSkip();
    }
}
