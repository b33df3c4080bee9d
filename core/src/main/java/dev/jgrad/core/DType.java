package dev.jgrad.core;

/**
 * Element types.
 *
 * <p>jgrad computes in {@link #F32}. {@link #F64} runs through the scalar reference kernels and exists for
 * gradient checks. {@link #I32}/{@link #I64} hold indices (token ids, gather indices), {@link #BOOL} holds
 * masks. {@link #BF16} and {@link #F16} are storage types: weights arrive in them and are converted to
 * float32 before any arithmetic ({@code tensor.to(DType.F32)}). {@link #I16}, {@link #I8}, {@link #U8} are
 * read from files (U8 also holds packed 4-bit weights).
 *
 * <p>{@link #safetensorsName()} is the dtype string of the safetensors format.
 */
public enum DType {
    F64(8, "F64", true),
    F32(4, "F32", true),
    F16(2, "F16", true),
    BF16(2, "BF16", true),
    I64(8, "I64", false),
    I32(4, "I32", false),
    I16(2, "I16", false),
    I8(1, "I8", false),
    U8(1, "U8", false),
    BOOL(1, "BOOL", false);

    private final int byteSize;
    private final String safetensorsName;
    private final boolean floating;

    DType(int byteSize, String safetensorsName, boolean floating) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The name the safetensors header uses for this type ("F32", "BF16", ...). */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** True for floating-point types. */
    public boolean isFloatingPoint() {
        return floating;
    }

    /** The type a safetensors header names, or an exception listing the known names. */
    public static DType fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName.equals(name)) return t;
        }
        throw new IllegalArgumentException("unknown safetensors dtype \"" + name
                + "\" (known: F64 F32 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    }

    /** bfloat16 bits to float: the upper half of a float32. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float to bfloat16 bits, rounding to nearest even (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x0040); // quiet NaN
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** IEEE half-precision bits to float. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** float to IEEE half-precision bits, rounding to nearest even. */
    public static short floatToF16(float f) {
        return Float.floatToFloat16(f);
    }
}
