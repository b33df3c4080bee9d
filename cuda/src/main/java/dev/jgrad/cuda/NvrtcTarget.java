package dev.jgrad.cuda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What NVRTC compiles for a device of compute capability {@code major.minor}.
 *
 * <p>When NVRTC supports the device's architecture, it compiles straight to a cubin for it
 * ({@code --gpu-architecture=sm_XY}): the driver loads machine code and no JIT step (or driver/PTX version
 * match) is involved. For a device newer than this NVRTC knows, it emits PTX for the newest virtual
 * architecture not above the device ({@code compute_XY}), which the driver JIT-compiles once at load. A
 * device older than every supported architecture is an error naming both.
 *
 * @param arch    the architecture number (90 for sm_90)
 * @param cubin   true for {@code sm_XY} machine code, false for {@code compute_XY} PTX
 */
record NvrtcTarget(int arch, boolean cubin) {

    /** The target for compute capability {@code major.minor} given NVRTC's supported architectures. */
    static NvrtcTarget choose(int major, int minor, int[] supportedArchs) {
        int device = major * 10 + minor;
        int[] sorted = supportedArchs.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) throw new IllegalStateException("NVRTC reports no supported GPU architectures");
        if (Arrays.binarySearch(sorted, device) >= 0) return new NvrtcTarget(device, true);
        int best = -1;
        for (int a : sorted) if (a <= device) best = a;
        if (best < 0)
            throw new IllegalStateException("the GPU has compute capability " + major + "." + minor
                    + " but this NVRTC supports sm_" + sorted[0] + " and newer only");
        return new NvrtcTarget(best, false);
    }

    /** The option naming the architecture. */
    String archOption() {
        return "--gpu-architecture=" + (cubin ? "sm_" : "compute_") + arch;
    }

    /** All NVRTC options: the architecture, C++17, and no fast-math (results must match the CPU to 1e-5). */
    List<String> options() {
        List<String> o = new ArrayList<>();
        o.add(archOption());
        o.add("--std=c++17");
        o.add("--fmad=true");
        return o;
    }
}
