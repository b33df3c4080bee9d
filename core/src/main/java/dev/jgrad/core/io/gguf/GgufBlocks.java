package dev.jgrad.core.io.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.jgrad.core.io.gguf.GgufFile.LE_FLOAT;
import static dev.jgrad.core.io.gguf.GgufFile.LE_INT;
import static dev.jgrad.core.io.gguf.GgufFile.LE_SHORT;

/**
 * Dequantization of ggml's tensor types to float32, bit-exact with ggml's reference {@code dequantize_row_*}
 * ({@code ggml-quants.c}) where the C code is compiled without floating-point contraction: every product, sum and
 * difference below is one float32 operation, in the order the C expressions evaluate (so {@code d·sc·q} is
 * {@code (d·sc)·q}, and {@code d·q + m} rounds twice, never through a fused multiply-add). The block layouts are
 * in {@link GgufType}'s table; the K-quants' 256-value super-blocks are documented at each method.
 */
public final class GgufBlocks {

    private GgufBlocks() {}

    /**
     * Decodes {@code n} values of {@code type} starting at byte {@code at} of {@code src} into
     * {@code dst[off .. off + n)}; {@code n} must be a multiple of the type's block size.
     */
    public static void dequantize(GgufType type, MemorySegment src, long at, float[] dst, int off, int n) {
        if (n % type.blockSize() != 0)
            throw new IllegalArgumentException(type + ": " + n + " values is not a multiple of the block size " + type.blockSize());
        int blocks = n / type.blockSize();
        long b = at;
        int y = off;
        switch (type) {
            case F32 -> MemorySegment.copy(src, LE_FLOAT, at, dst, off, n);
            case F16 -> { for (int i = 0; i < n; i++) dst[off + i] = Float.float16ToFloat(src.get(LE_SHORT, at + 2L * i)); }
            case BF16 -> { for (int i = 0; i < n; i++) dst[off + i] = Float.intBitsToFloat((src.get(LE_SHORT, at + 2L * i) & 0xffff) << 16); }
            default -> {
                for (int i = 0; i < blocks; i++, b += type.typeSize(), y += type.blockSize()) {
                    switch (type) {
                        case Q4_0 -> q4_0(src, b, dst, y);
                        case Q4_1 -> q4_1(src, b, dst, y);
                        case Q5_0 -> q5_0(src, b, dst, y);
                        case Q5_1 -> q5_1(src, b, dst, y);
                        case Q8_0 -> q8_0(src, b, dst, y);
                        case Q2_K -> q2_K(src, b, dst, y);
                        case Q3_K -> q3_K(src, b, dst, y);
                        case Q4_K -> q4_K(src, b, dst, y);
                        case Q5_K -> q5_K(src, b, dst, y);
                        case Q6_K -> q6_K(src, b, dst, y);
                        default -> throw new AssertionError(type);
                    }
                }
            }
        }
    }

    private static int u8(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
    }

    private static float f16(MemorySegment s, long at) {
        return Float.float16ToFloat(s.get(LE_SHORT, at));
    }

    /** Q4_0: d, then 16 bytes; value j &lt; 16 is the low nibble of byte j, value j + 16 its high nibble; d·(q − 8). */
    static void q4_0(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, b + 2 + j);
            y[o + j] = ((q & 0x0F) - 8) * d;
            y[o + j + 16] = ((q >> 4) - 8) * d;
        }
    }

    /** Q4_1: d, m, then nibbles as Q4_0; d·q + m. */
    static void q4_1(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b), m = f16(s, b + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, b + 4 + j);
            y[o + j] = (q & 0x0F) * d + m;
            y[o + j + 16] = (q >> 4) * d + m;
        }
    }

    /** Q5_0: d, a u32 of fifth bits (bit j for value j), nibbles as Q4_0; d·(q − 16). */
    static void q5_0(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b);
        int qh = s.get(LE_INT, b + 2);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, b + 6 + j);
            int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
            y[o + j] = (((q & 0x0F) | h0) - 16) * d;
            y[o + j + 16] = (((q >> 4) | h1) - 16) * d;
        }
    }

    /** Q5_1: d, m, fifth bits and nibbles as Q5_0; d·q + m. */
    static void q5_1(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b), m = f16(s, b + 2);
        int qh = s.get(LE_INT, b + 4);
        for (int j = 0; j < 16; j++) {
            int q = u8(s, b + 8 + j);
            int h0 = ((qh >>> j) << 4) & 0x10, h1 = (qh >>> (j + 12)) & 0x10;
            y[o + j] = ((q & 0x0F) | h0) * d + m;
            y[o + j + 16] = ((q >> 4) | h1) * d + m;
        }
    }

    /** Q8_0: d, then 32 signed bytes; d·q. */
    static void q8_0(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b);
        for (int j = 0; j < 32; j++) y[o + j] = s.get(ValueLayout.JAVA_BYTE, b + 2 + j) * d;
    }

    /**
     * Q2_K: scales[16] (low nibble: scale, high nibble: min of a 16-value group), qs[64] (four 2-bit values per
     * byte), d, dmin. Each half (128 values) uses 32 bytes of qs; its four bit-pairs (shift 0, 2, 4, 6) give four
     * runs of 32 values, each run two groups of 16 (bytes l and l + 16): {@code (d·sc)·q − dmin·m}.
     */
    static void q2_K(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b + 80), min = f16(s, b + 82);
        int is = 0;
        for (int n = 0; n < 2; n++) {
            long q = b + 16 + 32L * n;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; half++) {
                    int sc = u8(s, b + is++);
                    float dl = d * (sc & 0xF), ml = min * (sc >> 4);
                    for (int l = 0; l < 16; l++) y[o++] = dl * ((u8(s, q + 16 * half + l) >> shift) & 3) - ml;
                }
            }
        }
    }

    /**
     * Q3_K: hmask[32] (high bits), qs[64] (low 2 bits, laid out as Q2_K's), scales[12] (sixteen 6-bit scales),
     * d. Scale i has its low 4 bits in byte i (i &lt; 8, low nibble) or byte i − 8 (high nibble), and its top 2 bits
     * in byte 8 + i % 4 at bit 2·(i / 4). The value is {@code (d·(sc − 32))·(q − 4)} when its hmask bit is clear,
     * {@code (d·(sc − 32))·q} when set; hmask bit k (k = 0..7, one per run of 32) of byte l covers the values of
     * qs byte l.
     */
    static void q3_K(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b + 108);
        int is = 0, m = 1;
        for (int n = 0; n < 2; n++) {
            long q = b + 32 + 32L * n;
            for (int shift = 0; shift < 8; shift += 2, m <<= 1) {
                for (int half = 0; half < 2; half++) {
                    float dl = d * (q3Scale(s, b + 96, is++) - 32);
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        int v = ((u8(s, q + l) >> shift) & 3) - ((u8(s, b + l) & m) != 0 ? 0 : 4);
                        y[o++] = dl * v;
                    }
                }
            }
        }
    }

    private static int q3Scale(MemorySegment s, long sc, int i) {
        int low = i < 8 ? u8(s, sc + i) & 0xF : u8(s, sc + i - 8) >> 4;
        int high = (u8(s, sc + 8 + (i & 3)) >> (2 * (i >> 2))) & 3;
        return low | (high << 4);
    }

    /**
     * The 6-bit scale and min of group {@code j} (0..7) of a Q4_K/Q5_K block's 12 scale bytes ({@code get_scale_min_k4}):
     * groups 0–3 are the low 6 bits of bytes j (scale) and j + 4 (min); groups 4–7 take their low 4 bits from byte
     * j + 4 (low nibble: scale, high: min) and their top 2 bits from the top bits of bytes j − 4 (scale) and j (min).
     */
    static int scaleK4(MemorySegment s, long sc, int j) {
        return j < 4 ? u8(s, sc + j) & 63 : (u8(s, sc + j + 4) & 0xF) | ((u8(s, sc + j - 4) >> 6) << 4);
    }

    static int minK4(MemorySegment s, long sc, int j) {
        return j < 4 ? u8(s, sc + j + 4) & 63 : (u8(s, sc + j + 4) >> 4) | ((u8(s, sc + j) >> 6) << 4);
    }

    /**
     * Q4_K: d, dmin, scales[12], qs[128]. Four runs of 64 values, each from 32 bytes: the low nibbles are group
     * 2r, the high nibbles group 2r + 1; {@code (d·sc)·q − (dmin·m)}.
     */
    static void q4_K(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b), min = f16(s, b + 2);
        for (int r = 0; r < 4; r++) {
            long q = b + 16 + 32L * r;
            float d1 = d * scaleK4(s, b + 4, 2 * r), m1 = min * minK4(s, b + 4, 2 * r);
            float d2 = d * scaleK4(s, b + 4, 2 * r + 1), m2 = min * minK4(s, b + 4, 2 * r + 1);
            for (int l = 0; l < 32; l++) y[o + l] = d1 * (u8(s, q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[o + 32 + l] = d2 * (u8(s, q + l) >> 4) - m2;
            o += 64;
        }
    }

    /**
     * Q5_K: d, dmin, scales[12], qh[32], qs[128]. As Q4_K, with a fifth bit (worth 16) for value l of group g in
     * bit g of qh[l].
     */
    static void q5_K(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b), min = f16(s, b + 2);
        long qh = b + 16;
        for (int r = 0; r < 4; r++) {
            long q = b + 48 + 32L * r;
            int u1 = 1 << (2 * r), u2 = 2 << (2 * r);
            float d1 = d * scaleK4(s, b + 4, 2 * r), m1 = min * minK4(s, b + 4, 2 * r);
            float d2 = d * scaleK4(s, b + 4, 2 * r + 1), m2 = min * minK4(s, b + 4, 2 * r + 1);
            for (int l = 0; l < 32; l++) y[o + l] = d1 * ((u8(s, q + l) & 0xF) + ((u8(s, qh + l) & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[o + 32 + l] = d2 * ((u8(s, q + l) >> 4) + ((u8(s, qh + l) & u2) != 0 ? 16 : 0)) - m2;
            o += 64;
        }
    }

    /**
     * Q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), scales: int8[16], d. Each half (128 values) uses 64 bytes
     * of ql and 32 of qh; for l &lt; 32 it builds four values at l, l + 32, l + 64, l + 96 from the low and high
     * nibbles of ql[l] and ql[l + 32] and bit-pairs 0–3 of qh[l], each with scale {@code scales[l/16 + 2k]}:
     * {@code (d·sc)·(q − 32)}.
     */
    static void q6_K(MemorySegment s, long b, float[] y, int o) {
        float d = f16(s, b + 208);
        for (int n = 0; n < 2; n++) {
            long ql = b + 64L * n, qh = b + 128 + 32L * n, sc = b + 192 + 8L * n;
            for (int l = 0; l < 32; l++) {
                int is = l / 16, h = u8(s, qh + l), a = u8(s, ql + l), c = u8(s, ql + l + 32);
                int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((c & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((c >> 4) | (((h >> 6) & 3) << 4)) - 32;
                y[o + l] = d * s.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                y[o + l + 32] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                y[o + l + 64] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                y[o + l + 96] = d * s.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
            o += 128;
        }
    }
}
