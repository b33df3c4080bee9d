// Rotary position embedding on contiguous (..., T, D) float32 tensors (e.g. (B, H, T, D)).
//
// Position of row t: pos = t + posOffset. Pair i (0 ≤ i < rotaryDim/2) is rotated by the angle whose cosine
// and sine are cos[pos][i], sin[pos][i] (tables (maxPos, rotaryDim/2), built by the host in double from
// θ_i = base^(−2i/rotaryDim)). Pairs:
//   rotate-half (GPT-NeoX / Hugging Face LLaMA): (i, i + rotaryDim/2)
//   interleaved (GPT-J / original LLaMA):         (2i, 2i + 1)
//   (a, b) ← (a·cos − b·sin, b·cos + a·sin)
// Dims ≥ rotaryDim pass through. inverse != 0 rotates by −θ: that is the backward (the rotation's transpose).
// out may alias x (each thread reads its pair before writing it).
#include "jgrad.cuh"

extern "C" __global__ void rope_f32(float* out, const float* x, const float* cosTable, const float* sinTable,
                                    int rows, int T, int D, int rotaryDim, int interleaved, int inverse,
                                    int posOffset) {
    int half = rotaryDim / 2;
    int pairs = rows * half;            // rows = numel / D (every (…, t) row)
    int passCols = D - rotaryDim;
    JG_GRID_LOOP(k, pairs) {
        int row = k / half, i = k % half;
        int t = row % T;
        i64 base = (i64) row * D;
        int ia = interleaved ? 2 * i : i;
        int ib = interleaved ? 2 * i + 1 : i + half;
        float c = cosTable[(i64) (t + posOffset) * half + i];
        float s = sinTable[(i64) (t + posOffset) * half + i];
        if (inverse) s = -s;
        float a = x[base + ia], b = x[base + ib];
        out[base + ia] = a * c - b * s;
        out[base + ib] = b * c + a * s;
        // The pass-through columns, spread over the pairs of the row.
        for (int j = rotaryDim + i; j < rotaryDim + passCols; j += half) out[base + j] = x[base + j];
    }
}
