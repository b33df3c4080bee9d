package dev.jgrad.core.io.gguf;

import dev.jgrad.core.DType;

/**
 * Encoding float32 values as the GGUF types jgrad writes, byte for byte as ggml's reference code does it
 * ({@code quantize_row_q8_0_ref}, {@code quantize_row_q4_0_ref}, {@code ggml_fp32_to_fp16_row},
 * {@code ggml_fp32_to_bf16_row}):
 * <ul>
 *   <li>F16: IEEE half precision, rounded to nearest even (as F16C's {@code vcvtps2ph} with mode 0).</li>
 *   <li>BF16: the upper 16 bits rounded to nearest even; a NaN keeps its top bits and is made quiet.</li>
 *   <li>Q8_0, per block of 32: {@code amax = max|x|}, {@code d = amax/127}, {@code id = d ≠ 0 ? 1/d : 0},
 *       {@code q = roundf(x·id)} (halves away from zero), and {@code d} stored as F16. The quants use the float
 *       {@code d}, not its F16 rounding.</li>
 *   <li>Q4_0, per block of 32: {@code max} is the value of largest magnitude (the first one on ties), {@code d =
 *       max/−8}, {@code id = d ≠ 0 ? 1/d : 0}, {@code q = min(15, (int) (x·id + 8.5))} (truncation toward zero),
 *       value j in the low nibble of byte j and value j + 16 in its high nibble.</li>
 * </ul>
 */
public final class GgufQuantizer {

    private GgufQuantizer() {}

    /**
     * Encodes {@code x[off .. off + n)} as {@code type} into {@code out} at {@code at}; returns the bytes written
     * ({@code type.byteSize(n)}).
     */
    public static int quantize(GgufType type, float[] x, int off, int n, byte[] out, int at) {
        int bytes = Math.toIntExact(type.byteSize(n));
        java.util.Objects.checkFromIndexSize(off, n, x.length);
        java.util.Objects.checkFromIndexSize(at, bytes, out.length);
        switch (type) {
            case F32 -> { for (int i = 0; i < n; i++) putInt(out, at + 4 * i, Float.floatToRawIntBits(x[off + i])); }
            case F16 -> { for (int i = 0; i < n; i++) putShort(out, at + 2 * i, Float.floatToFloat16(x[off + i])); }
            case BF16 -> { for (int i = 0; i < n; i++) putShort(out, at + 2 * i, DType.floatToBf16(x[off + i])); }
            case Q8_0 -> { for (int i = 0; i < n; i += 32) q8_0(x, off + i, out, at + 34 * (i / 32)); }
            case Q4_0 -> { for (int i = 0; i < n; i += 32) q4_0(x, off + i, out, at + 18 * (i / 32)); }
            default -> throw new IllegalArgumentException("jgrad writes F32, F16, BF16, Q8_0 and Q4_0, not " + type);
        }
        return bytes;
    }

    static void q8_0(float[] x, int o, byte[] out, int at) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[o + j]));
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) out[at + 2 + j] = (byte) roundf(x[o + j] * id);
    }

    static void q4_0(float[] x, int o, byte[] out, int at) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[o + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        putShort(out, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (byte) (int) (x[o + j] * id + 8.5f));
            int q1 = Math.min(15, (byte) (int) (x[o + 16 + j] * id + 8.5f));
            out[at + 2 + j] = (byte) (q0 | (q1 << 4));
        }
    }

    /** C's {@code roundf}: to nearest, halves away from zero (exact: the sum is taken in double). */
    static float roundf(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (float) Math.copySign(r, v);
    }

    private static void putShort(byte[] b, int i, short v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >> 8);
        b[i + 2] = (byte) (v >> 16);
        b[i + 3] = (byte) (v >> 24);
    }
}
