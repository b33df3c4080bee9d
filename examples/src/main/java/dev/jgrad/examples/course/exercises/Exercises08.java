package dev.jgrad.examples.course.exercises;

/** Chapter 8's exercises: LoRA's update, blockwise NF4 quantization and its storage cost. Check with {@code ./jgrad learn 8 --check}. */
public interface Exercises08 {

    /**
     * 8.1: LoRA's weight update {@code (alpha / r) · B·A}, row-major {@code (out, in)}, for row-major
     * {@code b (out, r)} and {@code a (r, in)}.
     */
    float[] loraDelta(float[] b, float[] a, int out, int r, int in, double alpha);

    /**
     * 8.2: absmax quantization of one block to {@code codebook} and back: scale by the block's largest |value|,
     * replace each scaled value by the nearest code (ties to the lower index), scale back. A block of zeros stays zero.
     */
    float[] quantizeBlock(float[] block, float[] codebook);

    /**
     * 8.3: storage bits per parameter of 4-bit quantization with one fp32 absmax per {@code blocksize} values, or,
     * with double quantization, one 8-bit absmax per block plus one fp32 scale per {@code blocksize2} blocks.
     */
    double bitsPerParameter(int blocksize, boolean doubleQuant, int blocksize2);
}
