package dev.jgrad.core.io.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Writes a GGUF version 3 file (the layout in {@link GgufFile}): metadata in the order it was put, tensor infos
 * and data in the order tensors were added, each tensor's data starting at a multiple of the alignment (32) and
 * padded with zeros, as ggml's {@code gguf_write_to_file} lays them out.
 *
 * <p>A tensor is added with its float32 values behind a {@link Supplier} and encoded by {@link GgufQuantizer} only
 * when written, so the writer holds one tensor's bytes at a time. {@link #write} writes a temporary file beside
 * the target and renames it into place: a failure leaves no partial file.
 */
public final class GgufWriter {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ALIGNMENT = GgufFile.DEFAULT_ALIGNMENT;

    private record Pending(String name, GgufType type, long[] ne, Supplier<float[]> values) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();

    /** Sets metadata {@code key} (a later put of the same key replaces the value in place). */
    public GgufWriter put(String key, GgufValue value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Adds a tensor of ggml dimensions {@code ne} ({@code ne[0]} innermost), to be stored as {@code type}; {@code
     * values} gives its float32 values in row-major order when the file is written.
     */
    public GgufWriter add(String name, GgufType type, long[] ne, Supplier<float[]> values) {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        if (ne.length == 0 || ne.length > GgufFile.MAX_DIMS)
            throw new IllegalArgumentException("tensor \"" + name + "\": " + ne.length + " dimensions (1 to 4 allowed)");
        if (ne[0] % type.blockSize() != 0)
            throw new IllegalArgumentException("tensor \"" + name + "\": rows of " + ne[0] + " are not whole " + type + " blocks");
        for (Pending p : tensors)
            if (p.name.equals(name)) throw new IllegalArgumentException("tensor \"" + name + "\" added twice");
        tensors.add(new Pending(name, type, ne.clone(), values));
        return this;
    }

    /** Writes the file atomically (see the class comment). */
    public void write(Path target) throws IOException {
        byte[] header = header();
        Path absolute = target.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeAll(ch, header);
                for (Pending t : tensors) {
                    float[] v = t.values.get();
                    long n = numel(t.ne);
                    if (v.length != n)
                        throw new IllegalStateException("tensor \"" + t.name + "\": " + v.length + " values for " + n + " elements");
                    int bytes = Math.toIntExact(t.type.byteSize(n));
                    byte[] out = new byte[Math.toIntExact(pad(bytes))];
                    GgufQuantizer.quantize(t.type, v, 0, (int) n, out, 0);
                    writeAll(ch, out);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot write " + absolute + " atomically: the file system does not support an atomic rename", e);
            }
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(temp);
        }
    }

    /** Header, metadata, tensor infos and the padding up to the data section. */
    byte[] header() {
        Out o = new Out();
        o.u32(GgufFile.MAGIC);
        o.u32(3);
        o.u64(tensors.size());
        o.u64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            o.string(e.getKey());
            o.u32(e.getValue().type().id());
            o.value(e.getValue());
        }
        long offset = 0;
        for (Pending t : tensors) {
            o.string(t.name);
            o.u32(t.ne.length);
            for (long d : t.ne) o.u64(d);
            o.u32(t.type.id());
            o.u64(offset);
            offset += pad(t.type.byteSize(numel(t.ne)));
        }
        while (o.size() % ALIGNMENT != 0) o.write(0);
        return o.toByteArray();
    }

    private static long numel(long[] ne) {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    private static long pad(long bytes) {
        return Math.ceilDiv(bytes, ALIGNMENT) * ALIGNMENT;
    }

    private static void writeAll(FileChannel ch, byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b);
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** Little-endian output of GGUF's primitives. */
    private static final class Out extends ByteArrayOutputStream {
        void u16(int v) {
            write(v);
            write(v >> 8);
        }

        void u32(int v) {
            u16(v);
            u16(v >> 16);
        }

        void u64(long v) {
            u32((int) v);
            u32((int) (v >>> 32));
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            write(b, 0, b.length);
        }

        void value(GgufValue v) {
            switch (v.type()) {
                case UINT8, INT8 -> write((int) v.asLong());
                case UINT16, INT16 -> u16((int) v.asLong());
                case UINT32, INT32 -> u32((int) v.asLong());
                case UINT64, INT64 -> u64(v.asLong());
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) v.value()));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v.value()));
                case BOOL -> write(v.asBool() ? 1 : 0);
                case STRING -> string(v.asString());
                case ARRAY -> array(v.asArray());
            }
        }

        void array(GgufValue.Array a) {
            u32(a.elementType().id());
            int n = a.size();
            u64(n);
            Object e = a.elements();
            switch (a.elementType()) {
                case UINT8, INT8 -> write((byte[]) e, 0, n);
                case UINT16, INT16 -> { for (short x : (short[]) e) u16(x); }
                case UINT32, INT32 -> { for (int x : (int[]) e) u32(x); }
                case UINT64, INT64 -> { for (long x : (long[]) e) u64(x); }
                case FLOAT32 -> { for (float x : (float[]) e) u32(Float.floatToRawIntBits(x)); }
                case FLOAT64 -> { for (double x : (double[]) e) u64(Double.doubleToRawLongBits(x)); }
                case BOOL -> { for (boolean x : (boolean[]) e) write(x ? 1 : 0); }
                case STRING -> { for (String x : (String[]) e) string(x); }
                case ARRAY -> { for (GgufValue.Array x : (GgufValue.Array[]) e) array(x); }
            }
        }
    }
}
