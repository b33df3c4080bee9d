package dev.jgrad.cuda;

/** {@link CudaKernelsCases} on the GPU {@code cuda:0}; skipped, with the reason, where no GPU is usable. */
@RequiresCuda
class CudaKernelsGpuTest extends CudaKernelsCases {
}
