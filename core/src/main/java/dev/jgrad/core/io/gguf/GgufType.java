package dev.jgrad.core.io.gguf;

/**
 * The tensor types of ggml that jgrad reads from GGUF files, with ggml's type ids ({@code enum ggml_type}) and block
 * geometry.
 *
 * <p>A quantized tensor is a sequence of blocks; each block covers {@link #blockSize()} consecutive values of a row
 * and takes {@link #typeSize()} bytes. A row's length (GGUF's {@code ne[0]}) must be a multiple of the block size.
 * The block layouts are ggml's ({@code ggml-common.h}); {@link GgufBlocks} decodes them. Every scale is an IEEE
 * half-precision float:
 * <pre>
 * type   id  block  bytes  layout (in byte order)                        value of element j
 * F32     0      1      4  float32
 * F16     1      1      2  float16
 * BF16   30      1      2  bfloat16
 * Q4_0    2     32     18  d:f16, qs[16] (low nibbles j<16, high j≥16)   d·(q−8)
 * Q4_1    3     32     20  d:f16, m:f16, qs[16]                          d·q + m
 * Q5_0    6     32     22  d:f16, qh:u32, qs[16] (5th bit from qh)       d·(q−16)
 * Q5_1    7     32     24  d:f16, m:f16, qh:u32, qs[16]                  d·q + m
 * Q8_0    8     32     34  d:f16, qs:int8[32]                             d·q
 * Q2_K   10    256     84  scales[16], qs[64], d:f16, dmin:f16           per 16: d·(sc&15)·q − dmin·(sc>>4)
 * Q3_K   11    256    110  hmask[32], qs[64], scales[12], d:f16          per 16: d·(sc−32)·(q−4·!hbit)
 * Q4_K   12    256    144  d:f16, dmin:f16, scales[12], qs[128]          per 32: d·sc·q − dmin·m (6-bit sc, m)
 * Q5_K   13    256    176  d:f16, dmin:f16, scales[12], qh[32], qs[128]  per 32: d·sc·q − dmin·m, q 5-bit
 * Q6_K   14    256    210  ql[128], qh[64], scales:int8[16], d:f16       per 16: d·sc·(q−32), q 6-bit
 * </pre>
 */
public enum GgufType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2);

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgufType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** ggml's type id, as stored in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Values per block (1 for the float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** True for the block-quantized types. */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes of {@code n} values ({@code n} a multiple of the block size). */
    public long byteSize(long n) {
        if (n % blockSize != 0)
            throw new IllegalArgumentException(this + ": " + n + " values is not a multiple of the block size " + blockSize);
        return Math.multiplyExact(n / blockSize, (long) typeSize);
    }

    /** The type of ggml id {@code id}, or null if jgrad does not read it. */
    public static GgufType ofId(long id) {
        for (GgufType t : values()) if (t.id == id) return t;
        return null;
    }

    /** "f32", "q8_0", ... (any case) to a type. */
    public static GgufType parse(String name) {
        for (GgufType t : values()) if (t.name().equalsIgnoreCase(name)) return t;
        throw new IllegalArgumentException("unknown GGUF tensor type \"" + name + "\"");
    }
}
