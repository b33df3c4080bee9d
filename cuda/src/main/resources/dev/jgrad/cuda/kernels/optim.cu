// Fused optimizer updates over flat float32 parameter buffers (one thread per element, grid-stride).
// The algorithms are PyTorch's (torch.optim.Adam / AdamW / SGD, foreach=False), stated in each comment.
#include "jgrad.cuh"

// Adam / AdamW, step t ≥ 1, with g ← gradScale · g (1 for none; e.g. a clipping factor):
//   decoupled (AdamW): p ← p − lr·wd·p          otherwise (Adam, L2): g ← g + wd·p
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / bc1) · m / (√v / √bc2 + eps),   bc1 = 1 − β1^t, bc2 = 1 − β2^t (computed by the host)
extern "C" __global__ void adam_step_f32(float* p, const float* grad, float* m, float* v, int n, float lr,
                                         float beta1, float beta2, float eps, float weightDecay,
                                         float biasCorrection1, float biasCorrection2, int decoupled,
                                         float gradScale) {
    float stepSize = lr / biasCorrection1;
    float bc2Sqrt = sqrtf(biasCorrection2);
    JG_GRID_LOOP(i, n) {
        float w = p[i];
        float g = grad[i] * gradScale;
        if (decoupled) w -= lr * weightDecay * w;
        else g += weightDecay * w;
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        p[i] = w - stepSize * mi / (sqrtf(vi) / bc2Sqrt + eps);
    }
}

// SGD with momentum μ, dampening τ, weight decay wd, optional Nesterov:
//   g ← gradScale·g + wd·p
//   buf ← g on the first step, else μ·buf + (1 − τ)·g        (only when μ ≠ 0; buf may be null otherwise)
//   g ← g + μ·buf (Nesterov) or buf
//   p ← p − lr·g
extern "C" __global__ void sgd_step_f32(float* p, const float* grad, float* buf, int n, float lr, float momentum,
                                        float dampening, float weightDecay, int nesterov, int firstStep,
                                        float gradScale) {
    JG_GRID_LOOP(i, n) {
        float g = grad[i] * gradScale + weightDecay * p[i];
        if (momentum != 0.0f) {
            float b = firstStep ? g : momentum * buf[i] + (1.0f - dampening) * g;
            buf[i] = b;
            g = nesterov ? g + momentum * b : b;
        }
        p[i] -= lr * g;
    }
}
