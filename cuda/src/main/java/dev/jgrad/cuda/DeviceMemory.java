package dev.jgrad.cuda;

/** Raw device memory of one GPU (cudaMalloc / cudaFree / cudaMemGetInfo); a fake in tests. */
interface DeviceMemory {

    /** A new buffer of {@code bytes}, or 0 when the device is out of memory. */
    long malloc(long bytes);

    /** Returns a buffer from {@link #malloc}. */
    void free(long address);

    /** {@code {free, total}} bytes on the device right now. */
    long[] info();
}
