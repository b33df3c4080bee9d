package dev.jgrad.core.io;

import dev.jgrad.core.DType;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A safetensors file, memory-mapped and read lazily.
 *
 * <p><b>The format.</b> An 8-byte little-endian unsigned header length {@code N}; {@code N} bytes of UTF-8
 * JSON mapping each tensor name to {@code {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}}
 * (plus an optional {@code "__metadata__"} object of strings); then the data buffer. Offsets are relative to
 * the start of the data buffer; each tensor is contiguous, row-major, little-endian.
 *
 * <p><b>Opening</b> reads only the 8-byte length and the header, validates them completely (see
 * {@link SafetensorsFormatException}), and maps the data buffer with {@link FileChannel#map} into a shared
 * {@link Arena}. Nothing in the data buffer is touched until a tensor is read. {@link #close()} closes the
 * arena, which unmaps the file at once (deterministically, not when the garbage collector runs); every
 * {@link MemorySegment} handed out is invalid after that, and using it throws {@link IllegalStateException}.
 *
 * <p><b>Reading.</b> {@link #segment} gives the raw bytes. The typed readers convert: {@link #readFloats}
 * and {@link #readDoubles} accept every dtype (integers and booleans become their numeric value, BF16/F16 are
 * widened exactly), {@link #readLongs}/{@link #readInts} accept integer and boolean dtypes, and
 * {@link #readBytes} copies the raw bytes of any dtype. The returned arrays are fresh copies.
 *
 * <p>Instances are safe to read from several threads at once; {@code close()} must not race with reads.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers larger than this are rejected before anything is allocated (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One tensor of the file: its dtype, shape, and byte range {@code [begin, end)} in the data buffer.
     * The shape is copied in and out, so an entry cannot be changed.
     */
    public record Entry(String name, DType dtype, long[] shape, long begin, long end) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of dimensions. */
        public int rank() {
            return shape.length;
        }

        /** Number of elements: the product of the shape (1 for a scalar). */
        public long numel() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        /** Number of bytes, {@code end - begin}. */
        public long byteLength() {
            return end - begin;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape)
                    && begin == e.begin && end == e.end;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
        }

        @Override
        public String toString() {
            return name + " " + dtype.safetensorsName() + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;              // the data buffer, mapped
    private final List<Entry> entries;             // by offset in the data buffer
    private final Map<String, Entry> byName;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, SafetensorsHeader.Parsed header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.entries = header.entries();
        this.metadata = header.metadata();
        this.byName = new HashMap<>();
        for (Entry e : entries) byName.put(e.name(), e);
    }

    /**
     * Opens, validates and maps a safetensors file.
     *
     * @throws SafetensorsFormatException if the bytes break the format (the message names file and problem)
     * @throws IOException                if the file cannot be read
     */
    public static SafetensorsFile open(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsFormatException(path, "file is " + size
                        + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0); // an unsigned u64: "negative" means over 2^63
            if (headerLength < 0 || headerLength > size - 8) {
                throw new SafetensorsFormatException(path, "header length " + Long.toUnsignedString(headerLength)
                        + " is larger than the " + (size - 8) + " bytes that follow it");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw new SafetensorsFormatException(path, "header length " + headerLength + " exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            byte[] header = new byte[(int) headerLength];
            readFully(channel, ByteBuffer.wrap(header), 8);
            long dataStart = 8 + headerLength;
            SafetensorsHeader.Parsed parsed = SafetensorsHeader.parse(path, header, size - dataStart);

            Arena arena = Arena.ofShared();
            try {
                MemorySegment data = channel.map(FileChannel.MapMode.READ_ONLY, dataStart, size - dataStart, arena);
                return new SafetensorsFile(path, arena, data, parsed);
            } catch (IOException | RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) throw new EOFException("unexpected end of file at byte " + position);
            position += n;
        }
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** All tensors, in the order their bytes appear in the file. */
    public List<Entry> entries() {
        return entries;
    }

    /** True if the file holds a tensor of this name. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The tensor of this name, or an {@link IllegalArgumentException} naming the file and the key. */
    public Entry entry(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + ": no tensor named \"" + name + "\" (the file holds "
                    + entries.size() + " tensors" + (entries.isEmpty() ? "" : ", e.g. \"" + entries.getFirst().name() + "\"")
                    + ")");
        }
        return e;
    }

    /** The {@code "__metadata__"} map of the header (empty if absent), in header order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The raw little-endian bytes of a tensor, read lazily from the mapping; valid until {@link #close()}. */
    public MemorySegment segment(String name) {
        ensureOpen();
        Entry e = entry(name);
        return data.asSlice(e.begin(), e.byteLength());
    }

    /** The tensor converted to float32, whatever its dtype. */
    public float[] readFloats(String name) {
        float[] out = new float[arrayLength(entry(name))];
        readFloats(name, out, 0);
        return out;
    }

    /** Converts the tensor to float32 into {@code dst[offset .. offset + numel)}. */
    public void readFloats(String name, float[] dst, int offset) {
        Entry e = entry(name);
        int n = arrayLength(e);
        Objects.checkFromIndexSize(offset, n, dst.length);
        MemorySegment s = segment(name);
        switch (e.dtype()) {
            case F32 -> MemorySegment.copy(s, LE_FLOAT, 0, dst, offset, n);
            case F64 -> { for (int i = 0; i < n; i++) dst[offset + i] = (float) s.getAtIndex(LE_DOUBLE, i); }
            case F16 -> { for (int i = 0; i < n; i++) dst[offset + i] = DType.f16ToFloat(s.getAtIndex(LE_SHORT, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) dst[offset + i] = DType.bf16ToFloat(s.getAtIndex(LE_SHORT, i)); }
            case I64 -> { for (int i = 0; i < n; i++) dst[offset + i] = (float) s.getAtIndex(LE_LONG, i); }
            case I32 -> { for (int i = 0; i < n; i++) dst[offset + i] = (float) s.getAtIndex(LE_INT, i); }
            case I16 -> { for (int i = 0; i < n; i++) dst[offset + i] = s.getAtIndex(LE_SHORT, i); }
            case I8 -> { for (int i = 0; i < n; i++) dst[offset + i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8 -> { for (int i = 0; i < n; i++) dst[offset + i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) dst[offset + i] = s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1f : 0f; }
        }
    }

    /** The tensor converted to float64, whatever its dtype (I64 beyond 2^53 rounds). */
    public double[] readDoubles(String name) {
        Entry e = entry(name);
        int n = arrayLength(e);
        double[] out = new double[n];
        MemorySegment s = segment(name);
        switch (e.dtype()) {
            case F64 -> MemorySegment.copy(s, LE_DOUBLE, 0, out, 0, n);
            case F32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_FLOAT, i); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = DType.f16ToFloat(s.getAtIndex(LE_SHORT, i)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = DType.bf16ToFloat(s.getAtIndex(LE_SHORT, i)); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_LONG, i); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_INT, i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_SHORT, i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0; }
        }
        return out;
    }

    /** An integer or boolean tensor widened to {@code long}; floating-point tensors are refused. */
    public long[] readLongs(String name) {
        Entry e = entry(name);
        requireInteger(e, "readLongs");
        int n = arrayLength(e);
        long[] out = new long[n];
        MemorySegment s = segment(name);
        switch (e.dtype()) {
            case I64 -> MemorySegment.copy(s, LE_LONG, 0, out, 0, n);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_INT, i); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_SHORT, i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0; }
            default -> throw new AssertionError(e.dtype());
        }
        return out;
    }

    /**
     * An integer or boolean tensor as {@code int}; an I64 value outside the int range is an
     * {@link ArithmeticException} naming the tensor and the element.
     */
    public int[] readInts(String name) {
        Entry e = entry(name);
        requireInteger(e, "readInts");
        int n = arrayLength(e);
        int[] out = new int[n];
        MemorySegment s = segment(name);
        switch (e.dtype()) {
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    long v = s.getAtIndex(LE_LONG, i);
                    if (v != (int) v) {
                        throw new ArithmeticException(path + ": tensor \"" + name + "\" element " + i + " = " + v
                                + " does not fit in an int");
                    }
                    out[i] = (int) v;
                }
            }
            case I32 -> MemorySegment.copy(s, LE_INT, 0, out, 0, n);
            case I16 -> { for (int i = 0; i < n; i++) out[i] = s.getAtIndex(LE_SHORT, i); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8 -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xff; }
            case BOOL -> { for (int i = 0; i < n; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0; }
            default -> throw new AssertionError(e.dtype());
        }
        return out;
    }

    /** A copy of the tensor's raw little-endian bytes, whatever its dtype. */
    public byte[] readBytes(String name) {
        Entry e = entry(name);
        if (e.byteLength() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has " + e.byteLength()
                    + " bytes, more than a Java array holds; use segment()");
        }
        return segment(name).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Drops the pages of tensor {@code name} from this process's resident memory ({@link MemorySegment#unload},
     * {@code madvise(MADV_DONTNEED)} on Linux). Mapped pages that were read count towards the process's resident
     * set until the mapping goes; a loader that copies or converts a large file tensor by tensor releases each one
     * after use, so that its peak resident memory is the converted model, not the model plus the file. The bytes
     * stay readable: a later read faults them in again (from the page cache or the disk).
     */
    public void release(String name) {
        ensureOpen();
        Entry e = entry(name);
        if (e.byteLength() > 0) data.asSlice(e.begin(), e.byteLength()).unload();
    }

    /** Unmaps the file now. Segments handed out become invalid; later reads throw {@link IllegalStateException}. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException(path + " is closed");
    }

    private int arrayLength(Entry e) {
        long n = e.numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(path + ": tensor \"" + e.name() + "\" has " + n
                    + " elements, more than a Java array holds; use segment()");
        }
        return (int) n;
    }

    private void requireInteger(Entry e, String method) {
        if (e.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(path + ": tensor \"" + e.name() + "\" is "
                    + e.dtype().safetensorsName() + "; " + method + " reads integer and boolean tensors (use readFloats)");
        }
    }
}
