package dev.jgrad.cuda;

import dev.jgrad.core.Tensor;

/**
 * The cosine and sine tables the RoPE kernel reads: {@code cos[p][i] = cos(p·θ_i)}, {@code sin[p][i] = sin(p·θ_i)}
 * with {@code θ_i = base^(−2i / rotaryDim)} for {@code i < rotaryDim / 2}, computed in double and rounded to
 * float32 (so the GPU and a CPU implementation see the same angles). Host tensors {@code (maxPositions,
 * rotaryDim / 2)}; move them to the GPU once.
 */
final class RopeTables {

    private RopeTables() {}

    static Tensor[] build(int maxPositions, int rotaryDim, double base) {
        if (rotaryDim < 2 || rotaryDim % 2 != 0)
            throw new IllegalArgumentException("RoPE: rotary dim must be even and >= 2, got " + rotaryDim);
        if (maxPositions < 1) throw new IllegalArgumentException("RoPE: maxPositions must be >= 1, got " + maxPositions);
        int half = rotaryDim / 2;
        float[] cos = new float[maxPositions * half], sin = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(base, -2.0 * i / rotaryDim);
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new Tensor[] {Tensor.of(cos, maxPositions, half), Tensor.of(sin, maxPositions, half)};
    }
}
