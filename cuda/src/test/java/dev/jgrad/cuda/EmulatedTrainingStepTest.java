package dev.jgrad.cuda;

import dev.jgrad.core.Device;

import org.junit.jupiter.api.BeforeAll;

/**
 * {@link TrainingStepParityCases} on the CPU emulator of {@code cuda:0} ({@link Emulator}): a GPT-2 and a LLaMA
 * training step through the whole CUDA backend; skipped without g++.
 */
class EmulatedTrainingStepTest extends TrainingStepParityCases {

    @BeforeAll
    static void emulator() {
        Emulator.installOrSkip();
    }

    @Override
    Device device() {
        return Device.cuda(0);
    }
}
