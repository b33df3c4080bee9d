package dev.jgrad.cuda;

/**
 * The GPU could not provide a buffer, even after the caching allocator returned its idle blocks and the JVM
 * collected unreachable CUDA tensors. The message states the request, the device's free and total memory, and
 * what jgrad holds (in use and cached).
 */
public final class CudaOutOfMemoryError extends RuntimeException {

    private final long requestedBytes;
    private final long freeBytes;

    CudaOutOfMemoryError(String message, long requestedBytes, long freeBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /** The size asked for, in bytes. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Free device memory when the request failed, in bytes. */
    public long freeBytes() {
        return freeBytes;
    }
}
