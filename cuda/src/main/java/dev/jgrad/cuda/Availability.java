package dev.jgrad.cuda;

import java.util.function.Supplier;

/**
 * A check that runs once: whether CUDA can be used in this process and, if not, why.
 *
 * <p>The probe loads JavaCPP's CUDA presets, which throws {@link UnsatisfiedLinkError} when the NVIDIA driver
 * ({@code libcuda.so.1}) or a CUDA library is missing and {@link NoClassDefFoundError} on any later attempt; both
 * are {@link LinkageError}s, caught here once. The answer (available, or the reason) is remembered: asking again
 * never retries, so a machine without a GPU pays for the failed load once and every later request for a CUDA
 * device fails at once with the same message.
 */
final class Availability {

    /** The outcome: {@code reason} is null when available. */
    record Result(boolean available, String reason, int deviceCount) {}

    private final Supplier<Integer> probe;
    private volatile Result result;

    /** {@code probe} returns the number of CUDA devices, or throws (a LinkageError or a CudaException). */
    Availability(Supplier<Integer> probe) {
        this.probe = probe;
    }

    Result get() {
        Result r = result;
        if (r != null) return r;
        synchronized (this) {
            if (result == null) result = run();
            return result;
        }
    }

    private Result run() {
        try {
            int n = probe.get();
            if (n <= 0) return new Result(false, message("no CUDA device was found (cudaGetDeviceCount = 0)"), 0);
            return new Result(true, null, n);
        } catch (LinkageError e) {
            return new Result(false, message("the NVIDIA driver or a CUDA 13 library could not be loaded ("
                    + rootMessage(e) + ")"), 0);
        } catch (RuntimeException e) {
            return new Result(false, message(rootMessage(e)), 0);
        }
    }

    static String message(String cause) {
        return "CUDA is not available: " + cause + ". jgrad keeps running on the CPU; to use Device.cuda(i) install"
                + " the NVIDIA driver and the CUDA 13 runtime, cuBLAS and NVRTC libraries (see cuda/README.md).";
    }

    /** The message of the innermost cause, which names the missing library. */
    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        String m = c.getMessage();
        return m == null ? c.getClass().getName() : m;
    }
}
