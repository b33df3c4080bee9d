package dev.jgrad.core.io;

import dev.jgrad.core.DType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Reads all_dtypes.safetensors, written by an independent writer
 * (core/src/test/scripts/make_safetensors_fixture.py, bytes laid out by hand with numpy), and checks every
 * value against the numbers in that script.
 */
class SafetensorsFixtureTest {

    static Path fixture() throws URISyntaxException {
        return Path.of(SafetensorsFixtureTest.class.getResource("/safetensors/all_dtypes.safetensors").toURI());
    }

    @Test
    void entriesComeInDataOrderWithDtypesAndShapes() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            List<String> names = f.entries().stream().map(SafetensorsFile.Entry::name).toList();
            // The header is sorted by name; the data buffer is in the script's TENSORS order.
            assertEquals(List.of("f64", "i64", "f32", "i32", "scalar", "empty", "f16", "bf16", "i16", "i8", "u8", "bool"), names);
            assertEquals(DType.F64, f.entry("f64").dtype());
            assertArrayEquals(new long[] {2, 2}, f.entry("f64").shape());
            assertEquals(0, f.entry("f64").begin());
            assertEquals(32, f.entry("f64").end());
            assertEquals(DType.BF16, f.entry("bf16").dtype());
            assertEquals(DType.BOOL, f.entry("bool").dtype());
            assertArrayEquals(new long[] {}, f.entry("scalar").shape());
            assertEquals(1, f.entry("scalar").numel());
            assertArrayEquals(new long[] {0, 3}, f.entry("empty").shape());
            assertEquals(0, f.entry("empty").numel());
            assertTrue(f.contains("u8"));
            assertFalse(f.contains("missing"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.entry("missing"));
            assertTrue(e.getMessage().contains("all_dtypes.safetensors") && e.getMessage().contains("\"missing\""), e.getMessage());
        }
    }

    @Test
    void metadataIsKept() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            assertEquals(Map.of("format", "pt", "source", "make_safetensors_fixture.py", "note", "ünïcödé ✓"), f.metadata());
        }
    }

    @Test
    void floatTensorsReadExactly() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            assertArrayEquals(new double[] {1.0, -2.5, 3.141592653589793, 1e-300}, f.readDoubles("f64"));
            assertArrayEquals(new float[] {1.0f, -2.5f, (float) 3.141592653589793, 0f}, f.readFloats("f64"));
            assertArrayEquals(new float[] {0.5f, -1.25f, Float.MAX_VALUE, Float.MIN_VALUE}, f.readFloats("f32"));
            assertArrayEquals(new double[] {0.5, -1.25, Float.MAX_VALUE, Float.MIN_VALUE}, f.readDoubles("f32"));
            // float16: 1/3 rounds to 0x3555 = 0.333251953125; 65504 is the largest half; 2^-24 the smallest denormal.
            assertArrayEquals(new float[] {1f, -2f, 0.333251953125f, 65504f, 0x1p-24f}, f.readFloats("f16"));
            assertArrayEquals(new float[] {1f, -3f, 0.0078125f, 0x1.fep127f}, f.readFloats("bf16"));
            assertArrayEquals(new float[] {42f}, f.readFloats("scalar"));
            assertArrayEquals(new float[] {}, f.readFloats("empty"));
        }
    }

    @Test
    void integerTensorsReadExactly() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            assertArrayEquals(new long[] {0, -1, (1L << 53) + 1, Long.MIN_VALUE}, f.readLongs("i64"));
            assertArrayEquals(new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 7}, f.readInts("i32"));
            assertArrayEquals(new long[] {Integer.MAX_VALUE, Integer.MIN_VALUE, 7}, f.readLongs("i32"));
            assertArrayEquals(new int[] {-32768, 32767, 0, -5}, f.readInts("i16"));
            assertArrayEquals(new int[] {-128, 127, -1}, f.readInts("i8"));
            assertArrayEquals(new int[] {0, 255, 128}, f.readInts("u8"));
            assertArrayEquals(new long[] {0, 255, 128}, f.readLongs("u8"));
            assertArrayEquals(new int[] {1, 0, 1}, f.readInts("bool"));
            ArithmeticException tooBig = assertThrows(ArithmeticException.class, () -> f.readInts("i64"));
            assertTrue(tooBig.getMessage().contains("element 2"), tooBig.getMessage());
            IllegalArgumentException notInt = assertThrows(IllegalArgumentException.class, () -> f.readLongs("f32"));
            assertTrue(notInt.getMessage().contains("F32"), notInt.getMessage());
        }
    }

    @Test
    void everyDtypeConvertsToFloat() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            assertArrayEquals(new float[] {0f, -1f, 0x1p53f, -0x1p63f}, f.readFloats("i64"));
            assertArrayEquals(new float[] {0x1p31f, -0x1p31f, 7f}, f.readFloats("i32"));
            assertArrayEquals(new float[] {-32768f, 32767f, 0f, -5f}, f.readFloats("i16"));
            assertArrayEquals(new float[] {-128f, 127f, -1f}, f.readFloats("i8"));
            assertArrayEquals(new float[] {0f, 255f, 128f}, f.readFloats("u8"));
            assertArrayEquals(new float[] {1f, 0f, 1f}, f.readFloats("bool"));
            assertArrayEquals(new double[] {0, -1, 0x1p53 /* 2^53+1 rounds to even */, -0x1p63}, f.readDoubles("i64"));
            float[] dst = {9f, 9f, 9f, 9f, 9f};
            f.readFloats("u8", dst, 1);
            assertArrayEquals(new float[] {9f, 0f, 255f, 128f, 9f}, dst);
            assertThrows(IndexOutOfBoundsException.class, () -> f.readFloats("u8", new float[3], 1));
        }
    }

    @Test
    void rawBytesAndSegments() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(fixture())) {
            assertArrayEquals(new byte[] {0, (byte) 255, (byte) 128}, f.readBytes("u8"));
            // bf16 1.0 is 0x3F80, stored little-endian.
            byte[] bf16 = f.readBytes("bf16");
            assertEquals((byte) 0x80, bf16[0]);
            assertEquals((byte) 0x3F, bf16[1]);
            MemorySegment s = f.segment("i32");
            assertEquals(12, s.byteSize());
            assertEquals(7, s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 8));
        }
    }

    @Test
    void closeUnmapsAtOnce() throws Exception {
        SafetensorsFile f = SafetensorsFile.open(fixture());
        MemorySegment s = f.segment("f32");
        assertEquals(0.5f, s.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0));
        f.close();
        assertFalse(s.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> f.readFloats("f32"));
        assertThrows(IllegalStateException.class, () -> f.segment("f32"));
        f.close(); // idempotent
    }
}
