package dev.jgrad.core.io.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One GGUF metadata value: its type and its Java value.
 *
 * <p>Java values by type: the integer types are a {@link Long} (UINT64 holds the raw 64 bits; read it with
 * {@link Long#toUnsignedString}), FLOAT32 a {@link Float}, FLOAT64 a {@link Double}, BOOL a {@link Boolean}, STRING
 * a {@link String}, and ARRAY an {@link Array}. An array keeps its elements in a primitive Java array of the
 * element type's width ({@code byte[]} for UINT8/INT8, {@code short[]}, {@code int[]}, {@code long[]},
 * {@code float[]}, {@code double[]}, {@code boolean[]}, {@code String[]}), or {@code Array[]} for an array of arrays,
 * so a vocabulary of 128k tokens costs what its strings cost.
 */
public record GgufValue(Type type, Object value) {

    /** GGUF's {@code gguf_metadata_value_type}, with its id and, for fixed-size types, its byte size. */
    public enum Type {
        UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4), BOOL(7, 1),
        STRING(8, 8), ARRAY(9, 12), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

        final int id;
        /** Bytes of a value (for STRING and ARRAY: of the smallest value, an empty one). */
        final int minBytes;

        Type(int id, int minBytes) {
            this.id = id;
            this.minBytes = minBytes;
        }

        /** The type's id in the file. */
        public int id() {
            return id;
        }

        /** True for the integer types. */
        public boolean isInteger() {
            return this != FLOAT32 && this != FLOAT64 && this != BOOL && this != STRING && this != ARRAY;
        }

        static Type ofId(long id) {
            for (Type t : values()) if (t.id == id) return t;
            return null;
        }
    }

    /** An array value: element type and elements (see the class comment for the Java array used per type). */
    public record Array(Type elementType, Object elements) {
        public Array {
            Objects.requireNonNull(elementType, "elementType");
            Class<?> expected = switch (elementType) {
                case UINT8, INT8 -> byte[].class;
                case UINT16, INT16 -> short[].class;
                case UINT32, INT32 -> int[].class;
                case UINT64, INT64 -> long[].class;
                case FLOAT32 -> float[].class;
                case FLOAT64 -> double[].class;
                case BOOL -> boolean[].class;
                case STRING -> String[].class;
                case ARRAY -> Array[].class;
            };
            if (!expected.isInstance(elements))
                throw new IllegalArgumentException("an array of " + elementType + " holds a " + expected.getSimpleName()
                        + ", not " + (elements == null ? "null" : elements.getClass().getSimpleName()));
        }

        /** Number of elements. */
        public int size() {
            return java.lang.reflect.Array.getLength(elements);
        }

        /** Element {@code i} of an integer array, widened (unsigned types as unsigned). */
        public long longAt(int i) {
            return switch (elementType) {
                case UINT8 -> ((byte[]) elements)[i] & 0xff;
                case INT8 -> ((byte[]) elements)[i];
                case UINT16 -> ((short[]) elements)[i] & 0xffff;
                case INT16 -> ((short[]) elements)[i];
                case UINT32 -> ((int[]) elements)[i] & 0xffffffffL;
                case INT32 -> ((int[]) elements)[i];
                case UINT64, INT64 -> ((long[]) elements)[i];
                default -> throw new IllegalStateException("an array of " + elementType + " is not an integer array");
            };
        }

        /** The elements of a STRING array. */
        public String[] strings() {
            if (elementType != Type.STRING) throw new IllegalStateException("an array of " + elementType + " is not a string array");
            return (String[]) elements;
        }

        /** The elements of a FLOAT32 array. */
        public float[] floats() {
            if (elementType != Type.FLOAT32) throw new IllegalStateException("an array of " + elementType + " is not a float32 array");
            return (float[]) elements;
        }

        /** The elements of an integer array as {@code int}s (each must fit). */
        public int[] ints() {
            int[] out = new int[size()];
            for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact(longAt(i));
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Array a && elementType == a.elementType && Arrays.deepEquals(new Object[] {elements},
                    new Object[] {a.elements});
        }

        @Override
        public int hashCode() {
            return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {elements});
        }

        @Override
        public String toString() {
            return elementType + "[" + size() + "]";
        }
    }

    public GgufValue {
        Objects.requireNonNull(type, "type");
        Class<?> expected = switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> Long.class;
            case FLOAT32 -> Float.class;
            case FLOAT64 -> Double.class;
            case BOOL -> Boolean.class;
            case STRING -> String.class;
            case ARRAY -> Array.class;
        };
        if (!expected.isInstance(value))
            throw new IllegalArgumentException("a " + type + " value is a " + expected.getSimpleName() + ", not "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
    }

    public static GgufValue uint32(long v) {
        if (v < 0 || v > 0xffffffffL) throw new IllegalArgumentException("UINT32 value " + v + " out of range");
        return new GgufValue(Type.UINT32, v);
    }

    public static GgufValue int32(int v) {
        return new GgufValue(Type.INT32, (long) v);
    }

    public static GgufValue float32(float v) {
        return new GgufValue(Type.FLOAT32, v);
    }

    public static GgufValue bool(boolean v) {
        return new GgufValue(Type.BOOL, v);
    }

    public static GgufValue string(String v) {
        return new GgufValue(Type.STRING, v);
    }

    public static GgufValue array(Type elementType, Object elements) {
        return new GgufValue(Type.ARRAY, new Array(elementType, elements));
    }

    /** An integer value as a long (UINT64 beyond 2^63 comes out negative). */
    public long asLong() {
        if (!type.isInteger()) throw new IllegalStateException("a " + type + " value is not an integer");
        return (Long) value;
    }

    /** An integer value that must fit an int. */
    public int asInt() {
        long v = asLong();
        if (v != (int) v) throw new IllegalStateException("value " + v + " does not fit an int");
        return (int) v;
    }

    /** A FLOAT32 or FLOAT64 value. */
    public double asDouble() {
        if (value instanceof Float f) return f;
        if (value instanceof Double d) return d;
        throw new IllegalStateException("a " + type + " value is not a float");
    }

    public boolean asBool() {
        if (!(value instanceof Boolean b)) throw new IllegalStateException("a " + type + " value is not a bool");
        return b;
    }

    public String asString() {
        if (!(value instanceof String s)) throw new IllegalStateException("a " + type + " value is not a string");
        return s;
    }

    public Array asArray() {
        if (!(value instanceof Array a)) throw new IllegalStateException("a " + type + " value is not an array");
        return a;
    }

    @Override
    public String toString() {
        return type == Type.UINT64 ? Long.toUnsignedString((Long) value) : String.valueOf(value);
    }
}
