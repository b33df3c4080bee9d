package dev.jgrad.core.io.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container: metadata of every type, tensor infos, alignment, versions 2 and 3, and hostile files. */
class GgufFileTest {

    @TempDir
    Path dir;

    /** Little-endian GGUF bytes built by hand, independent of {@link GgufWriter}. */
    static final class Bytes extends ByteArrayOutputStream {
        Bytes u8(int v) { write(v); return this; }
        Bytes u32(long v) { for (int i = 0; i < 4; i++) write((int) (v >>> (8 * i))); return this; }
        Bytes u64(long v) { for (int i = 0; i < 8; i++) write((int) (v >>> (8 * i))); return this; }
        Bytes str(String s) { byte[] b = s.getBytes(StandardCharsets.UTF_8); u64(b.length); write(b, 0, b.length); return this; }
        Bytes header(int version, long tensors, long kvs) { return u32(GgufFile.MAGIC).u32(version).u64(tensors).u64(kvs); }
        Bytes tensor(String name, int type, long offset, long... ne) {
            str(name).u32(ne.length);
            for (long d : ne) u64(d);
            return u32(type).u64(offset);
        }
        Bytes padTo(int alignment) { while (size() % alignment != 0) write(0); return this; }
        Bytes zeros(int n) { for (int i = 0; i < n; i++) write(0); return this; }
    }

    private Path file(byte[] b) throws IOException {
        Path p = Files.createTempFile(dir, "t", ".gguf");
        Files.write(p, b);
        return p;
    }

    private String rejected(Bytes b) throws IOException {
        Path p = file(b.toByteArray());
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void writerRoundTripsEveryValueTypeAndTensorType() throws IOException {
        GgufWriter w = new GgufWriter()
                .put("u8", new GgufValue(GgufValue.Type.UINT8, 255L))
                .put("i8", new GgufValue(GgufValue.Type.INT8, -128L))
                .put("u16", new GgufValue(GgufValue.Type.UINT16, 65535L))
                .put("i16", new GgufValue(GgufValue.Type.INT16, -32768L))
                .put("u32", GgufValue.uint32(0xffffffffL))
                .put("i32", GgufValue.int32(Integer.MIN_VALUE))
                .put("u64", new GgufValue(GgufValue.Type.UINT64, -1L))
                .put("i64", new GgufValue(GgufValue.Type.INT64, Long.MIN_VALUE))
                .put("f32", GgufValue.float32(-1.5e-7f))
                .put("f64", new GgufValue(GgufValue.Type.FLOAT64, Math.PI))
                .put("bool", GgufValue.bool(true))
                .put("str", GgufValue.string("héllo ▁ 🙂"))
                .put("a.u8", GgufValue.array(GgufValue.Type.UINT8, new byte[] {1, (byte) 200}))
                .put("a.i16", GgufValue.array(GgufValue.Type.INT16, new short[] {-2, 3}))
                .put("a.u32", GgufValue.array(GgufValue.Type.UINT32, new int[] {-1}))
                .put("a.i64", GgufValue.array(GgufValue.Type.INT64, new long[] {Long.MAX_VALUE, 0}))
                .put("a.f32", GgufValue.array(GgufValue.Type.FLOAT32, new float[] {1f, Float.NaN}))
                .put("a.f64", GgufValue.array(GgufValue.Type.FLOAT64, new double[] {-0.0}))
                .put("a.bool", GgufValue.array(GgufValue.Type.BOOL, new boolean[] {false, true}))
                .put("a.str", GgufValue.array(GgufValue.Type.STRING, new String[] {"", "a b", "<0x0A>"}))
                .put("a.empty", GgufValue.array(GgufValue.Type.INT32, new int[0]))
                .put("a.nested", GgufValue.array(GgufValue.Type.ARRAY, new GgufValue.Array[] {
                        new GgufValue.Array(GgufValue.Type.STRING, new String[] {"x"}),
                        new GgufValue.Array(GgufValue.Type.ARRAY, new GgufValue.Array[] {
                                new GgufValue.Array(GgufValue.Type.UINT16, new short[] {7})})}));
        float[] v = new float[64 * 3];
        for (int i = 0; i < v.length; i++) v[i] = (i - 90) / 7f;
        for (GgufType t : List.of(GgufType.F32, GgufType.F16, GgufType.BF16, GgufType.Q8_0, GgufType.Q4_0))
            w.add("w." + t, t, new long[] {64, 3}, v::clone);
        w.add("bias", GgufType.F32, new long[] {3}, () -> new float[] {1, 2, 3});
        Path p = dir.resolve("all.gguf");
        w.write(p);

        try (GgufFile g = GgufFile.open(p)) {
            assertEquals(3, g.version());
            assertEquals(22, g.metadata().size());
            assertEquals(List.of("u8", "i8", "u16"), g.metadata().keySet().stream().limit(3).toList());
            assertEquals(255L, g.get("u8").asLong());
            assertEquals(-128L, g.get("i8").asLong());
            assertEquals(65535L, g.get("u16").asLong());
            assertEquals(-32768L, g.get("i16").asLong());
            assertEquals(0xffffffffL, g.get("u32").asLong());
            assertEquals(Integer.MIN_VALUE, g.get("i32").asInt());
            assertEquals("18446744073709551615", g.get("u64").toString());
            assertEquals(Long.MIN_VALUE, g.get("i64").asLong());
            assertEquals(-1.5e-7f, (float) g.get("f32").asDouble());
            assertEquals(Math.PI, g.get("f64").asDouble());
            assertTrue(g.get("bool").asBool());
            assertEquals("héllo ▁ 🙂", g.get("str").asString());
            assertEquals(200, g.get("a.u8").asArray().longAt(1));
            assertEquals(-2, g.get("a.i16").asArray().longAt(0));
            assertEquals(0xffffffffL, g.get("a.u32").asArray().longAt(0));
            assertEquals(Long.MAX_VALUE, g.get("a.i64").asArray().longAt(0));
            assertTrue(Float.isNaN(g.get("a.f32").asArray().floats()[1]));
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(((double[]) g.get("a.f64").asArray().elements())[0]));
            assertArrayEquals(new boolean[] {false, true}, (boolean[]) g.get("a.bool").asArray().elements());
            assertArrayEquals(new String[] {"", "a b", "<0x0A>"}, g.get("a.str").asArray().strings());
            assertEquals(0, g.get("a.empty").asArray().size());
            GgufValue.Array[] nested = (GgufValue.Array[]) g.get("a.nested").asArray().elements();
            assertArrayEquals(new String[] {"x"}, nested[0].strings());
            assertEquals(7, ((GgufValue.Array[]) nested[1].elements())[0].longAt(0));

            assertEquals(6, g.tensors().size());
            for (GgufFile.TensorInfo t : g.tensors()) {
                assertEquals(0, t.offset() % 32, t.toString());
                assertEquals(0, g.dataStart() % 32);
            }
            GgufFile.TensorInfo q = g.tensor("w.Q8_0");
            assertArrayEquals(new long[] {64, 3}, q.ne());
            assertArrayEquals(new int[] {3, 64}, q.shape());
            assertEquals(GgufType.Q8_0, q.type());
            assertArrayEquals(v, g.readFloats("w.F32"));
            float[] f16 = g.readFloats("w.F16"), bf16 = g.readFloats("w.BF16"), q8 = g.readFloats("w.Q8_0"), q4 = g.readFloats("w.Q4_0");
            for (int i = 0; i < v.length; i++) {
                float amax = 0;   // of the block of 32 holding value i
                for (int j = i / 32 * 32; j < i / 32 * 32 + 32; j++) amax = Math.max(amax, Math.abs(v[j]));
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[i])), f16[i]);
                assertEquals(v[i], bf16[i], Math.abs(v[i]) / 256);
                // half a step (one step for Q4_0's clamped side) plus |q|·(rounding of d to F16) <= amax·2^-11
                assertEquals(v[i], q8[i], amax / 127 / 2 + amax / 2048);
                assertEquals(v[i], q4[i], amax / 8 + amax / 2048);
            }
            assertArrayEquals(new float[] {1, 2, 3}, g.readFloats("bias"));
        }
    }

    @Test
    void readsAHandBuiltVersion2FileWithItsAlignment() throws IOException {
        Bytes b = new Bytes().header(2, 2, 2);
        b.str("general.alignment").u32(4).u32(64);
        b.str("general.architecture").u32(8).str("llama");
        b.tensor("a", 0, 0, 2);            // F32 [2]: 8 bytes at 0
        b.tensor("b", 8, 64, 32, 1);       // Q8_0 [32, 1]: 34 bytes at 64
        b.padTo(64);
        Bytes data = new Bytes();
        data.u32(Float.floatToIntBits(1.5f)).u32(Float.floatToIntBits(-2f)).padTo(64);
        data.u8(0x00).u8(0x3C);                                  // d = 1
        for (int j = 0; j < 32; j++) data.u8(j - 16);
        byte[] all = concat(b.toByteArray(), data.toByteArray());
        try (GgufFile g = GgufFile.open(file(all))) {
            assertEquals(2, g.version());
            assertEquals(64, g.alignment());
            assertEquals(0, g.dataStart() % 64);
            assertEquals("llama", g.get("general.architecture").asString());
            assertArrayEquals(new float[] {1.5f, -2f}, g.readFloats("a"));
            float[] q = g.readFloats("b");
            for (int j = 0; j < 32; j++) assertEquals(j - 16, q[j]);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    @Test
    void everyTruncationIsRejectedWithAMessage() throws IOException {
        Path full = dir.resolve("full.gguf");
        new GgufWriter().put("k", GgufValue.array(GgufValue.Type.STRING, new String[] {"ab", "c"}))
                .add("t", GgufType.Q4_0, new long[] {32, 2}, () -> new float[64]).write(full);
        byte[] all = Files.readAllBytes(full);
        // the last tensor's data ends at all.length - 28 (36 bytes of Q4_0, padded to 64)
        for (int n = 0; n < all.length - 28; n++) {
            Path p = file(Arrays.copyOf(all, n));
            int len = n;
            assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close(), "prefix of " + len + " bytes");
        }
    }

    private Bytes withKv(Consumer<Bytes> kv) {
        Bytes b = new Bytes().header(3, 0, 1);
        kv.accept(b);
        return b;
    }

    @Test
    void hostileHeadersAreRejectedWithOneClearMessage() throws IOException {
        assertTrue(rejected(new Bytes().u32(0x46554746).u32(3).u64(0).u64(0)).contains("magic"));
        assertTrue(rejected(new Bytes().header(1, 0, 0)).contains("version 1"));
        assertTrue(rejected(new Bytes().u32(GgufFile.MAGIC).u32(0x03000000).u64(0).u64(0)).contains("big-endian"));
        assertTrue(rejected(new Bytes().header(4, 0, 0)).contains("version 4"));
        assertTrue(rejected(new Bytes().header(3, 1L << 62, 0)).contains("tensor_count"));
        assertTrue(rejected(new Bytes().header(3, 0, -1L)).contains("metadata_kv_count"));
        assertTrue(rejected(withKv(b -> b.u64(1L << 40).zeros(8))).contains("longer than"));
        assertTrue(rejected(withKv(b -> b.u64(-1L).zeros(8))).contains("longer than"));
        assertTrue(rejected(withKv(b -> b.str("k").u32(13).u32(0))).contains("not a GGUF value type"));
        assertTrue(rejected(withKv(b -> b.str("k").u32(8).u64(100).zeros(3))).contains("longer than"));
        assertTrue(rejected(withKv(b -> b.str("k").u32(9).u32(6).u64(1L << 50).zeros(8))).contains("element count"));
        assertTrue(rejected(withKv(b -> b.str("k").u32(9).u32(99).u64(0))).contains("not a GGUF value type"));
        assertTrue(rejected(withKv(b -> b.str("k").u32(7).u8(2))).contains("not 0 or 1"));
        assertTrue(rejected(withKv(b -> {
            b.str("k").u32(9);
            for (int d = 0; d < 9; d++) b.u32(9).u64(1);
            b.u32(4).u64(0);
        })).contains("deeper than"));
        assertTrue(rejected(new Bytes().header(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(1)).contains("twice"));
        assertTrue(rejected(withKv(b -> b.str("general.alignment").u32(4).u32(48))).contains("power of two"));
        assertTrue(rejected(withKv(b -> b.str("general.alignment").u32(8).str("32"))).contains("UINT32"));
    }

    private Bytes withTensor(int type, long offset, long... ne) {
        return new Bytes().header(3, 1, 0).tensor("t", type, offset, ne).padTo(32).zeros(64);
    }

    @Test
    void hostileTensorInfosAreRejectedWithOneClearMessage() throws IOException {
        assertTrue(rejected(withTensor(0, 0, 1, 1, 1, 1, 1)).contains("5 dimensions"));
        assertTrue(rejected(withTensor(0, 0, 1L << 40, 1L << 20)).contains("needs bytes"));           // absurd size
        assertTrue(rejected(withTensor(0, 0, 1L << 40, 1L << 22)).contains("bytes exceeds 2^63"));
        assertTrue(rejected(withTensor(0, 0, 1L << 40, 1L << 30, 1L << 20)).contains("exceeds 2^63"));
        assertTrue(rejected(withTensor(0, 0, -5L)).contains("beyond 2^63"));
        assertTrue(rejected(withTensor(16, 0, 256)).contains("ggml type 16"));                       // IQ2_XXS
        assertTrue(rejected(withTensor(0, 8, 2)).contains("not a multiple of the alignment"));
        assertTrue(rejected(withTensor(0, 64, 2)).contains("needs bytes"));                           // past the end
        assertTrue(rejected(withTensor(0, -32L, 2)).contains("not a multiple of the alignment"));
        assertTrue(rejected(withTensor(8, 0, 48)).contains("block size 32"));
        assertTrue(rejected(new Bytes().header(3, 2, 0).tensor("a", 0, 0, 16).tensor("b", 0, 32, 16).padTo(32).zeros(96))
                .contains("overlaps"));
        assertTrue(rejected(new Bytes().header(3, 2, 0).tensor("a", 0, 0, 2).tensor("a", 0, 32, 2).padTo(32).zeros(64))
                .contains("twice"));
    }
}
