package dev.jgrad.cuda;

import dev.jgrad.core.Device;

/**
 * {@link TrainingStepParityCases} with the CPU on both sides: checks the harness itself (models, batch, optimizer,
 * state devices) on every machine; the two runs must agree exactly, being the same computation.
 */
class CpuTrainingStepHarnessTest extends TrainingStepParityCases {

    @Override
    Device device() {
        return Device.cpu();
    }
}
