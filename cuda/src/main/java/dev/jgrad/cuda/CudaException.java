package dev.jgrad.cuda;

/** A CUDA runtime, driver, NVRTC or cuBLAS call failed; the message names the call and the error. */
public final class CudaException extends RuntimeException {
    CudaException(String message) {
        super(message);
    }
}
