// LayerNorm and RMSNorm, forward and backward, over the last dim of contiguous (rows, cols) float32 tensors.
//
// Forward and the input gradient use one block per row (blockDim a power of two, fixed-order tree sums).
// Parameter gradients are column sums over rows, done in two deterministic passes without atomics:
// norm_backward_params_partial sums fixed chunks of rows per column, column_sum_chunks adds the chunks in order.
#include "jgrad.cuh"

#define MAX_BLOCK 1024

// LayerNorm: mean = Σx/C, var = Σ(x − mean)²/C (two passes), rstd = 1/√(var + eps),
// out = (x − mean)·rstd·weight + bias. weight/bias may be null (treated as 1 and 0). mean/rstd (rows) are
// saved for backward.
extern "C" __global__ void layernorm_forward_f32(float* out, float* mean, float* rstd, const float* x,
                                                 const float* weight, const float* bias, int rows, int cols,
                                                 float eps) {
    __shared__ float scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (i64) r * cols;
        float s = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) s += xr[c];
        float mu = jg_block_sum<float>(s, scratch) / cols;
        float q = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float d = xr[c] - mu;
            q += d * d;
        }
        float var = jg_block_sum<float>(q, scratch) / cols;
        float rs = 1.0f / sqrtf(var + eps);
        float* orow = out + (i64) r * cols;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float y = (xr[c] - mu) * rs;
            if (weight) y *= weight[c];
            if (bias) y += bias[c];
            orow[c] = y;
        }
        if (threadIdx.x == 0) {
            mean[r] = mu;
            rstd[r] = rs;
        }
    }
}

// LayerNorm input gradient: with g = dy·weight and x̂ = (x − mean)·rstd,
// dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)).
extern "C" __global__ void layernorm_backward_dx_f32(float* dx, const float* dy, const float* x, const float* weight,
                                                     const float* mean, const float* rstd, int rows, int cols) {
    __shared__ float scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (i64) r * cols;
        const float* gr = dy + (i64) r * cols;
        float mu = mean[r], rs = rstd[r];
        float sg = 0.0f, sgx = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float g = weight ? gr[c] * weight[c] : gr[c];
            sg += g;
            sgx += g * (xr[c] - mu) * rs;
        }
        float meanG = jg_block_sum<float>(sg, scratch) / cols;
        float meanGX = jg_block_sum<float>(sgx, scratch) / cols;
        float* dxr = dx + (i64) r * cols;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float g = weight ? gr[c] * weight[c] : gr[c];
            float xhat = (xr[c] - mu) * rs;
            dxr[c] = rs * (g - meanG - xhat * meanGX);
        }
    }
}

// RMSNorm: rstd = 1/√(Σx²/C + eps), out = x·rstd·weight (weight may be null). rstd (rows) is saved.
extern "C" __global__ void rmsnorm_forward_f32(float* out, float* rstd, const float* x, const float* weight, int rows,
                                               int cols, float eps) {
    __shared__ float scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (i64) r * cols;
        float q = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) q += xr[c] * xr[c];
        float rs = 1.0f / sqrtf(jg_block_sum<float>(q, scratch) / cols + eps);
        float* orow = out + (i64) r * cols;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) orow[c] = weight ? xr[c] * rs * weight[c] : xr[c] * rs;
        if (threadIdx.x == 0) rstd[r] = rs;
    }
}

// RMSNorm input gradient: with g = dy·weight and x̂ = x·rstd, dx = rstd · (g − x̂ · mean(g·x̂)).
extern "C" __global__ void rmsnorm_backward_dx_f32(float* dx, const float* dy, const float* x, const float* weight,
                                                   const float* rstd, int rows, int cols) {
    __shared__ float scratch[MAX_BLOCK];
    for (int r = blockIdx.x; r < rows; r += gridDim.x) {
        const float* xr = x + (i64) r * cols;
        const float* gr = dy + (i64) r * cols;
        float rs = rstd[r];
        float sgx = 0.0f;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float g = weight ? gr[c] * weight[c] : gr[c];
            sgx += g * xr[c] * rs;
        }
        float meanGX = jg_block_sum<float>(sgx, scratch) / cols;
        float* dxr = dx + (i64) r * cols;
        for (int c = threadIdx.x; c < cols; c += blockDim.x) {
            float g = weight ? gr[c] * weight[c] : gr[c];
            dxr[c] = rs * (g - xr[c] * rs * meanGX);
        }
    }
}

// Pass 1 of the parameter gradients of both norms: for chunk k of rowsPerChunk rows and column c,
// partialDw[k][c] = Σ dy·x̂ and partialDb[k][c] = Σ dy (partialDb may be null), where x̂ = (x − mean)·rstd,
// or x·rstd when mean is null (RMSNorm). Grid: x over columns, y = chunk.
extern "C" __global__ void norm_backward_params_partial_f32(float* partialDw, float* partialDb, const float* dy,
                                                            const float* x, const float* mean, const float* rstd,
                                                            int rows, int cols, int rowsPerChunk) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int k = blockIdx.y;
    if (c >= cols) return;
    int from = k * rowsPerChunk, to = jg_min(rows, from + rowsPerChunk);
    float dw = 0.0f, db = 0.0f;
    for (int r = from; r < to; r++) {
        float g = dy[(i64) r * cols + c];
        float xhat = (x[(i64) r * cols + c] - (mean ? mean[r] : 0.0f)) * rstd[r];
        dw += g * xhat;
        db += g;
    }
    partialDw[(i64) k * cols + c] = dw;
    if (partialDb) partialDb[(i64) k * cols + c] = db;
}

// Pass 2: out[c] (+)= Σ_k partial[k][c], chunks added in order k = 0, 1, ... (accumulate != 0 adds to out).
extern "C" __global__ void column_sum_chunks_f32(float* out, const float* partial, int chunks, int cols,
                                                 int accumulate) {
    JG_GRID_LOOP(c, cols) {
        float s = 0.0f;
        for (int k = 0; k < chunks; k++) s += partial[(i64) k * cols + c];
        out[c] = accumulate ? out[c] + s : s;
    }
}
