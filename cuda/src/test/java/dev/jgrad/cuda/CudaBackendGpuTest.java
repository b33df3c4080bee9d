package dev.jgrad.cuda;

/** {@link CudaDeviceCases} on the GPU {@code cuda:0}; skipped, with the reason, where no GPU is usable. */
@RequiresCuda
class CudaBackendGpuTest extends CudaDeviceCases {
}
