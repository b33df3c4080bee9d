package dev.jgrad.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The CPU reference of the 4-bit kernels, checked by hand: a packed byte decodes to its code book entries. */
class FusedReferencesTest {

    @Test
    void fourBitDecodingReadsTheHighNibbleFirst() {
        float[] code = new float[16];
        for (int i = 0; i < 16; i++) code[i] = i - 8;
        byte[] packed = {(byte) 0x1F, (byte) 0xA0};
        float[] out = FusedReferences.dequantize4bit(packed, new float[] {2f, 3f}, code, 2, 3);
        assertArrayEquals(new float[] {(1 - 8) * 2f, (15 - 8) * 2f, (10 - 8) * 3f}, out);
    }
}
