// Fused cross-entropy over the rows of contiguous (rows, C) logits, float32 (T = float) or float64 (T = double):
// Backend.crossEntropy (per-row loss and log-sum-exp) and Backend.crossEntropyBackward (dlogits), without
// materialising the softmax in global memory.
//
// With lse = log Σ_c e^(x_c), target t and label smoothing ε (the target distribution (1 − ε)·onehot(t) + ε/C):
//   loss = lse − (1 − ε)·x_t − (ε/C)·Σ_c x_c          (no Σx term at all when ε = 0, so a −∞ logit gives no NaN)
//   dlogits_c = rowGrad · (e^(x_c − lse) − (1 − ε)·[c = t] − ε/C)
// Rows whose target equals ignoreIndex get loss 0 and gradient 0. Targets are I32 or I64 (targetDtype), already
// validated by the caller to lie in [0, C) or equal ignoreIndex (anything else gives NaN, never a wild read).
// Computed in double like the reference backend, rounded once when stored; one block per row, fixed-order sums.
#include "jgrad.cuh"

#define MAX_BLOCK 1024

template <typename T>
__device__ void cross_entropy_forward(T* loss, T* lse, const T* logits, const void* targets, int targetDtype,
                                      int rows, int C, i64 ignoreIndex, double smoothing) {
    __shared__ double scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* x = logits + (i64) r * C;
        double m = -(double) jg_inf();
        for (int c = threadIdx.x; c < C; c += blockDim.x) m = jg_max_nan(m, (double) x[c]);
        m = jg_block_max<double>(m, scratch);
        double s = 0.0, sx = 0.0;
        for (int c = threadIdx.x; c < C; c += blockDim.x) {
            s += exp((double) x[c] - m);
            sx += (double) x[c];
        }
        s = jg_block_sum<double>(s, scratch);
        sx = jg_block_sum<double>(sx, scratch);
        if (threadIdx.x == 0) {
            double l = m + log(s);
            i64 t = jg_load_index(targets, targetDtype, r);
            lse[r] = (T) l;
            double smoothTerm = smoothing == 0.0 ? 0.0 : smoothing / C * sx;
            if (t == ignoreIndex) loss[r] = (T) 0.0;
            else if (t < 0 || t >= C) loss[r] = (T) jg_nan();
            else loss[r] = (T) (l - (1.0 - smoothing) * (double) x[t] - smoothTerm);
        }
    }
}

// rowGrad is read at r * rowGradStride (0 broadcasts one value); lse is the forward's, as stored.
template <typename T>
__device__ void cross_entropy_backward(T* dlogits, const T* logits, const T* lse, const void* targets, int targetDtype,
                                       const T* rowGrad, int rowGradStride, int rows, int C, i64 ignoreIndex,
                                       double smoothing) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        i64 t = jg_load_index(targets, targetDtype, r);
        bool ignored = t == ignoreIndex;
        double g = ignored ? 0.0 : (double) rowGrad[(i64) r * rowGradStride];
        double l = (double) lse[r];
        const T* x = logits + (i64) r * C;
        T* d = dlogits + (i64) r * C;
        double uniform = smoothing / C;
        for (int c = threadIdx.x; c < C; c += blockDim.x) {
            double target = uniform + (c == t ? 1.0 - smoothing : 0.0);
            d[c] = ignored ? (T) 0.0 : (T) (g * (exp((double) x[c] - l) - target));
        }
    }
}

#define LOSS_ENTRIES(T, SUFFIX)                                                                                     \
    extern "C" __global__ void cross_entropy_forward_##SUFFIX(T* loss, T* lse, const T* logits, const void* targets, \
                                                              int targetDtype, int rows, int C, i64 ignoreIndex,     \
                                                              double smoothing) {                                   \
        cross_entropy_forward<T>(loss, lse, logits, targets, targetDtype, rows, C, ignoreIndex, smoothing);        \
    }                                                                                                               \
    extern "C" __global__ void cross_entropy_backward_##SUFFIX(T* dlogits, const T* logits, const T* lse,           \
                                                               const void* targets, int targetDtype,                \
                                                               const T* rowGrad, int rowGradStride, int rows, int C, \
                                                               i64 ignoreIndex, double smoothing) {                 \
        cross_entropy_backward<T>(dlogits, logits, lse, targets, targetDtype, rowGrad, rowGradStride, rows, C,     \
                                  ignoreIndex, smoothing);                                                          \
    }

LOSS_ENTRIES(float, f32)
LOSS_ENTRIES(double, f64)
