// LayerNorm and RMSNorm, forward and backward (Backend.layerNorm, layerNormBackward, rmsNorm, rmsNormBackward),
// over the rows of contiguous (rows, n) tensors of float32 (T = float) or float64 (T = double).
//
// Like the reference backend, everything is computed in double and rounded once when stored: these kernels are
// bound by memory traffic, not arithmetic. Forward and the input gradient use one block per row (blockDim a
// power of two, fixed-order tree sums). Parameter gradients are column sums over rows, done in two
// deterministic passes without atomics: norm_params_partial sums fixed chunks of rows per column into a double
// scratch, column_sum_chunks adds the chunks in order. A null weight scales by 1, a null bias shifts by 0.
#include "jgrad.cuh"

#define MAX_BLOCK 1024

// LayerNorm: mean = Σx/n, var = Σ(x − mean)²/n (two passes, biased), rstd = 1/√(var + eps),
// y = (x − mean)·rstd·weight + bias. mean and rstd (rows) are saved for the backward.
template <typename T>
__device__ void layer_norm_forward(T* y, T* mean, T* rstd, const T* x, const T* weight, const T* bias, int rows,
                                   int n, double eps) {
    __shared__ double scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + (i64) r * n;
        double s = 0.0;
        for (int c = threadIdx.x; c < n; c += blockDim.x) s += (double) xr[c];
        double mu = jg_block_sum<double>(s, scratch) / n;
        double q = 0.0;
        for (int c = threadIdx.x; c < n; c += blockDim.x) {
            double d = (double) xr[c] - mu;
            q += d * d;
        }
        double rs = 1.0 / sqrt(jg_block_sum<double>(q, scratch) / n + eps);
        T* yr = y + (i64) r * n;
        for (int c = threadIdx.x; c < n; c += blockDim.x) {
            double w = weight ? (double) weight[c] : 1.0, b = bias ? (double) bias[c] : 0.0;
            yr[c] = (T) (((double) xr[c] - mu) * rs * w + b);
        }
        if (threadIdx.x == 0) {
            mean[r] = (T) mu;
            rstd[r] = (T) rs;
        }
    }
}

// LayerNorm input gradient from the saved mean and rstd: with x̂ = (x − mean)·rstd and ĝ = dy·weight,
// dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)).
template <typename T>
__device__ void layer_norm_backward_dx(T* dx, const T* dy, const T* x, const T* weight, const T* mean, const T* rstd,
                                       int rows, int n) {
    __shared__ double scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + (i64) r * n;
        const T* gr = dy + (i64) r * n;
        double mu = (double) mean[r], rs = (double) rstd[r];
        double sg = 0.0, sgx = 0.0;
        for (int c = threadIdx.x; c < n; c += blockDim.x) {
            double g = (double) gr[c] * (weight ? (double) weight[c] : 1.0);
            sg += g;
            sgx += g * (((double) xr[c] - mu) * rs);
        }
        double meanG = jg_block_sum<double>(sg, scratch) / n;
        double meanGX = jg_block_sum<double>(sgx, scratch) / n;
        T* dxr = dx + (i64) r * n;
        for (int c = threadIdx.x; c < n; c += blockDim.x) {
            double g = (double) gr[c] * (weight ? (double) weight[c] : 1.0);
            double xhat = ((double) xr[c] - mu) * rs;
            dxr[c] = (T) (rs * (g - meanG - xhat * meanGX));
        }
    }
}

// RMSNorm: rstd = 1/√(Σx²/n + eps), y = x·rstd·weight. rstd (rows) is saved.
template <typename T>
__device__ void rms_norm_forward(T* y, T* rstd, const T* x, const T* weight, int rows, int n, double eps) {
    __shared__ double scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + (i64) r * n;
        double q = 0.0;
        for (int c = threadIdx.x; c < n; c += blockDim.x) q += (double) xr[c] * (double) xr[c];
        double rs = 1.0 / sqrt(jg_block_sum<double>(q, scratch) / n + eps);
        T* yr = y + (i64) r * n;
        for (int c = threadIdx.x; c < n; c += blockDim.x)
            yr[c] = (T) ((double) xr[c] * rs * (weight ? (double) weight[c] : 1.0));
        if (threadIdx.x == 0) rstd[r] = (T) rs;
    }
}

// RMSNorm input gradient: with x̂ = x·rstd and ĝ = dy·weight, dx = rstd·(ĝ − x̂·mean(ĝ·x̂)).
template <typename T>
__device__ void rms_norm_backward_dx(T* dx, const T* dy, const T* x, const T* weight, const T* rstd, int rows, int n) {
    __shared__ double scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + (i64) r * n;
        const T* gr = dy + (i64) r * n;
        double rs = (double) rstd[r];
        double sgx = 0.0;
        for (int c = threadIdx.x; c < n; c += blockDim.x)
            sgx += (double) gr[c] * (weight ? (double) weight[c] : 1.0) * ((double) xr[c] * rs);
        double meanGX = jg_block_sum<double>(sgx, scratch) / n;
        T* dxr = dx + (i64) r * n;
        for (int c = threadIdx.x; c < n; c += blockDim.x) {
            double g = (double) gr[c] * (weight ? (double) weight[c] : 1.0);
            dxr[c] = (T) (rs * (g - (double) xr[c] * rs * meanGX));
        }
    }
}

// Pass 1 of the parameter gradients of both norms: for chunk k of rowsPerChunk rows and column c,
// partialDw[k][c] = Σ dy·x̂ and partialDb[k][c] = Σ dy (either may be null), with x̂ = (x − mean)·rstd, or
// x·rstd when mean is null (RMSNorm). Grid: x over columns, y = chunk. Partials are double.
template <typename T>
__device__ void norm_params_partial(double* partialDw, double* partialDb, const T* dy, const T* x, const T* mean,
                                    const T* rstd, int rows, int n, int rowsPerChunk) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int k = blockIdx.y;
    if (c >= n) return;
    int from = k * rowsPerChunk, to = jg_min(rows, from + rowsPerChunk);
    double dw = 0.0, db = 0.0;
    for (int r = from; r < to; r++) {
        double g = (double) dy[(i64) r * n + c];
        double xhat = ((double) x[(i64) r * n + c] - (mean ? (double) mean[r] : 0.0)) * (double) rstd[r];
        dw += g * xhat;
        db += g;
    }
    if (partialDw) partialDw[(i64) k * n + c] = dw;
    if (partialDb) partialDb[(i64) k * n + c] = db;
}

// Pass 2: out[c] = Σ_k partial[k][c], the chunks added in order k = 0, 1, ...
template <typename T>
__device__ void column_sum_chunks(T* out, const double* partial, int chunks, int n) {
    JG_GRID_LOOP(c, n) {
        double s = 0.0;
        for (int k = 0; k < chunks; k++) s += partial[(i64) k * n + c];
        out[c] = (T) s;
    }
}

#define NORM_ENTRIES(T, SUFFIX)                                                                                     \
    extern "C" __global__ void layer_norm_forward_##SUFFIX(T* y, T* mean, T* rstd, const T* x, const T* weight,     \
                                                           const T* bias, int rows, int n, double eps) {            \
        layer_norm_forward<T>(y, mean, rstd, x, weight, bias, rows, n, eps);                                       \
    }                                                                                                               \
    extern "C" __global__ void layer_norm_backward_dx_##SUFFIX(T* dx, const T* dy, const T* x, const T* weight,     \
                                                               const T* mean, const T* rstd, int rows, int n) {     \
        layer_norm_backward_dx<T>(dx, dy, x, weight, mean, rstd, rows, n);                                         \
    }                                                                                                               \
    extern "C" __global__ void rms_norm_forward_##SUFFIX(T* y, T* rstd, const T* x, const T* weight, int rows,      \
                                                         int n, double eps) {                                       \
        rms_norm_forward<T>(y, rstd, x, weight, rows, n, eps);                                                     \
    }                                                                                                               \
    extern "C" __global__ void rms_norm_backward_dx_##SUFFIX(T* dx, const T* dy, const T* x, const T* weight,       \
                                                             const T* rstd, int rows, int n) {                      \
        rms_norm_backward_dx<T>(dx, dy, x, weight, rstd, rows, n);                                                 \
    }                                                                                                               \
    extern "C" __global__ void norm_params_partial_##SUFFIX(double* partialDw, double* partialDb, const T* dy,      \
                                                            const T* x, const T* mean, const T* rstd, int rows,     \
                                                            int n, int rowsPerChunk) {                              \
        norm_params_partial<T>(partialDw, partialDb, dy, x, mean, rstd, rows, n, rowsPerChunk);                    \
    }                                                                                                               \
    extern "C" __global__ void column_sum_chunks_##SUFFIX(T* out, const double* partial, int chunks, int n) {       \
        column_sum_chunks<T>(out, partial, chunks, n);                                                             \
    }

NORM_ENTRIES(float, f32)
NORM_ENTRIES(double, f64)
