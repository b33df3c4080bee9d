package dev.jgrad.cuda;

import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compiles the kernel sources with NVRTC at run time, once per (file, target) per process.
 *
 * <p>Each .cu file is compiled with {@code jgrad.cuh} supplied as an in-memory header, for the target
 * {@link NvrtcTarget#choose} picks from the device's compute capability ({@code sm_XY} cubin when NVRTC knows
 * the architecture). A compile error throws with NVRTC's log. The images are cached in this process, so every
 * device of one architecture shares them; loading an image into a device's context is {@link CudaContext}'s job.
 */
final class KernelCompiler {

    private static final Map<String, byte[]> IMAGES = new ConcurrentHashMap<>();
    private static volatile int[] supportedArchs;

    private KernelCompiler() {}

    /** The architectures this NVRTC can compile for (e.g. 75, 80, 86, 89, 90, 100, 120). */
    static int[] supportedArchs() {
        int[] s = supportedArchs;
        if (s == null) {
            int[] n = new int[1];
            Native.checkNvrtc(nvrtc.nvrtcGetNumSupportedArchs(n), "nvrtcGetNumSupportedArchs");
            s = new int[n[0]];
            Native.checkNvrtc(nvrtc.nvrtcGetSupportedArchs(s), "nvrtcGetSupportedArchs");
            supportedArchs = s;
        }
        return s;
    }

    /** The compiled image (cubin or null-terminated PTX) of {@code file} for {@code target}. */
    static byte[] image(String file, NvrtcTarget target) {
        return IMAGES.computeIfAbsent(file + "@" + target.archOption(), k -> compile(file, target));
    }

    private static byte[] compile(String file, NvrtcTarget target) {
        String source = KernelSources.read(file);
        String header = KernelSources.read(KernelSources.HEADER);
        _nvrtcProgram program = new _nvrtcProgram();
        Native.checkNvrtc(nvrtc.nvrtcCreateProgram(program, new BytePointer(source), new BytePointer(file), 1,
                new PointerPointer<>(header), new PointerPointer<>(KernelSources.HEADER)), "nvrtcCreateProgram(" + file + ")");
        try {
            List<String> options = target.options();
            int status = nvrtc.nvrtcCompileProgram(program, options.size(),
                    new PointerPointer<>(options.toArray(String[]::new)));
            if (status != nvrtc.NVRTC_SUCCESS) {
                throw new CudaException("NVRTC could not compile " + file + " with " + options + ":\n" + log(program));
            }
            SizeTPointer size = new SizeTPointer(1);
            BytePointer out;
            if (target.cubin()) {
                Native.checkNvrtc(nvrtc.nvrtcGetCUBINSize(program, size), "nvrtcGetCUBINSize");
                out = new BytePointer(size.get());
                Native.checkNvrtc(nvrtc.nvrtcGetCUBIN(program, out), "nvrtcGetCUBIN");
            } else {
                Native.checkNvrtc(nvrtc.nvrtcGetPTXSize(program, size), "nvrtcGetPTXSize");
                out = new BytePointer(size.get()); // includes the terminating NUL the driver needs
                Native.checkNvrtc(nvrtc.nvrtcGetPTX(program, out), "nvrtcGetPTX");
            }
            byte[] bytes = new byte[(int) size.get()];
            out.get(bytes);
            return bytes;
        } finally {
            nvrtc.nvrtcDestroyProgram(program);
        }
    }

    private static String log(_nvrtcProgram program) {
        SizeTPointer size = new SizeTPointer(1);
        if (nvrtc.nvrtcGetProgramLogSize(program, size) != nvrtc.NVRTC_SUCCESS) return "(no log)";
        BytePointer log = new BytePointer(size.get());
        nvrtc.nvrtcGetProgramLog(program, log);
        return log.getString();
    }
}
