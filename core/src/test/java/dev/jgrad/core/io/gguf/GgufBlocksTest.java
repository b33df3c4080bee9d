package dev.jgrad.core.io.gguf;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Block decoding and the reference quantizers against known answers: blocks worked out by hand below, and the
 * cases of {@code resources/gguf/blocks.txt}, computed from ggml's formulas by an independent numpy implementation
 * ({@code src/test/scripts/make_gguf_block_fixtures.py}). Values are compared bit for bit.
 */
class GgufBlocksTest {

    private static final HexFormat HEX = HexFormat.of();

    static List<String[]> fixture() throws IOException {
        try (InputStream in = GgufBlocksTest.class.getResourceAsStream("/gguf/blocks.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().map(l -> l.split(" ")).toList();
        }
    }

    private static float[] decode(GgufType t, byte[] block) {
        float[] y = new float[t.blockSize() * (block.length / t.typeSize())];
        GgufBlocks.dequantize(t, MemorySegment.ofArray(block), 0, y, 0, y.length);
        return y;
    }

    private static int[] bits(float[] y) {
        int[] b = new int[y.length];
        for (int i = 0; i < y.length; i++) b[i] = Float.floatToRawIntBits(y[i]);
        return b;
    }

    @Test
    void everyBlockTypeMatchesTheIndependentDecoderBitForBit() throws IOException {
        int cases = 0;
        java.util.Set<String> types = new java.util.TreeSet<>();
        for (String[] f : fixture()) {
            if (!f[0].equals("dequant")) continue;
            GgufType t = GgufType.valueOf(f[1]);
            byte[] block = HEX.parseHex(f[3]);
            assertEquals(t.typeSize(), block.length, f[1] + " " + f[2]);
            byte[] expectedBytes = HEX.parseHex(f[4]);
            int[] expected = new int[expectedBytes.length / 4];
            for (int i = 0; i < expected.length; i++) expected[i] = Integer.parseUnsignedInt(f[4].substring(8 * i, 8 * i + 8), 16);
            assertArrayEquals(expected, bits(decode(t, block)), f[1] + " " + f[2]);
            types.add(f[1]);
            cases++;
        }
        assertEquals(50, cases);
        assertEquals(10, types.size(), "every quantized type: " + types);
    }

    @Test
    void q8_0ByHand() {
        byte[] b = new byte[34];
        b[0] = 0x00; b[1] = 0x38;                   // f16 0.5
        for (int j = 0; j < 32; j++) b[2 + j] = (byte) (j * 8 - 128);   // -128, -120, ..., 120
        float[] y = decode(GgufType.Q8_0, b);
        for (int j = 0; j < 32; j++) assertEquals((j * 8 - 128) * 0.5f, y[j]);
    }

    @Test
    void q4_0ByHand() {
        byte[] b = new byte[18];
        b[0] = 0x00; b[1] = 0x40;                   // f16 2.0
        b[2] = (byte) 0xF0;                          // value 0: nibble 0 → -16; value 16: nibble 15 → 14
        b[3] = 0x09;                                 // value 1: 9 → 2; value 17: 0 → -16
        float[] y = decode(GgufType.Q4_0, b);
        assertEquals(-16f, y[0]);
        assertEquals(14f, y[16]);
        assertEquals(2f, y[1]);
        assertEquals(-16f, y[17]);
        assertEquals(-16f, y[31]);
    }

    @Test
    void q5_1ByHand() {
        byte[] b = new byte[24];
        b[0] = 0x00; b[1] = 0x3C;                   // d = 1
        b[2] = 0x00; b[3] = (byte) 0xBC;            // m = -1
        b[4] = 0x01;                                 // fifth bit of value 0
        b[7] = (byte) 0x80;                          // fifth bit of value 31
        b[8] = 0x03;                                 // value 0 low nibble 3, value 16 high nibble 0
        b[23] = (byte) 0xF0;                         // value 31 = high nibble of byte 15 = 15
        float[] y = decode(GgufType.Q5_1, b);
        assertEquals(16 + 3 - 1f, y[0]);
        assertEquals(-1f, y[16]);
        assertEquals(16 + 15 - 1f, y[31]);
    }

    @Test
    void q6_KByHand() {
        byte[] b = new byte[210];
        b[208] = 0x00; b[209] = 0x3C;               // d = 1
        for (int i = 0; i < 16; i++) b[192 + i] = (byte) (i - 8);   // scales -8..7
        b[0] = 0x21;                                 // ql[0]: value 0 low nibble 1, value 64 high nibble 2
        b[128] = (byte) 0b11_00_00_10;               // qh[0]: value 0 high bits 2, value 96 high bits 3
        float[] y = decode(GgufType.Q6_K, b);
        assertEquals(-8f * ((1 | 2 << 4) - 32), y[0]);          // scale[0]
        assertEquals(-4f * (2 - 32), y[64]);                    // scale[4]
        assertEquals(-2f * ((3 << 4) - 32), y[96]);             // scale[6]
        assertEquals(-8f * -32, y[1]);                          // all-zero bits decode to -32
        assertEquals(7f * -32, y[255]);                         // scale[15]
    }

    @Test
    void q4_KScalesAndMinsByHand() {
        byte[] b = new byte[144];
        b[0] = 0x00; b[1] = 0x3C;                   // d = 1
        b[2] = 0x00; b[3] = 0x40;                   // dmin = 2
        b[4] = 5;                                    // group 0 scale 5
        b[8] = 3;                                    // group 0 min 3
        b[12] = (byte) 0x21;                         // group 4: scale low 1, min low 2
        b[4] |= (byte) 0x40;                         // group 4 scale top bits 01 → 1 | 1<<4 = 17
        b[16] = 0x0A;                                // value 0 nibble 10
        b[16 + 64] = 0x07;                           // value 128 (group 4) nibble 7
        float[] y = decode(GgufType.Q4_K, b);
        assertEquals(5f * 10 - 2f * 3, y[0]);
        assertEquals(17f * 7 - 2f * 2, y[128]);
    }

    @Test
    void quantizersMatchTheIndependentReferenceByteForByte() throws IOException {
        int cases = 0;
        for (String[] f : fixture()) {
            if (!f[0].equals("quant")) continue;
            GgufType t = GgufType.valueOf(f[1]);
            float[] x = new float[32];
            for (int i = 0; i < 32; i++) x[i] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[3].substring(8 * i, 8 * i + 8), 16));
            byte[] out = new byte[t.typeSize()];
            GgufQuantizer.quantize(t, x, 0, 32, out, 0);
            assertEquals(f[4], HEX.formatHex(out), f[1] + " " + f[2]);
            cases++;
        }
        assertEquals(20, cases);
    }

    @Test
    void q8_0ByHandRoundsHalvesAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f;                                  // d = 1
        x[1] = 2.5f;                                  // roundf → 3 (Math.rint would give 2)
        x[2] = -2.5f;                                 // → -3
        x[3] = 0.49999997f;                           // → 0 (adding 0.5 in float would give 1)
        byte[] out = new byte[34];
        GgufQuantizer.quantize(GgufType.Q8_0, x, 0, 32, out, 0);
        assertEquals(0x3C00, (out[0] & 0xff) | (out[1] & 0xff) << 8);
        assertEquals(127, out[2]);
        assertEquals(3, out[3]);
        assertEquals(-3, out[4]);
        assertEquals(0, out[5]);
    }

    @Test
    void q4_0RoundTripStaysWithinHalfAStepInsideItsRange() {
        // d = max/-8 maps the largest-magnitude value to q = 0 exactly; the grid d·(q − 8), q = 0..15, reaches only
        // 7/8 of the way to the other side, so values beyond it are clamped to q = 15 (error up to one step).
        java.util.Random r = new java.util.Random(7);
        float[] x = new float[256];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        byte[] q = new byte[(int) GgufType.Q4_0.byteSize(256)];
        GgufQuantizer.quantize(GgufType.Q4_0, x, 0, 256, q, 0);
        float[] y = decode(GgufType.Q4_0, q);
        for (int blk = 0; blk < 8; blk++) {
            float max = 0;
            for (int j = 0; j < 32; j++) if (Math.abs(x[32 * blk + j]) > Math.abs(max)) max = x[32 * blk + j];
            float d = max / -8, step = Math.abs(d);
            float lo = Math.min(-8 * d, 7 * d), hi = Math.max(-8 * d, 7 * d);
            for (int j = 0; j < 32; j++) {
                int i = 32 * blk + j;
                boolean inside = x[i] >= lo && x[i] <= hi;
                float bound = (inside ? step / 2 : step) * 1.01f;   // 1% for the f16 rounding of d
                assertTrue(Math.abs(x[i] - y[i]) <= bound, "value " + i + ": " + x[i] + " → " + y[i] + ", step " + step);
            }
        }
    }
}
