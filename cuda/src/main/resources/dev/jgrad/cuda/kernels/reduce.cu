// Reductions along one dimension, softmax / log-softmax and their backward, logsumexp.
//
// Everything here is deterministic: each output is produced by one thread (a sequential loop) or by one block
// (each thread scans a fixed strided subset in order, then a fixed-shape tree combines the partial results),
// and the host picks the variant and the block size from the problem size alone. Sums accumulate in double.
#include "jgrad.cuh"

// ReduceOp ordinals (checked by KernelSourcesTest).
#define ROP_SUM 0
#define ROP_MEAN 1
#define ROP_MAX 2
#define ROP_MIN 3
#define ROP_ARGMAX 4
#define ROP_ARGMIN 5

#define MAX_BLOCK 1024

// The running extremum of a sequential scan: the first NaN wins, else the first strict improvement.
template <typename T>
__device__ __forceinline__ bool improves(T v, T acc, bool isMax) {
    return !jg_isnan(acc) && ((isMax ? v > acc : v < acc) || jg_isnan(v));
}

// Combines two partial (value, index) results of one scan as the sequential scan would: NaN first, then the
// better value, ties to the lower index. `has` marks a partial that saw at least one element.
template <typename T>
__device__ __forceinline__ void combine(T& va, int& ia, bool& ha, T vb, int ib, bool hb, bool isMax) {
    if (!hb) return;
    bool takeB;
    if (!ha) takeB = true;
    else if (jg_isnan(va) && jg_isnan(vb)) takeB = ib < ia;
    else if (jg_isnan(va)) takeB = false;
    else if (jg_isnan(vb)) takeB = true;
    else if (vb == va) takeB = ib < ia;
    else takeB = isMax ? vb > va : vb < va;
    if (takeB) { va = vb; ia = ib; ha = true; }
}

// One output per thread. L: operands (x, out) over the output shape without `dim`; the reduced dim has n
// elements at stride rstride. Values go to out (type T), indices (ARGMAX/ARGMIN) to out as int64.
template <typename T>
__device__ void reduce_thread(const Strided& L, int op, const T* x, int n, int rstride, void* out) {
    bool isMax = op == ROP_MAX || op == ROP_ARGMAX;
    JG_GRID_LOOP(o, L.numel) {
        i64 off[2];
        jg_offsets<2>(L, o, off);
        const T* row = x + off[0];
        if (op == ROP_SUM || op == ROP_MEAN) {
            double acc = 0;
            for (int r = 0; r < n; r++) acc += (double) row[(i64) r * rstride];
            if (op == ROP_MEAN) acc /= n;
            ((T*) out)[off[1]] = (T) acc;
        } else {
            T acc = row[0];
            int best = 0;
            for (int r = 0; r < n; r++) {
                T v = row[(i64) r * rstride];
                if (improves(v, acc, isMax)) { acc = v; best = r; }
            }
            if (op == ROP_ARGMAX || op == ROP_ARGMIN) ((i64*) out)[off[1]] = best;
            else ((T*) out)[off[1]] = acc;
        }
    }
}

// One output per block (blockDim.x a power of two): thread t scans r = t, t + blockDim, ... in order.
template <typename T>
__device__ void reduce_block(const Strided& L, int op, const T* x, int n, int rstride, void* out) {
    __shared__ double sSum[MAX_BLOCK];
    __shared__ T sVal[MAX_BLOCK];
    __shared__ int sIdx[MAX_BLOCK];
    __shared__ bool sHas[MAX_BLOCK];
    bool isMax = op == ROP_MAX || op == ROP_ARGMAX;
    bool sum = op == ROP_SUM || op == ROP_MEAN;
    for (int o = blockIdx.x; o < L.numel; o += gridDim.x) {
        i64 off[2];
        jg_offsets<2>(L, o, off);
        const T* row = x + off[0];
        if (sum) {
            double acc = 0;
            for (int r = threadIdx.x; r < n; r += blockDim.x) acc += (double) row[(i64) r * rstride];
            double total = jg_block_sum<double>(acc, sSum);
            if (threadIdx.x == 0) ((T*) out)[off[1]] = (T) (op == ROP_MEAN ? total / n : total);
            continue;
        }
        T acc = 0;
        int best = 0;
        bool has = false;
        for (int r = threadIdx.x; r < n; r += blockDim.x) {
            T v = row[(i64) r * rstride];
            if (!has || improves(v, acc, isMax)) { acc = v; best = r; has = true; }
        }
        sVal[threadIdx.x] = acc;
        sIdx[threadIdx.x] = best;
        sHas[threadIdx.x] = has;
        __syncthreads();
        for (int s = blockDim.x >> 1; s > 0; s >>= 1) {
            if (threadIdx.x < s) {
                T va = sVal[threadIdx.x];
                int ia = sIdx[threadIdx.x];
                bool ha = sHas[threadIdx.x];
                combine(va, ia, ha, sVal[threadIdx.x + s], sIdx[threadIdx.x + s], sHas[threadIdx.x + s], isMax);
                sVal[threadIdx.x] = va;
                sIdx[threadIdx.x] = ia;
                sHas[threadIdx.x] = ha;
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            if (op == ROP_ARGMAX || op == ROP_ARGMIN) ((i64*) out)[off[1]] = sIdx[0];
            else ((T*) out)[off[1]] = sVal[0];
        }
        __syncthreads();
    }
}

extern "C" __global__ void reduce_thread_f32(Strided L, int op, const float* x, int n, int rstride, void* out) {
    reduce_thread<float>(L, op, x, n, rstride, out);
}
extern "C" __global__ void reduce_thread_f64(Strided L, int op, const double* x, int n, int rstride, void* out) {
    reduce_thread<double>(L, op, x, n, rstride, out);
}
extern "C" __global__ void reduce_block_f32(Strided L, int op, const float* x, int n, int rstride, void* out) {
    reduce_block<float>(L, op, x, n, rstride, out);
}
extern "C" __global__ void reduce_block_f64(Strided L, int op, const double* x, int n, int rstride, void* out) {
    reduce_block<double>(L, op, x, n, rstride, out);
}

// ---- softmax over the last dim: one block per row ---------------------------------------------------------
// L: operands (x, out) over the leading dims (row starts); the last dim has n elements at strides xs and os.
// m = max, s = Σ e^(x−m); out = e^(x−m)/s, or x − m − ln s for log-softmax. An all −∞ row gives NaN.
template <typename T>
__device__ void softmax_rows(const Strided& L, const T* x, int xs, T* out, int os, int n, int log) {
    __shared__ T scratch[MAX_BLOCK];
    for (int row = blockIdx.x; row < L.numel; row += gridDim.x) {
        i64 off[2];
        jg_offsets<2>(L, row, off);
        const T* xr = x + off[0];
        T* orow = out + off[1];
        T m = -(T) jg_inf();
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            T v = xr[(i64) j * xs];
            m = (jg_isnan(m) || m >= v) ? m : v;
        }
        m = jg_block_max<T>(m, scratch);
        T s = 0;
        for (int j = threadIdx.x; j < n; j += blockDim.x) s += jg_exp(xr[(i64) j * xs] - m);
        s = jg_block_sum<T>(s, scratch);
        T logS = jg_log(s);
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            T v = xr[(i64) j * xs] - m;
            orow[(i64) j * os] = log ? v - logS : jg_exp(v) / s;
        }
    }
}

extern "C" __global__ void softmax_f32(Strided L, const float* x, int xs, float* out, int os, int n, int log) {
    softmax_rows<float>(L, x, xs, out, os, n, log);
}
extern "C" __global__ void softmax_f64(Strided L, const double* x, int xs, double* out, int os, int n, int log) {
    softmax_rows<double>(L, x, xs, out, os, n, log);
}

// gx = y ⊙ (gy − Σ gy⊙y), or for log-softmax gx = gy − e^y · Σ gy. L: operands (y, gy, gx) over the rows.
template <typename T>
__device__ void softmax_backward_rows(const Strided& L, const T* y, int ys, const T* gy, int gs, T* gx, int os,
                                      int n, int log) {
    __shared__ T scratch[MAX_BLOCK];
    for (int row = blockIdx.x; row < L.numel; row += gridDim.x) {
        i64 off[3];
        jg_offsets<3>(L, row, off);
        const T* yr = y + off[0];
        const T* gr = gy + off[1];
        T* orow = gx + off[2];
        T dot = 0;
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            T g = gr[(i64) j * gs];
            dot += log ? g : g * yr[(i64) j * ys];
        }
        dot = jg_block_sum<T>(dot, scratch);
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            T yv = yr[(i64) j * ys], g = gr[(i64) j * gs];
            orow[(i64) j * os] = log ? g - jg_exp(yv) * dot : yv * (g - dot);
        }
    }
}

extern "C" __global__ void softmax_backward_f32(Strided L, const float* y, int ys, const float* gy, int gs, float* gx,
                                                int os, int n, int log) {
    softmax_backward_rows<float>(L, y, ys, gy, gs, gx, os, n, log);
}
extern "C" __global__ void softmax_backward_f64(Strided L, const double* y, int ys, const double* gy, int gs,
                                                double* gx, int os, int n, int log) {
    softmax_backward_rows<double>(L, y, ys, gy, gs, gx, os, n, log);
}

// out = m + ln Σ e^(x − m) per row (m = the row max; an infinite max is the answer itself).
// L: operands (x, out) over the rows.
template <typename T>
__device__ void logsumexp_rows(const Strided& L, const T* x, int xs, T* out, int n) {
    __shared__ T scratch[MAX_BLOCK];
    for (int row = blockIdx.x; row < L.numel; row += gridDim.x) {
        i64 off[2];
        jg_offsets<2>(L, row, off);
        const T* xr = x + off[0];
        T m = -(T) jg_inf();
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            T v = xr[(i64) j * xs];
            m = (jg_isnan(m) || m >= v) ? m : v;
        }
        m = jg_block_max<T>(m, scratch);
        T s = 0;
        if (m == m && m != jg_inf() && m != -jg_inf())
            for (int j = threadIdx.x; j < n; j += blockDim.x) s += jg_exp(xr[(i64) j * xs] - m);
        s = jg_block_sum<T>(s, scratch);
        if (threadIdx.x == 0) out[off[1]] = (m == jg_inf() || m == -jg_inf()) ? m : m + jg_log(s);
    }
}

extern "C" __global__ void logsumexp_f32(Strided L, const float* x, int xs, float* out, int n) {
    logsumexp_rows<float>(L, x, xs, out, n);
}
extern "C" __global__ void logsumexp_f64(Strided L, const double* x, int xs, double* out, int n) {
    logsumexp_rows<double>(L, x, xs, out, n);
}
