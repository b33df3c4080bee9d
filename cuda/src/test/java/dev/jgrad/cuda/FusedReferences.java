package dev.jgrad.cuda;

/** CPU references for the kernels of {@link CudaKernels}: plain loops transcribing the published algorithm. */
final class FusedReferences {

    private FusedReferences() {}

    /** bitsandbytes 4-bit decode: element f = codebook[nibble(f)] · absmax[f / blocksize], even f in the high nibble. */
    static float[] dequantize4bit(byte[] packed, float[] absmax, float[] codebook, int blocksize, int n) {
        float[] out = new float[n];
        for (int f = 0; f < n; f++) {
            int b = packed[f / 2] & 0xff;
            int nibble = f % 2 == 0 ? b >>> 4 : b & 0xf;
            out[f] = codebook[nibble] * absmax[f / blocksize];
        }
        return out;
    }
}
