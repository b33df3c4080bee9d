package dev.jgrad.core;

/**
 * The flat buffer behind one or more tensors. Views (reshape, transpose, narrow, ...) share a storage and
 * differ only in shape, strides and offset.
 *
 * <p>Every in-place write bumps {@link #version()}. Autograd records the version of each tensor it saves for
 * backward and refuses to run a backward whose inputs were modified since, instead of computing a wrong
 * gradient.
 *
 * <p>CPU storages hold Java arrays (see {@code docs/architecture.md} for why); a backend for another device
 * subclasses this with its own buffer and implements the element accessors by copying (they are for tests
 * and printing, not for kernels).
 */
public abstract class Storage {

    private final DType dtype;
    private final int size;
    private int version;

    protected Storage(DType dtype, int size) {
        if (size < 0) throw new IllegalArgumentException("storage size must be >= 0, got " + size);
        this.dtype = dtype;
        this.size = size;
    }

    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int size() {
        return size;
    }

    public abstract Device device();

    /** How many times this storage was modified in place. */
    public final int version() {
        return version;
    }

    /** Records an in-place modification. */
    public final void bumpVersion() {
        version++;
    }

    /** Element {@code i} as a double (scalar access for reference kernels, tests and printing). */
    public abstract double getDouble(int i);

    /** Sets element {@code i} from a double, converting to this storage's type. */
    public abstract void setDouble(int i, double v);

    /** Element {@code i} as a long (exact for integer types). */
    public long getLong(int i) {
        return (long) getDouble(i);
    }

    /** Sets element {@code i} from a long. */
    public void setLong(int i, long v) {
        setDouble(i, v);
    }

    /** A new zero-filled storage of the same kind and device. */
    public abstract Storage newStorage(DType dtype, int size);

    // ---------------------------------------------------------------------------------------------
    // CPU storages: one per Java primitive array type.

    /** Base of host storages. */
    public abstract static sealed class Cpu extends Storage
            permits FloatStorage, DoubleStorage, IntStorage, LongStorage, ByteStorage, ShortStorage {
        Cpu(DType dtype, int size) {
            super(dtype, size);
        }

        @Override
        public final Device device() {
            return Device.cpu();
        }

        @Override
        public final Storage newStorage(DType dtype, int size) {
            return allocate(dtype, size);
        }

        /** A zero-filled host storage for {@code dtype}. */
        public static Cpu allocate(DType dtype, int size) {
            return switch (dtype) {
                case F32 -> new FloatStorage(new float[size]);
                case F64 -> new DoubleStorage(new double[size]);
                case I32 -> new IntStorage(new int[size]);
                case I64 -> new LongStorage(new long[size]);
                case U8, I8, BOOL -> new ByteStorage(dtype, new byte[size]);
                case BF16, F16, I16 -> new ShortStorage(dtype, new short[size]);
            };
        }
    }

    /** float32 on the heap: the storage every fast CPU kernel works on. */
    public static final class FloatStorage extends Cpu {
        public final float[] data;

        public FloatStorage(float[] data) {
            super(DType.F32, data.length);
            this.data = data;
        }

        @Override
        public double getDouble(int i) {
            return data[i];
        }

        @Override
        public void setDouble(int i, double v) {
            data[i] = (float) v;
        }
    }

    /** float64 on the heap (reference kernels and gradient checks). */
    public static final class DoubleStorage extends Cpu {
        public final double[] data;

        public DoubleStorage(double[] data) {
            super(DType.F64, data.length);
            this.data = data;
        }

        @Override
        public double getDouble(int i) {
            return data[i];
        }

        @Override
        public void setDouble(int i, double v) {
            data[i] = v;
        }
    }

    /** int32 indices. */
    public static final class IntStorage extends Cpu {
        public final int[] data;

        public IntStorage(int[] data) {
            super(DType.I32, data.length);
            this.data = data;
        }

        @Override
        public double getDouble(int i) {
            return data[i];
        }

        @Override
        public void setDouble(int i, double v) {
            data[i] = (int) v;
        }

        @Override
        public long getLong(int i) {
            return data[i];
        }

        @Override
        public void setLong(int i, long v) {
            data[i] = (int) v;
        }
    }

    /** int64 indices. */
    public static final class LongStorage extends Cpu {
        public final long[] data;

        public LongStorage(long[] data) {
            super(DType.I64, data.length);
            this.data = data;
        }

        @Override
        public double getDouble(int i) {
            return data[i];
        }

        @Override
        public void setDouble(int i, double v) {
            data[i] = (long) v;
        }

        @Override
        public long getLong(int i) {
            return data[i];
        }

        @Override
        public void setLong(int i, long v) {
            data[i] = v;
        }
    }

    /** Bytes: BOOL masks (0 or 1), U8 (unsigned, e.g. packed 4-bit weights) and I8. */
    public static final class ByteStorage extends Cpu {
        public final byte[] data;

        public ByteStorage(DType dtype, byte[] data) {
            super(dtype, data.length);
            if (dtype != DType.BOOL && dtype != DType.U8 && dtype != DType.I8)
                throw new IllegalArgumentException("byte storage holds BOOL, U8 or I8, not " + dtype);
            this.data = data;
        }

        @Override
        public double getDouble(int i) {
            return dtype() == DType.U8 ? data[i] & 0xff : data[i];
        }

        @Override
        public void setDouble(int i, double v) {
            data[i] = dtype() == DType.BOOL ? (byte) (v != 0 ? 1 : 0) : (byte) (long) v;
        }
    }

    /** 16-bit: BF16 and F16 weights as they arrive from files (converted on read), and I16. */
    public static final class ShortStorage extends Cpu {
        public final short[] data;

        public ShortStorage(DType dtype, short[] data) {
            super(dtype, data.length);
            if (dtype != DType.BF16 && dtype != DType.F16 && dtype != DType.I16)
                throw new IllegalArgumentException("short storage holds BF16, F16 or I16, not " + dtype);
            this.data = data;
        }

        @Override
        public double getDouble(int i) {
            return switch (dtype()) {
                case BF16 -> DType.bf16ToFloat(data[i]);
                case F16 -> DType.f16ToFloat(data[i]);
                default -> data[i];
            };
        }

        @Override
        public void setDouble(int i, double v) {
            data[i] = switch (dtype()) {
                case BF16 -> DType.floatToBf16((float) v);
                case F16 -> DType.floatToF16((float) v);
                default -> (short) (long) v;
            };
        }
    }
}
