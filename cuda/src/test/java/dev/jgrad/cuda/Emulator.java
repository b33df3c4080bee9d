package dev.jgrad.cuda;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The tests' CPU emulator of the CUDA backend. The very kernel sources NVRTC compiles for a GPU are compiled by
 * g++ as host C++ (with {@code -DJG_EMULATOR} and the shim {@code emulator/emu.h}, which defines the CUDA keywords
 * and built-ins) into a shared library together with the fiber scheduler {@code emulator/emu_runtime.cpp} and one
 * generated wrapper per {@link Kernels} signature ({@code jg_emu_wrap_<kernel>(void** args)}, which unpacks the
 * very argument buffer {@link KernelArgs} packs for {@code cuLaunchKernel}). {@link EmulatedRuntime} loads it with
 * the FFM API and serves as the {@link DeviceRuntime} of {@code cuda:0}: host memory stands for device memory,
 * launches run every block's threads as fibers, GEMMs follow cuBLAS's documented semantics.
 *
 * <p>So the whole backend runs here, launchers, argument packing, kernels and all, without a GPU. What it cannot
 * show: NVRTC's own compilation, the GPU's memory model and warp scheduling (fibers run one at a time, in order),
 * device math functions (the host's libm stands in), cuBLAS's summation order, and speed.
 *
 * <p>The library is built once per source version into {@code target/jgrad-emulator/<hash>/} (g++ -O1, seconds).
 * Without g++ on the PATH, the emulated tests are skipped with that reason.
 */
final class Emulator {

    static final String RESOURCES = "/dev/jgrad/cuda/emulator/";
    static final List<String> FLAGS = List.of("-std=c++17", "-O1", "-fPIC", "-shared", "-w", "-DJG_EMULATOR",
            "-include", "emu.h", "-I.");

    private static EmulatedRuntime runtime;
    private static String unavailable;

    private Emulator() {}

    /** Makes {@code cuda:0} the emulated device in this JVM (once), or skips the calling tests, saying why. */
    static synchronized EmulatedRuntime installOrSkip() {
        if (runtime == null && unavailable == null) {
            try {
                Path gxx = find("g++");
                if (gxx == null) unavailable = "g++ is not on the PATH: the CUDA emulator cannot be built";
                else {
                    runtime = new EmulatedRuntime(build(gxx));
                    CudaBackend.install(0, runtime);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("building the CUDA emulator failed: " + e.getMessage(), e);
            }
        }
        Assumptions.assumeTrue(unavailable == null, unavailable);
        return runtime;
    }

    static Path find(String program) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** The C++ sources of the library: kernel files with their wrappers, the runtime, by file name. */
    static Map<String, String> sources() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put(KernelSources.HEADER, KernelSources.read(KernelSources.HEADER));
        for (String f : KernelSources.FILES) out.put(f, KernelSources.read(f));
        out.put("emu.h", resource("emu.h"));
        out.put("emu_runtime.cpp", resource("emu_runtime.cpp"));
        for (String f : KernelSources.FILES) out.put("emu_" + f.replace(".cu", ".cpp"), wrappers(f));
        out.put("emu_dropout.cpp", DROPOUT_EXPORTS);
        return out;
    }

    /** The dropout hash of jgrad.cuh, exported for a bit-for-bit comparison with the Java one. */
    static final String DROPOUT_EXPORTS = """
            #include "jgrad.cuh"
            extern "C" unsigned jg_emu_dropout_row_key(long long seed, int b, int h, int i) {
                return jg_dropout_row_key((u64) seed, b, h, i);
            }
            extern "C" unsigned jg_emu_dropout_bits(unsigned rowKey, int j) { return jg_dropout_bits(rowKey, j); }
            extern "C" int jg_emu_dropout_keep(unsigned rowKey, int j, int threshold) {
                return jg_dropout_keep(rowKey, j, threshold) ? 1 : 0;
            }
            """;

    /**
     * {@code #include "file.cu"} and, for each kernel of the file, an {@code extern "C"} wrapper that calls it with
     * the arguments unpacked from the {@code void**} array of argument addresses (as cuLaunchKernel takes them).
     */
    static String wrappers(String file) {
        StringBuilder s = new StringBuilder("#include \"" + file + "\"\n\n");
        s.append("namespace {\n// A device pointer argument, converting to whatever pointer type the kernel takes.\n")
                .append("struct JgPtr { void* p; template <class T> operator T*() const { return (T*) p; } };\n}\n\n");
        for (KernelSpec k : Kernels.all()) {
            if (!k.file().equals(file)) continue;
            s.append("extern \"C\" void jg_emu_wrap_").append(k.name()).append("(void** a) {\n    ").append(k.name()).append('(');
            for (int i = 0; i < k.params().size(); i++) {
                if (i > 0) s.append(", ");
                s.append(switch (k.params().get(i)) {
                    case PTR -> "JgPtr{*(void**) a[" + i + "]}";
                    case I32 -> "*(int*) a[" + i + "]";
                    case I64 -> "*(long long*) a[" + i + "]";
                    case F32 -> "*(float*) a[" + i + "]";
                    case F64 -> "*(double*) a[" + i + "]";
                    case LAYOUT -> "*(Strided*) a[" + i + "]";
                    case CODEBOOK -> "*(Codebook*) a[" + i + "]";
                });
            }
            s.append(");\n}\n\n");
        }
        return s.toString();
    }

    private static String resource(String name) {
        try (InputStream in = Emulator.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new IllegalStateException("emulator source " + name + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compiles the library unless this version of the sources was built already; returns its path. */
    static Path build(Path gxx) throws IOException, InterruptedException {
        Map<String, String> sources = sources();
        Path dir = Path.of("target", "jgrad-emulator", hash(sources)).toAbsolutePath();
        Path lib = dir.resolve("libjgemu.so");
        if (Files.isRegularFile(lib)) return lib;
        Files.createDirectories(dir);
        for (var e : sources.entrySet()) Files.writeString(dir.resolve(e.getKey()), e.getValue());
        List<String> cmd = new ArrayList<>(List.of(gxx.toString()));
        cmd.addAll(FLAGS);
        cmd.add("emu_runtime.cpp");
        for (String f : KernelSources.FILES) cmd.add("emu_" + f.replace(".cu", ".cpp"));
        cmd.add("emu_dropout.cpp");
        cmd.addAll(List.of("-o", "libjgemu.tmp.so"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("g++ timed out building the CUDA emulator");
        }
        if (p.exitValue() != 0) throw new IOException("g++ failed building the CUDA emulator in " + dir + ":\n" + out);
        Files.move(dir.resolve("libjgemu.tmp.so"), lib);
        try (var older = Files.list(dir.getParent())) { // builds of earlier source versions
            for (Path o : older.filter(d -> !d.equals(dir)).toList()) deleteTree(o);
        }
        return lib;
    }

    private static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }

    private static String hash(Map<String, String> sources) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(String.join(" ", FLAGS).getBytes(StandardCharsets.UTF_8));
            for (var e : sources.entrySet()) {
                d.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                d.update(e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
