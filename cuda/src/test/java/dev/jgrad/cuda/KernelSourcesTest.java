package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.backend.BinaryOp;
import dev.jgrad.core.backend.ReduceOp;
import dev.jgrad.core.backend.UnaryOp;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The constants the kernels share with Java agree (op codes = enum ordinals, dtype codes, layout limits), every
 * op has a case in the kernels' switch, and the sources stay compilable by NVRTC without include paths.
 */
class KernelSourcesTest {

    private static final Pattern DEFINE = Pattern.compile("#define (\\w+) (-?\\d+)\\b");

    private static Map<String, Integer> defines(String source) {
        Map<String, Integer> out = new HashMap<>();
        Matcher m = DEFINE.matcher(source);
        while (m.find()) out.put(m.group(1), Integer.parseInt(m.group(2)));
        return out;
    }

    @Test
    void unaryAndBinaryOpCodesAreTheEnumOrdinalsAndEachHasACase() {
        String src = KernelSources.read("elementwise.cu");
        Map<String, Integer> d = defines(src);
        for (UnaryOp op : UnaryOp.values()) {
            assertEquals(op.ordinal(), d.get("UOP_" + op.name()), "UOP_" + op.name());
            assertTrue(src.contains("case UOP_" + op.name() + ":"), "no kernel case for " + op);
        }
        for (BinaryOp op : BinaryOp.values()) {
            assertEquals(op.ordinal(), d.get("BOP_" + op.name()), "BOP_" + op.name());
            assertTrue(src.contains("case BOP_" + op.name() + ":"), "no kernel case for " + op);
        }
        assertEquals(UnaryOp.values().length, d.keySet().stream().filter(k -> k.startsWith("UOP_")).count());
        assertEquals(BinaryOp.values().length, d.keySet().stream().filter(k -> k.startsWith("BOP_")).count());
    }

    @Test
    void reduceOpCodesAreTheEnumOrdinals() {
        Map<String, Integer> d = defines(KernelSources.read("reduce.cu"));
        for (ReduceOp op : ReduceOp.values()) assertEquals(op.ordinal(), d.get("ROP_" + op.name()), "ROP_" + op.name());
    }

    @Test
    void dtypeCodesAndLayoutLimitsMatchTheHeader() {
        Map<String, Integer> d = defines(KernelSources.read(KernelSources.HEADER));
        for (DType t : DType.values()) assertEquals(CudaDTypes.code(t), d.get(CudaDTypes.macro(t)), t.name());
        assertEquals(DeviceLayout.MAX_RANK, d.get("JG_MAX_RANK"));
        assertEquals(DeviceLayout.MAX_OPERANDS, d.get("JG_MAX_OPS"));
    }

    @Test
    void attentionHeadDimsAreInstantiated() {
        String src = KernelSources.read("attention.cu");
        for (int dim : Kernels.ATTENTION_HEAD_DIMS) assertTrue(src.contains("ATTENTION_ENTRIES(" + dim + ")"), "D=" + dim);
    }

    @Test
    void sourcesIncludeOnlyTheSharedHeader() {
        for (String f : KernelSources.FILES) {
            String src = KernelSources.read(f);
            Matcher inc = Pattern.compile("#include\\s*([<\"][^>\"]+[>\"])").matcher(src);
            while (inc.find())
                assertEquals("\"" + KernelSources.HEADER + "\"", inc.group(1),
                        f + " includes " + inc.group(1) + ": NVRTC runs without include paths, only jgrad.cuh is supplied");
        }
        assertFalse(KernelSources.read(KernelSources.HEADER).contains("#include"), "the header must include nothing");
    }

    @Test
    void everyCuResourceIsListed() throws URISyntaxException, java.io.IOException {
        Path dir = Path.of(KernelSources.class.getResource(KernelSources.DIRECTORY).toURI());
        Set<String> onDisk;
        try (Stream<Path> s = Files.list(dir)) {
            onDisk = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(new TreeSet<>(KernelSources.FILES), onDisk);
    }
}
