package dev.jgrad.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Compiles every kernel resource with {@code nvcc --ptx -arch=sm_90} (as NVRTC will at run time, C++17) so a
 * syntax or type error never waits for a GPU, and checks the Java side against the PTX: every {@link Kernels}
 * signature names an entry whose parameters have the declared kinds and sizes, and every entry has a signature.
 * Skips, saying so, when nvcc is not on the PATH.
 */
class KernelAbiTest {

    private static final Pattern ENTRY = Pattern.compile("\\.visible \\.entry (\\w+)\\(([^)]*)\\)", Pattern.DOTALL);
    private static final Pattern PARAM = Pattern.compile("\\.param (?:\\.align (\\d+) )?(\\.\\w+) \\w+(?:\\[(\\d+)])?");

    @TempDir
    static Path dir;
    private static final Map<String, Map<String, List<String>>> ENTRIES = new HashMap<>();
    private static Path nvcc;

    @BeforeAll
    static void compileAll() throws Exception {
        nvcc = Nvcc.find();
        if (nvcc == null) return;
        Nvcc.writeSources(dir);
        for (String file : KernelSources.FILES) {
            String ptx = file.replace(".cu", ".ptx");
            Nvcc.Result r = Nvcc.run(nvcc, dir, "--ptx", "-arch=sm_90", "-std=c++17", "-I.", file, "-o", ptx);
            assertEquals(0, r.exitCode(), "nvcc --ptx failed for " + file + ":\n" + r.output());
            ENTRIES.put(file, entries(Files.readString(dir.resolve(ptx))));
        }
    }

    private static void requireNvcc() {
        assumeTrue(nvcc != null, "nvcc is not on the PATH: the CUDA kernels were not compiled on this machine");
    }

    /** Entry name to its parameters as "type" or "type[bytes]". */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new HashMap<>();
        Matcher m = ENTRY.matcher(ptx);
        while (m.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) params.add(p.group(3) == null ? p.group(2) : p.group(2) + "[" + p.group(3) + "]");
            out.put(m.group(1), params);
        }
        return out;
    }

    @Test
    void everyKernelFileCompilesToPtxForSm90() {
        requireNvcc();
        for (String file : KernelSources.FILES)
            assertFalse(ENTRIES.get(file).isEmpty(), file + " compiled to PTX without any kernel entry");
    }

    @Test
    void everyJavaSignatureMatchesItsPtxEntry() {
        requireNvcc();
        List<KernelSpec> specs = Kernels.all();
        assertTrue(specs.size() >= 50, "expected every kernel to have a signature, found " + specs.size());
        for (KernelSpec s : specs) {
            List<String> ptx = ENTRIES.get(s.file()).get(s.name());
            assertTrue(ptx != null, s.name() + " is not an entry of " + s.file() + " (entries: "
                    + new TreeSet<>(ENTRIES.get(s.file()).keySet()) + ")");
            List<String> expected = new ArrayList<>();
            for (KernelSpec.Param p : s.params())
                expected.add(p.ptxType.equals(".b8") ? ".b8[" + p.bytes + "]" : p.ptxType);
            assertEquals(expected, ptx, "parameters of " + s);
        }
    }

    @Test
    void everyPtxEntryHasAJavaSignature() {
        requireNvcc();
        Set<String> declared = new TreeSet<>();
        for (KernelSpec s : Kernels.all()) declared.add(s.file() + ":" + s.name());
        for (var e : ENTRIES.entrySet())
            for (String name : e.getValue().keySet())
                assertTrue(declared.contains(e.getKey() + ":" + name),
                        "kernel " + name + " in " + e.getKey() + " has no signature in Kernels (no launcher can call it)");
    }

    @Test
    void kernelsPassPtxasForSm90WithoutSpills() throws Exception {
        requireNvcc();
        for (String file : KernelSources.FILES) {
            Nvcc.Result r = Nvcc.run(nvcc, dir, "-cubin", "-arch=sm_90", "-std=c++17", "-I.", "-Xptxas", "-v", file,
                    "-o", file.replace(".cu", ".cubin"));
            assertEquals(0, r.exitCode(), "ptxas failed for " + file + ":\n" + r.output());
            Matcher spill = Pattern.compile("(\\d+) bytes spill stores").matcher(r.output());
            while (spill.find()) assertEquals("0", spill.group(1), file + " spills registers:\n" + r.output());
        }
    }
}
