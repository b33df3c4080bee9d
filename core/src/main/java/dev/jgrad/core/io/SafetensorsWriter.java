package dev.jgrad.core.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.DType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a safetensors file: declare tensors and metadata, then {@link #write(Path)}.
 *
 * <p>Tensors are laid out in declaration order. The JSON header is padded with spaces so that the data
 * buffer starts at a multiple of 8 bytes. Float data is converted to the declared dtype when written:
 * F16 and BF16 round to nearest, ties to even.
 *
 * <p>The streaming form {@link #add(String, DType, long[], TensorBytes)} declares a tensor by shape alone
 * and calls back during {@code write} to produce its bytes, so a caller can convert or quantize a large
 * model tensor by tensor without holding all of them in memory. The callback must write exactly
 * {@code numel × dtype size} bytes; anything else fails the write.
 *
 * <p><b>Atomicity.</b> {@code write} writes to a temporary file in the target's directory, forces it to
 * disk, and renames it over the target with {@link StandardCopyOption#ATOMIC_MOVE}. On any failure the
 * temporary file is deleted and an existing file at the target is left untouched. The temporary is named
 * {@code .NAME.HEX.tmp}; one left by a process that was killed while writing is deleted by the next write to the
 * same target.
 */
public final class SafetensorsWriter {

    /** Produces the raw little-endian bytes of one tensor, in order, onto {@code out}. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(WritableByteChannel out) throws IOException;
    }

    private record Pending(String name, DType dtype, long[] shape, long byteLength, TensorBytes bytes) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CHUNK = 1 << 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<Pending> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Declares a float tensor stored as {@code dtype}: F32, F64, or F16/BF16 (rounded to nearest even). */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, float[] data) {
        Objects.requireNonNull(data, "data");
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16 && dtype != DType.F64) {
            throw new IllegalArgumentException("tensor \"" + name + "\": float data can be stored as F32, F64, F16 or BF16, not "
                    + dtype.safetensorsName() + " (use addBytes/addInts/addLongs)");
        }
        long numel = checkedNumel(name, shape);
        requireLength(name, shape, numel, data.length);
        return declare(name, dtype, shape, out -> writeFloats(out, dtype, data));
    }

    /** Declares a tensor from its raw little-endian bytes ({@code numel × dtype size} of them), any dtype. */
    public SafetensorsWriter addBytes(String name, DType dtype, long[] shape, byte[] data) {
        Objects.requireNonNull(data, "data");
        long numel = checkedNumel(name, shape);
        if (numel * dtype.byteSize() != data.length) {
            throw new IllegalArgumentException("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " of "
                    + dtype.safetensorsName() + " needs " + numel * dtype.byteSize() + " bytes, got " + data.length);
        }
        return declare(name, dtype, shape, out -> writeAll(out, ByteBuffer.wrap(data)));
    }

    /** Declares an I64 tensor. */
    public SafetensorsWriter addLongs(String name, long[] shape, long[] data) {
        Objects.requireNonNull(data, "data");
        requireLength(name, shape, checkedNumel(name, shape), data.length);
        return declare(name, DType.I64, shape, out -> {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (long v : data) {
                if (buf.remaining() < 8) flush(out, buf);
                buf.putLong(v);
            }
            flush(out, buf);
        });
    }

    /** Declares an I32 tensor. */
    public SafetensorsWriter addInts(String name, long[] shape, int[] data) {
        Objects.requireNonNull(data, "data");
        requireLength(name, shape, checkedNumel(name, shape), data.length);
        return declare(name, DType.I32, shape, out -> {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : data) {
                if (buf.remaining() < 4) flush(out, buf);
                buf.putInt(v);
            }
            flush(out, buf);
        });
    }

    /**
     * Declares a tensor whose bytes {@code bytes} streams during {@link #write(Path)}. It must write exactly
     * {@code numel × dtype size} bytes.
     */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, TensorBytes bytes) {
        Objects.requireNonNull(bytes, "bytes");
        checkedNumel(name, shape);
        return declare(name, dtype, shape, bytes);
    }

    /** Adds entries to the header's {@code "__metadata__"} map. */
    public SafetensorsWriter metadata(Map<String, String> entries) {
        for (Map.Entry<String, String> e : entries.entrySet()) {
            metadata.put(Objects.requireNonNull(e.getKey(), "metadata key"),
                    Objects.requireNonNull(e.getValue(), "metadata value for " + e.getKey()));
        }
        return this;
    }

    /** Writes the file atomically (see the class comment). */
    public void write(Path target) throws IOException {
        byte[] header = headerBytes();
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // A fresh name beside the target (same file system, so the rename can be atomic), created with the
        // process's default permissions rather than createTempFile's owner-only ones.
        String prefix = "." + absolute.getFileName() + ".";
        if (!Files.isDirectory(dir)) throw new java.nio.file.NoSuchFileException(dir.toString(), null, "no such directory");
        try (java.util.stream.Stream<Path> siblings = Files.list(dir)) {
            for (Path p : siblings.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(prefix) && name.substring(prefix.length()).matches("[0-9a-f]{1,16}\\.tmp"))
                    Files.deleteIfExists(p);   // left by a write that was killed
            }
        }
        Path temp = dir.resolve(prefix + Long.toHexString(RANDOM.nextLong()) + ".tmp");
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        boolean done = false;
        try {
            try (channel) {
                ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeAll(channel, length);
                writeAll(channel, ByteBuffer.wrap(header));
                for (Pending t : tensors) {
                    CountingChannel counted = new CountingChannel(channel);
                    t.bytes().writeTo(counted);
                    if (counted.count != t.byteLength()) {
                        throw new IOException("tensor \"" + t.name() + "\": its writer produced " + counted.count
                                + " bytes, but shape " + Arrays.toString(t.shape()) + " of " + t.dtype().safetensorsName()
                                + " needs " + t.byteLength());
                    }
                }
                channel.force(true);
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

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    byte[] headerBytes() {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Pending t : tensors) {
            ObjectNode entry = root.putObject(t.name());
            entry.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + t.byteLength());
            offset += t.byteLength();
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the safetensors header", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private SafetensorsWriter declare(String name, DType dtype, long[] shape, TensorBytes bytes) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("\"" + name + "\" cannot name a tensor");
        }
        if (!names.add(name)) throw new IllegalArgumentException("tensor \"" + name + "\" is already declared");
        long byteLength = Math.multiplyExact(checkedNumel(name, shape), (long) dtype.byteSize());
        tensors.add(new Pending(name, dtype, shape.clone(), byteLength, bytes));
        return this;
    }

    private static long checkedNumel(String name, long[] shape) {
        Objects.requireNonNull(shape, "shape");
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor \"" + name + "\": negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static void requireLength(String name, long[] shape, long numel, int length) {
        if (numel != length) {
            throw new IllegalArgumentException("tensor \"" + name + "\": shape " + Arrays.toString(shape) + " has "
                    + numel + " elements but the data has " + length);
        }
    }

    private static void writeFloats(WritableByteChannel out, DType dtype, float[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            if (buf.remaining() < 8) flush(out, buf);
            switch (dtype) {
                case F32 -> buf.putFloat(v);
                case F64 -> buf.putDouble(v);
                case F16 -> buf.putShort(DType.floatToF16(v));
                case BF16 -> buf.putShort(DType.floatToBf16(v));
                default -> throw new AssertionError(dtype);
            }
        }
        flush(out, buf);
    }

    private static void flush(WritableByteChannel out, ByteBuffer buf) throws IOException {
        buf.flip();
        writeAll(out, buf);
        buf.clear();
    }

    private static void writeAll(WritableByteChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) out.write(buf);
    }

    /** Passes writes through and counts the bytes. */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel inner;
        long count;

        CountingChannel(WritableByteChannel inner) {
            this.inner = inner;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = inner.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() {
            // the writer owns the file channel
        }
    }
}
