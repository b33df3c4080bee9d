package dev.jgrad.cuda;

import dev.jgrad.core.Device;

/** {@link TrainingStepParityCases} on {@code cuda:0}; skipped, with the reason, where no GPU is usable. */
@RequiresCuda
class GpuTrainingStepTest extends TrainingStepParityCases {

    @Override
    Device device() {
        return Device.cuda(0);
    }
}
