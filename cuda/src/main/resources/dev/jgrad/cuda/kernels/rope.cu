// Rotary position embedding (Backend.rope) of x (B, H, T, D), D even, any strides, into a contiguous out,
// float32 (T = float) or float64 (T = double).
//
// Pair i (0 ≤ i < D/2) of the token at position pos is rotated by the angle pos·invFreq[i], where
// invFreq[i] = 1/θ^(2i/D) comes from the host (computed there with StrictMath, exactly as the reference backend
// does) and the angle, its cosine and sine are formed in double:
//   (x1, x2) ← (x1·cos − x2·sin, x2·cos + x1·sin)
// Pairs: rotate-half (Hugging Face) (i, i + D/2); interleaved (Meta, llama2.c) (2i, 2i + 1). inverse != 0
// rotates by −angle: the backward. positions (I32 or I64) are read at b·posStrideB + t·posStrideT (posStrideB = 0
// when they are shared by the batch). One thread per (b, t, i): the angle is computed once for all H heads.
#include "jgrad.cuh"

template <typename T>
__device__ void rope(T* out, const T* x, const void* positions, int posDtype, int posStrideB, int posStrideT,
                     const double* invFreq, int B, int H, int Tn, int D, int sb, int sh, int st, int sd,
                     int interleaved, int inverse) {
    int half = D / 2;
    int work = B * Tn * half;
    JG_GRID_LOOP(k, work) {
        int i = k % half, bt = k / half;
        int t = bt % Tn, b = bt / Tn;
        i64 pos = jg_load_index(positions, posDtype, (i64) b * posStrideB + (i64) t * posStrideT);
        double angle = (double) pos * invFreq[i];
        double s, c;
        sincos(angle, &s, &c);
        if (inverse) s = -s;
        int i1 = interleaved ? 2 * i : i, i2 = interleaved ? 2 * i + 1 : i + half;
        for (int h = 0; h < H; h++) {
            i64 src = (i64) b * sb + (i64) h * sh + (i64) t * st;
            double x1 = (double) x[src + (i64) i1 * sd], x2 = (double) x[src + (i64) i2 * sd];
            i64 dst = (((i64) b * H + h) * Tn + t) * D;
            out[dst + i1] = (T) (x1 * c - x2 * s);
            out[dst + i2] = (T) (x2 * c + x1 * s);
        }
    }
}

#define ROPE_ENTRY(T, SUFFIX)                                                                                       \
    extern "C" __global__ void rope_##SUFFIX(T* out, const T* x, const void* positions, int posDtype,               \
                                             int posStrideB, int posStrideT, const double* invFreq, int B, int H,   \
                                             int Tn, int D, int sb, int sh, int st, int sd, int interleaved,        \
                                             int inverse) {                                                         \
        rope<T>(out, x, positions, posDtype, posStrideB, posStrideT, invFreq, B, H, Tn, D, sb, sh, st, sd,         \
                interleaved, inverse);                                                                              \
    }

ROPE_ENTRY(float, f32)
ROPE_ENTRY(double, f64)
