package dev.jgrad.core.io.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A GGUF file (ggml's model container, versions 2 and 3), memory-mapped and read lazily.
 *
 * <p><b>The format</b> (ggml's {@code docs/gguf.md}), all little-endian:
 * <pre>
 * u32 magic "GGUF"   u32 version   u64 tensor_count   u64 metadata_kv_count
 * metadata_kv_count × (string key, u32 value_type, value)
 * tensor_count × (string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset)
 * padding to general.alignment (default 32), then the data section; tensor offsets are relative to it
 * </pre>
 * A string is a u64 byte length and UTF-8 bytes; an array is a u32 element type, a u64 count and the elements
 * (arrays may nest). {@code ne[0]} is the innermost, contiguous dimension: a PyTorch weight {@code (out, in)} is
 * stored with {@code ne = [in, out]} and the same row-major bytes. Version 1 (u32 counts) is refused, as are
 * big-endian files.
 *
 * <p><b>Opening</b> maps the file and parses the header in place. Every count, length and dimension is checked
 * against the bytes left in the file before anything is allocated for it (see {@link GgufFormatException}):
 * strings longer than the file, arrays with more elements than bytes, more than 4 dimensions, element counts
 * overflowing 64 bits, rows that are not whole blocks, unknown value or tensor types, a bad {@code
 * general.alignment}, misaligned, out-of-range or overlapping tensor data, duplicate keys or tensor names.
 * Tensor bytes are not touched until read; {@link #close()} unmaps the file.
 */
public final class GgufFile implements AutoCloseable {

    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    /** The alignment of tensor data when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;
    /** Deepest nesting of arrays accepted. */
    static final int MAX_ARRAY_DEPTH = 8;
    /** Longest key accepted (the spec's limit). */
    static final int MAX_KEY_BYTES = 65535;

    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble LE_DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * One tensor: name, type, ggml dimensions ({@code ne[0]} innermost) and byte offset in the data section.
     */
    public record TensorInfo(String name, GgufType type, long[] ne, long offset) {
        public TensorInfo {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            ne = ne.clone();
        }

        @Override
        public long[] ne() {
            return ne.clone();
        }

        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (long d : ne) n = Math.multiplyExact(n, d);
            return n;
        }

        /** Bytes of the tensor's data. */
        public long byteSize() {
            return type.byteSize(numel());
        }

        /** The PyTorch-order shape ({@code ne} reversed), each dimension an int. */
        public int[] shape() {
            int[] s = new int[ne.length];
            for (int i = 0; i < ne.length; i++) s[i] = Math.toIntExact(ne[ne.length - 1 - i]);
            return s;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne)
                    && offset == t.offset;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, type, Arrays.hashCode(ne), offset);
        }

        @Override
        public String toString() {
            return name + " " + type + Arrays.toString(ne) + " @" + offset;
        }
    }

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final List<TensorInfo> tensors;
    private final Map<String, TensorInfo> byName;
    private final long alignment;
    private final long dataStart;
    private volatile boolean closed;

    private GgufFile(Path path, Arena arena, MemorySegment file, int version, Map<String, GgufValue> metadata,
                     List<TensorInfo> tensors, long alignment, long dataStart) {
        this.path = path;
        this.arena = arena;
        this.file = file;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = List.copyOf(tensors);
        this.alignment = alignment;
        this.dataStart = dataStart;
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : tensors) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
    }

    /**
     * Opens, validates and maps a GGUF file.
     *
     * @throws GgufFormatException if the bytes break the format (the message names the file and the problem)
     * @throws IOException         if the file cannot be read
     */
    public static GgufFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return parse(path, arena, file);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment file) throws GgufFormatException {
        Cursor in = new Cursor(path, file);
        if (file.byteSize() < 24)
            throw new GgufFormatException(path, "is " + file.byteSize() + " bytes, shorter than the 24-byte GGUF header");
        int magic = in.u32("magic");
        if (magic != MAGIC)
            throw new GgufFormatException(path, String.format("does not start with the GGUF magic (found 0x%08x)", magic));
        int version = in.u32("version");
        if (version == 1)
            throw new GgufFormatException(path, "is GGUF version 1 (u32 counts); only versions 2 and 3 are supported");
        if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3)
            throw new GgufFormatException(path, "is a big-endian GGUF file; only little-endian files are supported");
        if (version != 2 && version != 3)
            throw new GgufFormatException(path, "has GGUF version " + Integer.toUnsignedString(version)
                    + "; only versions 2 and 3 are supported");
        long tensorCount = in.count("tensor_count", 8 + 4 + 8 + 4 + 8);   // an empty name, 1 dim, type, offset
        long kvCount = in.count("metadata_kv_count", 8 + 4 + 1);          // an empty key, type, a u8

        Map<String, GgufValue> metadata = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            long at = in.pos;
            String key = in.string("key of metadata entry " + i, MAX_KEY_BYTES);
            GgufValue.Type type = in.valueType("value type of \"" + key + "\"");
            GgufValue value = in.value(type, "\"" + key + "\"", 0);
            if (metadata.put(key, value) != null)
                throw new GgufFormatException(path, "metadata key \"" + key + "\" at byte " + at + " appears twice");
        }

        long alignment = DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) {
            if (a.type() != GgufValue.Type.UINT32)
                throw new GgufFormatException(path, "general.alignment is a " + a.type() + ", not a UINT32");
            alignment = a.asLong();
            if (alignment == 0 || Long.bitCount(alignment) != 1)
                throw new GgufFormatException(path, "general.alignment " + alignment + " is not a power of two");
        }

        List<TensorInfo> tensors = new ArrayList<>();
        Map<String, TensorInfo> names = new java.util.HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("name of tensor " + i, MAX_KEY_BYTES);
            String what = "tensor \"" + name + "\"";
            long nDims = in.u32("n_dims of " + what) & 0xffffffffL;
            if (nDims > MAX_DIMS)
                throw new GgufFormatException(path, what + " has " + nDims + " dimensions; at most " + MAX_DIMS + " are allowed");
            long[] ne = new long[(int) nDims];
            long numel = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.u64("ne[" + d + "] of " + what);
                if (ne[d] < 0)
                    throw new GgufFormatException(path, what + " has dimension ne[" + d + "] = "
                            + Long.toUnsignedString(ne[d]) + ", beyond 2^63");
                try {
                    numel = Math.multiplyExact(numel, ne[d]);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException(path, what + " has dimensions " + Arrays.toString(Arrays.copyOf(ne, d + 1))
                            + " whose product exceeds 2^63");
                }
            }
            int typeId = in.u32("type of " + what);
            GgufType type = GgufType.ofId(typeId & 0xffffffffL);
            if (type == null)
                throw new GgufFormatException(path, what + " has ggml type " + Integer.toUnsignedString(typeId)
                        + ", which jgrad does not read (known: " + Arrays.toString(GgufType.values()) + ")");
            if (nDims > 0 && ne[0] % type.blockSize() != 0)
                throw new GgufFormatException(path, what + " of type " + type + " has rows of " + ne[0]
                        + " values, not a multiple of the block size " + type.blockSize());
            if (numel > Long.MAX_VALUE / type.typeSize())
                throw new GgufFormatException(path, what + " of " + numel + " " + type + " values: its size in bytes exceeds 2^63");
            long offset = in.u64("offset of " + what);
            if (offset < 0 || offset % alignment != 0)
                throw new GgufFormatException(path, what + " has data offset " + Long.toUnsignedString(offset)
                        + ", not a multiple of the alignment " + alignment);
            TensorInfo t = new TensorInfo(name, type, ne, offset);
            if (names.put(name, t) != null)
                throw new GgufFormatException(path, "tensor name \"" + name + "\" appears twice");
            tensors.add(t);
        }

        long dataStart = Math.ceilDiv(in.pos, alignment) * alignment;
        long size = file.byteSize();
        if (dataStart > size && !tensors.isEmpty())
            throw new GgufFormatException(path, "the data section would start at byte " + dataStart + ", past the end of the "
                    + size + "-byte file (truncated?)");
        long dataBytes = Math.max(0, size - dataStart);
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        long end = 0;
        String previous = null;
        for (TensorInfo t : byOffset) {
            long bytes = t.byteSize();
            if (t.offset() > dataBytes || bytes > dataBytes - t.offset())
                throw new GgufFormatException(path, "tensor \"" + t.name() + "\" " + t.type() + Arrays.toString(t.ne)
                        + " needs bytes [" + t.offset() + ", " + (t.offset() + bytes) + ") of the data section, which has "
                        + dataBytes + " (truncated?)");
            if (t.offset() < end)
                throw new GgufFormatException(path, "tensor \"" + t.name() + "\" at data offset " + t.offset()
                        + " overlaps tensor \"" + previous + "\", which ends at " + end);
            end = t.offset() + bytes;
            previous = t.name();
        }
        return new GgufFile(path, arena, file, version, metadata, tensors, alignment, dataStart);
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** GGUF version, 2 or 3. */
    public int version() {
        return version;
    }

    /** Every metadata entry, in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** The value of {@code key}, or null. */
    public GgufValue get(String key) {
        return metadata.get(key);
    }

    /** The value of {@code key}; a {@link GgufFormatException} naming the key if it is missing. */
    public GgufValue require(String key) throws GgufFormatException {
        GgufValue v = metadata.get(key);
        if (v == null) throw new GgufFormatException(path, "has no metadata key \"" + key + "\"");
        return v;
    }

    /** The alignment of the data section and of every tensor offset. */
    public long alignment() {
        return alignment;
    }

    /** Byte position of the data section in the file. */
    public long dataStart() {
        return dataStart;
    }

    /** All tensors, in the order of their infos. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** True if the file holds a tensor of this name. */
    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The tensor of this name; an {@link IllegalArgumentException} naming the file and the name if absent. */
    public TensorInfo tensor(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) throw new IllegalArgumentException(path + ": no tensor named \"" + name + "\"");
        return t;
    }

    /** The raw bytes of a tensor, from the mapping; valid until {@link #close()}. */
    public MemorySegment segment(String name) {
        if (closed) throw new IllegalStateException(path + " is closed");
        TensorInfo t = tensor(name);
        return file.asSlice(dataStart + t.offset(), t.byteSize());
    }

    /** The tensor dequantized to float32 (row-major, {@code ne[0]} fastest). */
    public float[] readFloats(String name) {
        TensorInfo t = tensor(name);
        long n = t.numel();
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(path + ": tensor \"" + name + "\" has " + n + " elements, more than a Java array holds");
        float[] out = new float[(int) n];
        readFloats(name, out, 0);
        return out;
    }

    /** Dequantizes the tensor into {@code dst[offset .. offset + numel)}. */
    public void readFloats(String name, float[] dst, int offset) {
        TensorInfo t = tensor(name);
        long n = t.numel();
        Objects.checkFromIndexSize(offset, Math.toIntExact(n), dst.length);
        GgufBlocks.dequantize(t.type(), segment(name), 0, dst, offset, (int) n);
    }

    /** Drops the pages of a tensor from this process's resident memory (they stay readable). */
    public void release(String name) {
        MemorySegment s = segment(name);
        if (s.byteSize() > 0) s.unload();
    }

    /** Unmaps the file; segments handed out become invalid. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }

    /** Bounds-checked little-endian reads from the start of the mapping. */
    private static final class Cursor {
        final Path path;
        final MemorySegment s;
        long pos;

        Cursor(Path path, MemorySegment s) {
            this.path = path;
            this.s = s;
        }

        long remaining() {
            return s.byteSize() - pos;
        }

        void need(long n, String what) throws GgufFormatException {
            if (n < 0 || n > remaining())
                throw new GgufFormatException(path, what + " at byte " + pos + " needs " + (n < 0 ? "more than 2^63" : n)
                        + " bytes, but only " + remaining() + " remain (truncated?)");
        }

        byte u8(String what) throws GgufFormatException {
            need(1, what);
            return s.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short u16(String what) throws GgufFormatException {
            need(2, what);
            short v = s.get(LE_SHORT, pos);
            pos += 2;
            return v;
        }

        int u32(String what) throws GgufFormatException {
            need(4, what);
            int v = s.get(LE_INT, pos);
            pos += 4;
            return v;
        }

        long u64(String what) throws GgufFormatException {
            need(8, what);
            long v = s.get(LE_LONG, pos);
            pos += 8;
            return v;
        }

        /** A u64 count of items of at least {@code minBytes} each, checked against the bytes left. */
        long count(String what, long minBytes) throws GgufFormatException {
            long at = pos;
            long n = u64(what);
            if (n < 0 || n > remaining() / minBytes)
                throw new GgufFormatException(path, what + " " + Long.toUnsignedString(n) + " at byte " + at
                        + " is more than the " + remaining() + " remaining bytes can hold");
            return n;
        }

        String string(String what, long maxBytes) throws GgufFormatException {
            long at = pos;
            long n = u64("length of " + what);
            if (n < 0 || n > remaining())
                throw new GgufFormatException(path, what + " at byte " + at + " has length " + Long.toUnsignedString(n)
                        + ", longer than the " + remaining() + " bytes left in the file");
            if (n > maxBytes)
                throw new GgufFormatException(path, what + " at byte " + at + " has length " + n + ", over the limit of "
                        + maxBytes);
            byte[] b = s.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE);
            pos += n;
            return new String(b, StandardCharsets.UTF_8);
        }

        GgufValue.Type valueType(String what) throws GgufFormatException {
            long at = pos;
            int id = u32(what);
            GgufValue.Type t = GgufValue.Type.ofId(id & 0xffffffffL);
            if (t == null)
                throw new GgufFormatException(path, what + " at byte " + at + " is " + Integer.toUnsignedString(id)
                        + ", not a GGUF value type (0..12)");
            return t;
        }

        GgufValue value(GgufValue.Type type, String what, int depth) throws GgufFormatException {
            return switch (type) {
                case ARRAY -> new GgufValue(type, array(what, depth));
                case FLOAT32 -> new GgufValue(type, Float.intBitsToFloat(u32(what)));
                case FLOAT64 -> new GgufValue(type, Double.longBitsToDouble(u64(what)));
                case BOOL -> new GgufValue(type, bool(what));
                case STRING -> new GgufValue(type, string(what, Long.MAX_VALUE));
                case UINT8 -> new GgufValue(type, (long) (u8(what) & 0xff));
                case INT8 -> new GgufValue(type, (long) u8(what));
                case UINT16 -> new GgufValue(type, (long) (u16(what) & 0xffff));
                case INT16 -> new GgufValue(type, (long) u16(what));
                case UINT32 -> new GgufValue(type, u32(what) & 0xffffffffL);
                case INT32 -> new GgufValue(type, (long) u32(what));
                case UINT64, INT64 -> new GgufValue(type, u64(what));
            };
        }

        boolean bool(String what) throws GgufFormatException {
            long at = pos;
            byte b = u8(what);
            if (b != 0 && b != 1)
                throw new GgufFormatException(path, what + " at byte " + at + " is a bool of value " + (b & 0xff) + ", not 0 or 1");
            return b == 1;
        }

        GgufValue.Array array(String what, int depth) throws GgufFormatException {
            if (depth >= MAX_ARRAY_DEPTH)
                throw new GgufFormatException(path, what + " at byte " + pos + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
            GgufValue.Type et = valueType("element type of " + what);
            long n = count("element count of " + what, et.minBytes);
            if (n > Integer.MAX_VALUE - 8)
                throw new GgufFormatException(path, what + " has " + n + " elements, more than a Java array holds");
            int len = (int) n;
            Object elements = switch (et) {
                case UINT8, INT8 -> bulk(new byte[len], ValueLayout.JAVA_BYTE, 1);
                case UINT16, INT16 -> bulk(new short[len], LE_SHORT, 2);
                case UINT32, INT32 -> bulk(new int[len], LE_INT, 4);
                case UINT64, INT64 -> bulk(new long[len], LE_LONG, 8);
                case FLOAT32 -> bulk(new float[len], LE_FLOAT, 4);
                case FLOAT64 -> bulk(new double[len], LE_DOUBLE, 8);
                case BOOL -> {
                    boolean[] b = new boolean[len];
                    for (int i = 0; i < len; i++) b[i] = bool(what + "[" + i + "]");
                    yield b;
                }
                case STRING -> {
                    String[] ss = new String[len];
                    for (int i = 0; i < len; i++) ss[i] = string(what + "[" + i + "]", Long.MAX_VALUE);
                    yield ss;
                }
                case ARRAY -> {
                    GgufValue.Array[] as = new GgufValue.Array[len];
                    for (int i = 0; i < len; i++) as[i] = array(what + "[" + i + "]", depth + 1);
                    yield as;
                }
            };
            return new GgufValue.Array(et, elements);
        }

        private Object bulk(Object dst, ValueLayout layout, int width) {
            int len = java.lang.reflect.Array.getLength(dst);
            // count() has checked len · width <= remaining()
            MemorySegment src = s.asSlice(pos, (long) len * width);
            switch (dst) {
                case byte[] b -> MemorySegment.copy(src, ValueLayout.JAVA_BYTE, 0, b, 0, len);
                case short[] v -> MemorySegment.copy(src, (ValueLayout.OfShort) layout, 0, v, 0, len);
                case int[] v -> MemorySegment.copy(src, (ValueLayout.OfInt) layout, 0, v, 0, len);
                case long[] v -> MemorySegment.copy(src, (ValueLayout.OfLong) layout, 0, v, 0, len);
                case float[] v -> MemorySegment.copy(src, (ValueLayout.OfFloat) layout, 0, v, 0, len);
                case double[] v -> MemorySegment.copy(src, (ValueLayout.OfDouble) layout, 0, v, 0, len);
                default -> throw new AssertionError(dst.getClass());
            }
            pos += (long) len * width;
            return dst;
        }
    }
}
