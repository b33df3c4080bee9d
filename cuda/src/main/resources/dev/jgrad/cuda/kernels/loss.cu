// Fused cross-entropy over rows of logits: forward (per-row loss and logsumexp) and backward (dlogits),
// without materialising softmax probabilities in global memory.
//
// With lse = log Σ_j e^(x_j), target t, V classes and label smoothing ε (PyTorch's definition: the target
// distribution is (1 − ε)·onehot(t) + ε/V):
//   loss = (1 − ε)·(lse − x_t) + ε·(lse − mean_j x_j)
//   dloss/dx_j = softmax_j − (1 − ε)·[j = t] − ε/V
// Rows whose target equals ignoreIndex get loss 0 and gradient 0. One block per row; fixed-order sums.
#include "jgrad.cuh"

#define MAX_BLOCK 1024

// loss (rows) and lse (rows, saved for backward) from logits (rows, V) contiguous and targets (rows, I32/I64).
extern "C" __global__ void cross_entropy_forward_f32(float* loss, float* lse, const float* logits,
                                                     const void* targets, int targetDtype, int rows, int V,
                                                     i64 ignoreIndex, float smoothing) {
    __shared__ float scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* x = logits + (i64) r * V;
        float m = -jg_inf();
        for (int j = threadIdx.x; j < V; j += blockDim.x) m = (jg_isnan(m) || m >= x[j]) ? m : x[j];
        m = jg_block_max<float>(m, scratch);
        float s = 0.0f, sx = 0.0f;
        for (int j = threadIdx.x; j < V; j += blockDim.x) {
            s += expf(x[j] - m);
            sx += x[j];
        }
        s = jg_block_sum<float>(s, scratch);
        sx = jg_block_sum<float>(sx, scratch);
        if (threadIdx.x == 0) {
            float l = m + logf(s);
            i64 t = jg_load_index(targets, targetDtype, r);
            lse[r] = l;
            if (t == ignoreIndex) loss[r] = 0.0f;
            else if (t < 0 || t >= V) loss[r] = jg_nan(); // out-of-range target: poison, never read out of bounds
            else loss[r] = (1.0f - smoothing) * (l - x[t]) + smoothing * (l - sx / V);
        }
    }
}

// dlogits (rows, V) = dloss_r · (softmax − (1 − ε)·onehot(t) − ε/V), 0 for ignored rows. dloss is read at
// r * dlossStride (stride 0 broadcasts one scalar, e.g. 1/count for a mean).
extern "C" __global__ void cross_entropy_backward_f32(float* dlogits, const float* logits, const float* lse,
                                                      const void* targets, int targetDtype, const float* dloss,
                                                      int dlossStride, int rows, int V, i64 ignoreIndex,
                                                      float smoothing) {
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        i64 t = jg_load_index(targets, targetDtype, r);
        float scale = t == ignoreIndex ? 0.0f : dloss[(i64) r * dlossStride];
        float l = lse[r];
        const float* x = logits + (i64) r * V;
        float* g = dlogits + (i64) r * V;
        float uniform = smoothing / V;
        for (int j = threadIdx.x; j < V; j += blockDim.x) {
            float p = expf(x[j] - l);
            float target = (j == t ? 1.0f - smoothing : 0.0f) + uniform;
            g[j] = scale == 0.0f ? 0.0f : scale * (p - target);
        }
    }
}
