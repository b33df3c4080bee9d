package dev.jgrad.cuda;

/** {@link CudaMemoryCases} on the GPU {@code cuda:0}; skipped, with the reason, where no GPU is usable. */
@RequiresCuda
class CudaMemoryGpuTest extends CudaMemoryCases {
}
