// Fused optimizer updates over contiguous parameter buffers of any floating dtype (dtype: a DT_ code; parameter,
// gradient and state share it), one thread per element (grid-stride): Backend.sgdUpdate and Backend.adamUpdate,
// PyTorch's algorithms (torch.optim.SGD / Adam / AdamW, foreach=False) as the reference backend states them.
// Computed in double and rounded once per stored value (jg_store_double: the reference's setDouble); the moments
// are re-read as stored before use, like the reference (and PyTorch, whose buffers have the parameter's dtype).
// The dtype switch is uniform across the grid, so it costs nothing next to the memory traffic.
#include "jgrad.cuh"

// SGD with learning rate γ, momentum μ, dampening τ, weight decay λ, optional Nesterov:
//   g ← grad + λθ                                   (only when λ ≠ 0)
//   b ← g on the first step, else μ·b + (1 − τ)·g   (only when μ ≠ 0; buf is null otherwise)
//   g ← g + μ·b (Nesterov) or b
//   θ ← θ − γ·g
extern "C" __global__ void sgd_update(int dtype, void* param, const void* grad, void* buf, int n, double lr,
                                      double momentum, double dampening, double weightDecay, int nesterov,
                                      int firstStep) {
    JG_GRID_LOOP(i, n) {
        double p = jg_load_double(param, dtype, i), g = jg_load_double(grad, dtype, i);
        if (weightDecay != 0.0) g = g + weightDecay * p;
        if (momentum != 0.0) {
            double b = firstStep ? g : momentum * jg_load_double(buf, dtype, i) + (1.0 - dampening) * g;
            jg_store_double(buf, dtype, i, b);
            b = jg_load_double(buf, dtype, i);
            g = nesterov ? g + momentum * b : b;
        }
        jg_store_double(param, dtype, i, p - lr * g);
    }
}

// Adam (decoupled = 0: g ← g + λθ when λ ≠ 0) or AdamW (decoupled = 1: θ ← θ(1 − γλ)), then
//   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
//   AMSGrad (maxExpAvgSq non-null): v̂max ← max(v̂max, v) and v̂max replaces v below
//   θ ← θ − stepSize·m / (√v / bc2Sqrt + ε),   stepSize = γ/(1 − β₁ᵗ), bc2Sqrt = √(1 − β₂ᵗ) (from the host)
extern "C" __global__ void adam_update(int dtype, void* param, const void* grad, void* expAvg, void* expAvgSq,
                                       void* maxExpAvgSq, int n, double lr, double beta1, double beta2, double eps,
                                       double weightDecay, int decoupled, double stepSize, double bc2Sqrt) {
    JG_GRID_LOOP(i, n) {
        double p = jg_load_double(param, dtype, i), g = jg_load_double(grad, dtype, i);
        if (decoupled) p = p * (1.0 - lr * weightDecay);
        else if (weightDecay != 0.0) g = g + weightDecay * p;
        double m = jg_load_double(expAvg, dtype, i) * beta1 + (1.0 - beta1) * g;
        double v = jg_load_double(expAvgSq, dtype, i) * beta2 + (1.0 - beta2) * g * g;
        jg_store_double(expAvg, dtype, i, m);
        jg_store_double(expAvgSq, dtype, i, v);
        m = jg_load_double(expAvg, dtype, i);
        v = jg_load_double(expAvgSq, dtype, i);
        if (maxExpAvgSq) {
            v = jg_max_nan(jg_load_double(maxExpAvgSq, dtype, i), v);
            jg_store_double(maxExpAvgSq, dtype, i, v);
        }
        double denom = sqrt(v) / bc2Sqrt + eps;
        jg_store_double(param, dtype, i, p - stepSize * m / denom);
    }
}
