package dev.jgrad.quant;

import dev.jgrad.core.kernels.Packed4bit;

import java.util.Arrays;
import java.util.Objects;

/**
 * A 4-bit tensor: packed nibbles plus its {@link QuantState}.
 *
 * <p><b>Packing</b> (bitsandbytes' layout): element {@code 2j} of the row-major flattened tensor is the high
 * nibble of byte {@code j}, element {@code 2j+1} the low nibble; an odd element count pads the last low nibble
 * with the code of 0.0. A weight {@code W (out, in)} is stored this way, so row {@code o} starts at element
 * {@code o·in}.
 *
 * <p>The per-block absmax values are decoded once at construction (a double-quantized state stores them in 8
 * bits) and kept as float32: 1/64 of the element count at block 64, never a float copy of the weight.
 */
public final class Quantized4bit {

    private final byte[] packed;
    private final QuantState state;
    private final float[] blockAbsmax;

    public Quantized4bit(byte[] packed, QuantState state) {
        this.packed = Objects.requireNonNull(packed, "packed");
        this.state = Objects.requireNonNull(state, "state");
        if (packed.length != state.packedLength()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(state.shape()) + " packs into "
                    + state.packedLength() + " bytes, got " + packed.length);
        }
        this.blockAbsmax = state.blockAbsmax();
    }

    /** The packed nibbles (held, not copied). */
    public byte[] packed() {
        return packed;
    }

    public QuantState state() {
        return state;
    }

    /** Per-block absmax as float32 (decoded if double-quantized); held, not copied. */
    public float[] blockAbsmax() {
        return blockAbsmax;
    }

    /** The original shape. */
    public long[] shape() {
        return state.shape().clone();
    }

    public int numel() {
        return Math.toIntExact(state.numel());
    }

    /** This 2-D weight {@code (out, in)} as core's 4-bit kernels read it (the arrays held, not copied). */
    public Packed4bit kernelOperand() {
        return new Packed4bit(packed, blockAbsmax, state.codebook(), state.blocksize(), rows(), cols());
    }

    /** The nibble of element {@code i}. */
    public int nibble(long i) {
        int b = packed[(int) (i >>> 1)];
        return (i & 1) == 0 ? (b >>> 4) & 0xf : b & 0xf;
    }

    /** Element {@code i}, decoded: {@code codebook[nibble] · absmax[block]}. */
    public float get(long i) {
        return state.codebook()[nibble(i)] * blockAbsmax[(int) (i / state.blocksize())];
    }

    /** Rows of a 2-D weight {@code (out, in)}; an exception for other ranks. */
    public int rows() {
        return Math.toIntExact(require2d()[0]);
    }

    /** Columns of a 2-D weight {@code (out, in)}. */
    public int cols() {
        return Math.toIntExact(require2d()[1]);
    }

    private long[] require2d() {
        long[] shape = state.shape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("expected a 2-D weight (out, in), got shape " + Arrays.toString(shape));
        }
        return shape;
    }

    @Override
    public String toString() {
        return "Quantized4bit[" + state + "]";
    }
}
