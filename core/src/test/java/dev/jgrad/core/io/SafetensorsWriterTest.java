package dev.jgrad.core.io;

import dev.jgrad.core.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void aTemporaryLeftByAKilledWriteIsRemovedByTheNext() throws Exception {
        Path target = dir.resolve("m.safetensors");
        Path stale = dir.resolve(".m.safetensors.3f2a9c.tmp");               // what a killed write leaves
        Path otherTarget = dir.resolve(".n.safetensors.3f2a9c.tmp");         // another file's: not ours to remove
        Path notTemporary = dir.resolve(".m.safetensors.notes.tmp");         // not the writer's name pattern
        for (Path p : List.of(stale, otherTarget, notTemporary)) Files.writeString(p, "partial");
        new SafetensorsWriter().add("x", DType.F32, new long[] {2}, new float[] {1, 2}).write(target);
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(otherTarget) && Files.exists(notTemporary));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(".m.safetensors.notes.tmp", ".n.safetensors.3f2a9c.tmp", "m.safetensors"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void roundTripsEveryWrittenDtype() throws Exception {
        float[] f = {0.5f, -1.25f, Float.MAX_VALUE, Float.MIN_VALUE, 3.1415927f, -0f};
        Path path = dir.resolve("all.safetensors");
        new SafetensorsWriter()
                .add("f32", DType.F32, new long[] {2, 3}, f)
                .add("f64", DType.F64, new long[] {6}, f)
                .add("f16", DType.F16, new long[] {3}, new float[] {1f, -2f, 0.5f})
                .add("bf16", DType.BF16, new long[] {3}, new float[] {1f, -3f, 0.0078125f})
                .addBytes("u8", DType.U8, new long[] {4}, new byte[] {0, 1, (byte) 200, (byte) 255})
                .addBytes("i16raw", DType.I16, new long[] {2}, new byte[] {(byte) 0xff, (byte) 0x7f, 0x00, (byte) 0x80})
                .addLongs("i64", new long[] {3}, new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE})
                .addInts("i32", new long[] {1, 3}, new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE})
                .add("scalar", DType.F32, new long[] {}, new float[] {7f})
                .add("empty", DType.F32, new long[] {0, 5}, new float[0])
                .metadata(Map.of("format", "pt"))
                .write(path);
        try (SafetensorsFile r = SafetensorsFile.open(path)) {
            assertEquals(List.of("f32", "f64", "f16", "bf16", "u8", "i16raw", "i64", "i32", "scalar", "empty"),
                    r.entries().stream().map(SafetensorsFile.Entry::name).toList());
            assertArrayEquals(new long[] {2, 3}, r.entry("f32").shape());
            assertArrayEquals(f, r.readFloats("f32"));
            assertEquals(DType.F64, r.entry("f64").dtype());
            assertArrayEquals(f, r.readFloats("f64"));
            assertArrayEquals(new float[] {1f, -2f, 0.5f}, r.readFloats("f16"));
            assertArrayEquals(new float[] {1f, -3f, 0.0078125f}, r.readFloats("bf16"));
            assertArrayEquals(new int[] {0, 1, 200, 255}, r.readInts("u8"));
            assertArrayEquals(new int[] {32767, -32768}, r.readInts("i16raw"));
            assertArrayEquals(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, r.readLongs("i64"));
            assertArrayEquals(new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE}, r.readInts("i32"));
            assertArrayEquals(new float[] {7f}, r.readFloats("scalar"));
            assertEquals(0, r.entry("empty").byteLength());
            assertEquals(Map.of("format", "pt"), r.metadata());
        }
    }

    @Test
    void halfPrecisionRoundsToNearestEven() throws Exception {
        // Hand-computed: bf16 keeps 8 significand bits, so around 1.0 its spacing is 2^-7.
        float[] bf = {
                1f + 0x1p-8f,              // halfway 0x3F80 / 0x3F81 -> even 0x3F80
                1f + 3 * 0x1p-8f,          // halfway 0x3F81 / 0x3F82 -> even 0x3F82
                1f + 0x1p-8f + 0x1p-20f,   // just above halfway -> 0x3F81
                -(1f + 0x1p-8f),           // sign kept -> 0xBF80
        };
        // f16 keeps 11 significand bits: spacing 2^-10 around 1.0; 65520 is halfway 65504 / infinity.
        float[] half = {1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 65520f, 65519f};
        Path path = dir.resolve("rne.safetensors");
        new SafetensorsWriter()
                .add("bf", DType.BF16, new long[] {4}, bf)
                .add("half", DType.F16, new long[] {4}, half)
                .write(path);
        try (SafetensorsFile r = SafetensorsFile.open(path)) {
            assertArrayEquals(new short[] {0x3F80, 0x3F82, 0x3F81, (short) 0xBF80}, shorts(r.readBytes("bf")));
            assertArrayEquals(new short[] {0x3C00, 0x3C02, 0x7C00, 0x7BFF}, shorts(r.readBytes("half")));
        }
    }

    @Test
    void headerIsPaddedToEightWithSpaces() throws Exception {
        Path path = dir.resolve("pad.safetensors");
        new SafetensorsWriter().add("x", DType.F32, new long[] {1}, new float[] {1f}).write(path);
        byte[] bytes = Files.readAllBytes(path);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, n % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"), header);
        // 54 bytes of JSON padded with 2 spaces to 56.
        assertEquals(56, n);
        assertEquals("  ", header.substring(54));
        assertEquals(8 + n + 4, bytes.length);
    }

    @Test
    void streamingTensorIsWrittenDuringWrite() throws Exception {
        Path path = dir.resolve("stream.safetensors");
        int n = 100_000;
        new SafetensorsWriter()
                .add("big", DType.F32, new long[] {n}, out -> {
                    ByteBuffer chunk = ByteBuffer.allocate(4000).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < n; i++) {
                        if (!chunk.hasRemaining()) {
                            chunk.flip();
                            while (chunk.hasRemaining()) out.write(chunk);
                            chunk.clear();
                        }
                        chunk.putFloat(i * 0.5f);
                    }
                    chunk.flip();
                    while (chunk.hasRemaining()) out.write(chunk);
                })
                .write(path);
        try (SafetensorsFile r = SafetensorsFile.open(path)) {
            float[] v = r.readFloats("big");
            assertEquals(n, v.length);
            for (int i = 0; i < n; i++) assertEquals(i * 0.5f, v[i]);
        }
    }

    @Test
    void failedWriteLeavesOldFileAndNoTemporary() throws Exception {
        Path path = dir.resolve("keep.safetensors");
        new SafetensorsWriter().add("old", DType.F32, new long[] {1}, new float[] {1f}).write(path);
        byte[] before = Files.readAllBytes(path);

        SafetensorsWriter shortStream = new SafetensorsWriter()
                .add("new", DType.F32, new long[] {4}, out -> out.write(ByteBuffer.allocate(12)));
        IOException e = assertThrows(IOException.class, () -> shortStream.write(path));
        assertTrue(e.getMessage().contains("\"new\"") && e.getMessage().contains("12 bytes"), e.getMessage());

        SafetensorsWriter throwing = new SafetensorsWriter()
                .add("new", DType.F32, new long[] {4}, out -> { throw new IOException("disk on fire"); });
        assertEquals("disk on fire", assertThrows(IOException.class, () -> throwing.write(path)).getMessage());

        assertArrayEquals(before, Files.readAllBytes(path));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(path), files.toList(), "temporary files must be removed");
        }
    }

    @Test
    void overwritesAtomically() throws Exception {
        Path path = dir.resolve("over.safetensors");
        new SafetensorsWriter().add("a", DType.F32, new long[] {1}, new float[] {1f}).write(path);
        new SafetensorsWriter().add("b", DType.F32, new long[] {2}, new float[] {2f, 3f}).write(path);
        try (SafetensorsFile r = SafetensorsFile.open(path)) {
            assertFalse(r.contains("a"));
            assertArrayEquals(new float[] {2f, 3f}, r.readFloats("b"));
        }
    }

    @Test
    void fileWithNoTensorsHasAnEmptyDataBuffer() throws Exception {
        Path path = dir.resolve("empty.safetensors");
        new SafetensorsWriter().metadata(Map.of("only", "metadata")).write(path);
        try (SafetensorsFile r = SafetensorsFile.open(path)) {
            assertTrue(r.entries().isEmpty());
            assertEquals(Map.of("only", "metadata"), r.metadata());
        }
    }

    @Test
    void rejectsBadDeclarations() {
        SafetensorsWriter w = new SafetensorsWriter().add("x", DType.F32, new long[] {2}, new float[2]);
        assertThrows(IllegalArgumentException.class, () -> w.add("x", DType.F32, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("y", DType.F32, new long[] {3}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("y", DType.I32, new long[] {2}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("y", DType.F32, new long[] {-1}, new float[0]));
        assertThrows(IllegalArgumentException.class, () -> w.addBytes("y", DType.I32, new long[] {2}, new byte[7]));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", DType.F32, new long[] {1}, new float[1]));
    }

    private static short[] shorts(byte[] bytes) {
        short[] out = new short[bytes.length / 2];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(out);
        return out;
    }
}
