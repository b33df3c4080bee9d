// Fused optimizer updates over contiguous parameter buffers, float32 (T = float) or float64 (T = double), one
// thread per element (grid-stride): Backend.sgdUpdate and Backend.adamUpdate, PyTorch's algorithms
// (torch.optim.SGD / Adam / AdamW, foreach=False) as the reference backend states them. Computed in double and
// rounded once per stored value; the moments are re-read as stored before use, like the reference (and PyTorch,
// whose buffers have the parameter's dtype).
#include "jgrad.cuh"

// SGD with learning rate γ, momentum μ, dampening τ, weight decay λ, optional Nesterov:
//   g ← grad + λθ                                   (only when λ ≠ 0)
//   b ← g on the first step, else μ·b + (1 − τ)·g   (only when μ ≠ 0; buf is null otherwise)
//   g ← g + μ·b (Nesterov) or b
//   θ ← θ − γ·g
template <typename T>
__device__ void sgd_update(T* param, const T* grad, T* buf, int n, double lr, double momentum, double dampening,
                           double weightDecay, int nesterov, int firstStep) {
    JG_GRID_LOOP(i, n) {
        double p = (double) param[i], g = (double) grad[i];
        if (weightDecay != 0.0) g = g + weightDecay * p;
        if (momentum != 0.0) {
            double b = firstStep ? g : momentum * (double) buf[i] + (1.0 - dampening) * g;
            buf[i] = (T) b;
            b = (double) buf[i];
            g = nesterov ? g + momentum * b : b;
        }
        param[i] = (T) (p - lr * g);
    }
}

// Adam (decoupled = 0: g ← g + λθ when λ ≠ 0) or AdamW (decoupled = 1: θ ← θ(1 − γλ)), then
//   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
//   AMSGrad (maxExpAvgSq non-null): v̂max ← max(v̂max, v) and v̂max replaces v below
//   θ ← θ − stepSize·m / (√v / bc2Sqrt + ε),   stepSize = γ/(1 − β₁ᵗ), bc2Sqrt = √(1 − β₂ᵗ) (from the host)
template <typename T>
__device__ void adam_update(T* param, const T* grad, T* expAvg, T* expAvgSq, T* maxExpAvgSq, int n, double lr,
                            double beta1, double beta2, double eps, double weightDecay, int decoupled, double stepSize,
                            double bc2Sqrt) {
    JG_GRID_LOOP(i, n) {
        double p = (double) param[i], g = (double) grad[i];
        if (decoupled) p = p * (1.0 - lr * weightDecay);
        else if (weightDecay != 0.0) g = g + weightDecay * p;
        double m = (double) expAvg[i] * beta1 + (1.0 - beta1) * g;
        double v = (double) expAvgSq[i] * beta2 + (1.0 - beta2) * g * g;
        expAvg[i] = (T) m;
        expAvgSq[i] = (T) v;
        m = (double) expAvg[i];
        v = (double) expAvgSq[i];
        if (maxExpAvgSq) {
            v = jg_max_nan((double) maxExpAvgSq[i], v);
            maxExpAvgSq[i] = (T) v;
        }
        double denom = sqrt(v) / bc2Sqrt + eps;
        param[i] = (T) (p - stepSize * m / denom);
    }
}

#define OPTIM_ENTRIES(T, SUFFIX)                                                                                    \
    extern "C" __global__ void sgd_update_##SUFFIX(T* param, const T* grad, T* buf, int n, double lr,               \
                                                   double momentum, double dampening, double weightDecay,           \
                                                   int nesterov, int firstStep) {                                   \
        sgd_update<T>(param, grad, buf, n, lr, momentum, dampening, weightDecay, nesterov, firstStep);             \
    }                                                                                                               \
    extern "C" __global__ void adam_update_##SUFFIX(T* param, const T* grad, T* expAvg, T* expAvgSq,                \
                                                    T* maxExpAvgSq, int n, double lr, double beta1, double beta2,   \
                                                    double eps, double weightDecay, int decoupled,                  \
                                                    double stepSize, double bc2Sqrt) {                              \
        adam_update<T>(param, grad, expAvg, expAvgSq, maxExpAvgSq, n, lr, beta1, beta2, eps, weightDecay,          \
                       decoupled, stepSize, bc2Sqrt);                                                               \
    }

OPTIM_ENTRIES(float, f32)
OPTIM_ENTRIES(double, f64)
