package dev.jgrad.core.io;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tensors to and from safetensors files: the convenience layer over {@link SafetensorsFile} (lazy,
 * memory-mapped reading) and {@link SafetensorsWriter} (atomic writing).
 *
 * <p>Reading converts to the compute types: every floating dtype (F16, BF16, F32, F64) becomes float32
 * unless another floating type is asked for, integer dtypes become int64, BOOL stays BOOL and U8 stays U8
 * (raw bytes such as packed 4-bit weights).
 */
public final class Safetensors {

    private Safetensors() {}

    /** Loads every tensor of a file (small files; large models read tensor by tensor with {@link #read}). */
    public static Map<String, Tensor> load(Path path) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (SafetensorsFile.Entry e : f.entries()) out.put(e.name(), read(f, e.name()));
            return out;
        }
    }

    /** One tensor in its compute type (see the class comment). */
    public static Tensor read(SafetensorsFile file, String name) {
        DType stored = file.entry(name).dtype();
        DType target = switch (stored) {
            case F64, F32, F16, BF16 -> DType.F32;
            case I64, I32, I16, I8 -> DType.I64;
            case U8 -> DType.U8;
            case BOOL -> DType.BOOL;
        };
        return read(file, name, target);
    }

    /** One tensor converted to {@code target} (F32, F64, I64, I32, U8 or BOOL). */
    public static Tensor read(SafetensorsFile file, String name, DType target) {
        SafetensorsFile.Entry e = file.entry(name);
        int[] shape = intShape(e);
        return switch (target) {
            case F32 -> new Tensor(new Storage.FloatStorage(file.readFloats(name)), shape);
            case F64 -> new Tensor(new Storage.DoubleStorage(file.readDoubles(name)), shape);
            case I64 -> new Tensor(new Storage.LongStorage(file.readLongs(name)), shape);
            case I32 -> new Tensor(new Storage.IntStorage(file.readInts(name)), shape);
            case U8, BOOL -> {
                if (e.dtype() != DType.U8 && e.dtype() != DType.BOOL && e.dtype() != DType.I8)
                    throw new IllegalArgumentException("tensor " + name + " in " + file.path() + " is " + e.dtype()
                            + ", not a byte type");
                byte[] raw = file.readBytes(name);
                yield new Tensor(new Storage.ByteStorage(target, raw), shape);
            }
            default -> throw new IllegalArgumentException("cannot read " + name + " as " + target);
        };
    }

    /** The shape as ints (Java arrays are int-indexed; larger tensors are refused clearly). */
    public static int[] intShape(SafetensorsFile.Entry e) {
        long[] s = e.shape();
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            if (s[i] > Integer.MAX_VALUE)
                throw new IllegalArgumentException("tensor " + e.name() + " has a dimension of " + s[i] + " elements");
            out[i] = (int) s[i];
        }
        if (e.numel() > Integer.MAX_VALUE)
            throw new IllegalArgumentException("tensor " + e.name() + " has " + e.numel()
                    + " elements, more than one Java array holds");
        return out;
    }

    /** Writes tensors (float types as F32, integers as I64, U8/BOOL raw) with metadata, atomically. */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        save(path, tensors, metadata, DType.F32);
    }

    /**
     * Writes tensors, storing floating-point ones as {@code floatType} (F32, F16 or BF16), atomically
     * (temporary file, then rename).
     */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata, DType floatType)
            throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, Tensor> en : tensors.entrySet()) {
            Tensor t = en.getValue();
            long[] shape = longShape(t.shape());
            switch (t.dtype()) {
                case F32, F64, F16, BF16 -> w.add(en.getKey(), floatType, shape, t.toFloatArray());
                case I64, I32, I16, I8 -> w.addLongs(en.getKey(), shape, t.toLongArray());
                case U8, BOOL -> {
                    Tensor c = t.contiguous();
                    byte[] data = ((Storage.ByteStorage) c.storage()).data;
                    byte[] slice = java.util.Arrays.copyOfRange(data, c.offset(), c.offset() + c.numel());
                    w.addBytes(en.getKey(), t.dtype(), shape, slice);
                }
            }
        }
        if (metadata != null && !metadata.isEmpty()) w.metadata(metadata);
        w.write(path);
    }

    static long[] longShape(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[i];
        return out;
    }
}
