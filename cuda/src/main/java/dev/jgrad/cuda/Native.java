package dev.jgrad.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * Small helpers around the JavaCPP CUDA presets: raw addresses as {@link Pointer}s, and status checks that
 * turn an error code into a {@link CudaException} naming the call. The only class besides the launchers that
 * touches the presets, so that the rest of the module loads without a driver.
 */
final class Native {

    private Native() {}

    /** A JavaCPP pointer to a raw (device or host) address. */
    static Pointer ptr(long address) {
        return new RawPointer(address);
    }

    private static final class RawPointer extends Pointer {
        RawPointer(long address) {
            this.address = address;
        }
    }

    /** Checks a runtime API status. */
    static void check(int status, String call) {
        if (status != cudart.cudaSuccess) {
            BytePointer name = cudart.cudaGetErrorName(status), text = cudart.cudaGetErrorString(status);
            throw new CudaException(call + " failed: " + (name == null ? "" : name.getString()) + " (" + status + "): "
                    + (text == null ? "" : text.getString()));
        }
    }

    /** Checks a driver API status. */
    static void checkDriver(int status, String call) {
        if (status != cudart.CUDA_SUCCESS) {
            PointerPointer<?> name = new PointerPointer<>(1L);
            String n = cudart.cuGetErrorName(status, name) == cudart.CUDA_SUCCESS && name.get(0) != null
                    ? name.getString(0) : "CUDA error";
            throw new CudaException(call + " failed: " + n + " (" + status + ")");
        }
    }

    /** Checks a cuBLAS status. */
    static void checkCublas(int status, String call) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            BytePointer text = cublas.cublasGetStatusString(status);
            throw new CudaException(call + " failed: " + (text == null ? "cuBLAS status " + status : text.getString()));
        }
    }

    /** Checks an NVRTC status. */
    static void checkNvrtc(int status, String call) {
        if (status != nvrtc.NVRTC_SUCCESS) {
            BytePointer text = nvrtc.nvrtcGetErrorString(status);
            throw new CudaException(call + " failed: " + (text == null ? "NVRTC status " + status : text.getString()));
        }
    }
}
