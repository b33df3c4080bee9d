package dev.jgrad.core.io;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class SafetensorsTensorTest {

    @Test
    void tensorsRoundTripWithTheirTypesAndShapes(@TempDir Path dir) throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.randn(new Generator(3), 3, 4).transpose(0, 1)); // non-contiguous source
        in.put("ids", Tensor.of(new long[] {1, -2, 1L << 40}, 3));
        in.put("scalar", Tensor.scalar(2.5));
        in.put("mask", Tensor.ofBooleans(new boolean[] {true, false}, 2));
        Path file = dir.resolve("t.safetensors");
        Safetensors.save(file, in, Map.of("format", "pt"));
        Map<String, Tensor> out = Safetensors.load(file);
        assertArrayEquals(in.get("w").toFloatArray(), out.get("w").toFloatArray());
        assertArrayEquals(new int[] {4, 3}, out.get("w").shape());
        assertArrayEquals(new long[] {1, -2, 1L << 40}, out.get("ids").toLongArray());
        assertEquals(0, out.get("scalar").rank());
        assertEquals(DType.BOOL, out.get("mask").dtype());
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void halfPrecisionIsWrittenAndReadBackAsFloat32(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("h.safetensors");
        Safetensors.save(file, Map.of("x", Tensor.of(new float[] {1f, 0.1f, -3.5f})), Map.of(), DType.BF16);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertEquals(DType.BF16, f.entry("x").dtype());
            Tensor x = Safetensors.read(f, "x");
            assertEquals(DType.F32, x.dtype());
            assertArrayEquals(new float[] {1f, DType.bf16ToFloat(DType.floatToBf16(0.1f)), -3.5f}, x.toFloatArray());
        }
    }
}
