// Scaled dot-product attention for any head dim D and for float64: the generic path behind attention.cu's tiled
// float32 kernels (which cover D = 32, 64, 96, 128), with the same semantics: GQA, key-padding mask (nonzero =
// ignore), causal mask aligned to the end, counter-based dropout (jgrad.cuh), lse of the scores before dropout,
// out 0 and lse −∞ for a row that sees no key. See attention.cu for the formulas. T = float or double; float32
// computes in float, float64 in double. Deterministic: every output row is owned by one block, which walks the
// other side in a fixed order and reduces with fixed-order tree sums.
//
// One block of GT threads per output row, over chunks of GT keys (forward, dQ) or GT queries (dK/dV): each thread
// forms one score of the chunk; block reductions give the chunk's max and sum; then each thread updates the
// head-dim columns d ≡ thread (mod GT) of the row's accumulators, held in dynamic shared memory. Simple rather
// than fast: K and V rows are read from global memory once per query row (no tiling).
//
// Dynamic shared memory in elements of T (AttentionShape.generic*SharedBytes sizes the launches the same way; a
// kernel given less traps):
//   forward 2·D + 2·GT (q row, accumulator, chunk weights, reduction scratch)
//   dq      3·D + GT   (q row, dO row, accumulator, chunk dS)
//   dkdv    4·D + 2·GT (k row, v row, two accumulators, chunk P⊙Z and dS)
#include "jgrad.cuh"

#define GT 128

__device__ __forceinline__ void require_generic_smem(unsigned need) {
    if (jg_dynamic_smem_bytes() < need) __trap();
}

template <typename T>
__device__ __forceinline__ T drop_factor_generic(int dropout, u32 rk, int j, int threshold, T keepScale) {
    return !dropout ? (T) 1 : (jg_dropout_keep(rk, j, threshold) ? keepScale : (T) 0);
}

template <typename T>
__device__ __forceinline__ T dot_row(const T* a, const T* b, int D) {
    T s = 0;
    for (int d = 0; d < D; d++) s += a[d] * b[d];
    return s;
}

// The last key query i may see (−1: none): Tk − 1, or with the causal mask i + (Tk − Tq).
__device__ __forceinline__ int last_key(int i, int Tq, int Tk, int causal) {
    return causal ? jg_min(Tk - 1, i + (Tk - Tq)) : Tk - 1;
}

// ---- forward: grid (Tq, Hq, B) ------------------------------------------------------------------------------
template <typename T>
__device__ void attention_forward_generic(T* out, T* lse, const T* q, const T* k, const T* v, const u8* mask,
                                          int Hq, int Hkv, int Tq, int Tk, int D, T scale, int causal, i64 seed,
                                          int dropout, int threshold, T keepScale) {
    require_generic_smem((2 * D + 2 * GT) * sizeof(T));
    JG_DYNAMIC_SHARED(unsigned char, smemBytes);
    T* qs = (T*) smemBytes;
    T* acc = qs + D;
    T* ps = acc + D;
    T* red = ps + GT;
    int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int hk = h / (Hq / Hkv);
    i64 row = ((i64) b * Hq + h) * Tq + i;
    const T* kh = k + ((i64) b * Hkv + hk) * Tk * D;
    const T* vh = v + ((i64) b * Hkv + hk) * Tk * D;
    const u8* maskRow = mask ? mask + (i64) b * Tk : 0;
    for (int d = threadIdx.x; d < D; d += GT) {
        qs[d] = q[row * D + d];
        acc[d] = 0;
    }
    __syncthreads();
    int last = last_key(i, Tq, Tk, causal);
    u32 rk = dropout ? jg_dropout_row_key((u64) seed, b, h, i) : 0u;
    T m = -(T) jg_inf(), l = 0;
    for (int j0 = 0; j0 <= last; j0 += GT) {
        int j = j0 + threadIdx.x;
        T s = -(T) jg_inf();
        if (j <= last && !(maskRow && maskRow[j])) s = scale * dot_row(qs, kh + (i64) j * D, D);
        T chunkMax = jg_block_max<T>(s, red);
        T mNew = chunkMax > m ? chunkMax : m;
        T alpha = mNew == -(T) jg_inf() ? (T) 1 : jg_exp(m - mNew);
        T p = mNew == -(T) jg_inf() ? (T) 0 : jg_exp(s - mNew);
        l = l * alpha + jg_block_sum<T>(p, red);
        m = mNew;
        ps[threadIdx.x] = p * drop_factor_generic<T>(dropout, rk, j, threshold, keepScale);
        __syncthreads();
        int count = jg_min(GT, last - j0 + 1);
        for (int d = threadIdx.x; d < D; d += GT) {
            T a = acc[d] * alpha;
            for (int c = 0; c < count; c++) a += ps[c] * vh[(i64) (j0 + c) * D + d];
            acc[d] = a;
        }
        __syncthreads(); // ps is rewritten by the next chunk
    }
    for (int d = threadIdx.x; d < D; d += GT) out[row * D + d] = l > 0 ? acc[d] / l : (T) 0;
    if (threadIdx.x == 0) lse[row] = l > 0 ? m + jg_log(l) : -(T) jg_inf();
}

// ---- backward -----------------------------------------------------------------------------------------------

// delta[row] = Σ_d dout[row][d]·out[row][d] over the B·Hq·Tq rows. One thread per row.
template <typename T>
__device__ void attention_backward_delta(T* delta, const T* out, const T* dout, int rows, int D) {
    JG_GRID_LOOP(row, rows) {
        T s = 0;
        for (int d = 0; d < D; d++) s += dout[(i64) row * D + d] * out[(i64) row * D + d];
        delta[row] = s;
    }
}

// dQ of one query row: dq = scale·Σ_j dS_j·k_j with dS_j = P_j·(Z_j·(dO·v_j) − delta). Grid (Tq, Hq, B).
template <typename T>
__device__ void attention_backward_dq_generic(T* dq, const T* q, const T* k, const T* v, const T* dout, const T* lse,
                                              const T* delta, const u8* mask, int Hq, int Hkv, int Tq, int Tk, int D,
                                              T scale, int causal, i64 seed, int dropout, int threshold, T keepScale) {
    require_generic_smem((3 * D + GT) * sizeof(T));
    JG_DYNAMIC_SHARED(unsigned char, smemBytes);
    T* qs = (T*) smemBytes;
    T* dos = qs + D;
    T* acc = dos + D;
    T* dss = acc + D;
    int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int hk = h / (Hq / Hkv);
    i64 row = ((i64) b * Hq + h) * Tq + i;
    const T* kh = k + ((i64) b * Hkv + hk) * Tk * D;
    const T* vh = v + ((i64) b * Hkv + hk) * Tk * D;
    const u8* maskRow = mask ? mask + (i64) b * Tk : 0;
    for (int d = threadIdx.x; d < D; d += GT) {
        qs[d] = q[row * D + d];
        dos[d] = dout[row * D + d];
        acc[d] = 0;
    }
    __syncthreads();
    T rowLse = lse[row], rowDelta = delta[row];
    int last = rowLse == -(T) jg_inf() ? -1 : last_key(i, Tq, Tk, causal);
    u32 rk = dropout ? jg_dropout_row_key((u64) seed, b, h, i) : 0u;
    for (int j0 = 0; j0 <= last; j0 += GT) {
        int j = j0 + threadIdx.x;
        T ds = 0;
        if (j <= last && !(maskRow && maskRow[j])) {
            T s = dot_row(qs, kh + (i64) j * D, D), dp = dot_row(dos, vh + (i64) j * D, D);
            T p = jg_exp(s * scale - rowLse);
            ds = p * (drop_factor_generic<T>(dropout, rk, j, threshold, keepScale) * dp - rowDelta);
        }
        dss[threadIdx.x] = ds;
        __syncthreads();
        int count = jg_min(GT, last - j0 + 1);
        for (int d = threadIdx.x; d < D; d += GT) {
            T a = 0;
            for (int c = 0; c < count; c++) a += dss[c] * kh[(i64) (j0 + c) * D + d];
            acc[d] += a;
        }
        __syncthreads();
    }
    for (int d = threadIdx.x; d < D; d += GT) dq[row * D + d] = acc[d] * scale;
}

// dK, dV of one key row j of kv head hk, summed over the group's query heads and their queries in order:
// dv = Σ_i P_ij·Z_ij·dO_i, dk = scale·Σ_i dS_ij·q_i. Grid (Tk, Hkv, B).
template <typename T>
__device__ void attention_backward_dkdv_generic(T* dk, T* dv, const T* q, const T* k, const T* v, const T* dout,
                                                const T* lse, const T* delta, const u8* mask, int Hq, int Hkv, int Tq,
                                                int Tk, int D, T scale, int causal, i64 seed, int dropout,
                                                int threshold, T keepScale) {
    require_generic_smem((4 * D + 2 * GT) * sizeof(T));
    JG_DYNAMIC_SHARED(unsigned char, smemBytes);
    T* ks = (T*) smemBytes;
    T* vs = ks + D;
    T* dkAcc = vs + D;
    T* dvAcc = dkAcc + D;
    T* pzs = dvAcc + D;
    T* dss = pzs + GT;
    int j = blockIdx.x, hk = blockIdx.y, b = blockIdx.z;
    int group = Hq / Hkv;
    i64 keyRow = ((i64) b * Hkv + hk) * Tk + j;
    for (int d = threadIdx.x; d < D; d += GT) {
        ks[d] = k[keyRow * D + d];
        vs[d] = v[keyRow * D + d];
        dkAcc[d] = 0;
        dvAcc[d] = 0;
    }
    __syncthreads();
    bool padded = mask && mask[(i64) b * Tk + j];
    int firstQuery = causal ? jg_max(0, j - (Tk - Tq)) : 0;
    for (int g = 0; g < group && !padded; g++) {
        int h = hk * group + g;
        i64 rows0 = ((i64) b * Hq + h) * Tq;
        for (int i0 = firstQuery; i0 < Tq; i0 += GT) {
            int i = i0 + threadIdx.x;
            T pz = 0, ds = 0;
            if (i < Tq && lse[rows0 + i] != -(T) jg_inf()) {
                const T* qi = q + (rows0 + i) * D;
                const T* doi = dout + (rows0 + i) * D;
                T s = dot_row(qi, ks, D), dp = dot_row(doi, vs, D);
                T p = jg_exp(s * scale - lse[rows0 + i]);
                u32 rk = dropout ? jg_dropout_row_key((u64) seed, b, h, i) : 0u;
                T z = drop_factor_generic<T>(dropout, rk, j, threshold, keepScale);
                pz = p * z;
                ds = p * (z * dp - delta[rows0 + i]);
            }
            pzs[threadIdx.x] = pz;
            dss[threadIdx.x] = ds;
            __syncthreads();
            int count = jg_min(GT, Tq - i0);
            for (int d = threadIdx.x; d < D; d += GT) {
                T av = 0, ak = 0;
                for (int c = 0; c < count; c++) {
                    av += pzs[c] * dout[(rows0 + i0 + c) * D + d];
                    ak += dss[c] * q[(rows0 + i0 + c) * D + d];
                }
                dvAcc[d] += av;
                dkAcc[d] += ak;
            }
            __syncthreads();
        }
    }
    for (int d = threadIdx.x; d < D; d += GT) {
        dk[keyRow * D + d] = dkAcc[d] * scale;
        dv[keyRow * D + d] = dvAcc[d];
    }
}

#define GENERIC_ENTRIES(T, SUFFIX)                                                                                  \
    extern "C" __global__ void __launch_bounds__(GT) attention_forward_generic_##SUFFIX(                             \
            T* out, T* lse, const T* q, const T* k, const T* v, const u8* mask, int Hq, int Hkv, int Tq, int Tk,     \
            int D, T scale, int causal, i64 seed, int dropout, int threshold, T keepScale) {                         \
        attention_forward_generic<T>(out, lse, q, k, v, mask, Hq, Hkv, Tq, Tk, D, scale, causal, seed, dropout,    \
                                     threshold, keepScale);                                                         \
    }                                                                                                                \
    extern "C" __global__ void attention_backward_delta_##SUFFIX(T* delta, const T* out, const T* dout, int rows,   \
                                                                 int D) {                                           \
        attention_backward_delta<T>(delta, out, dout, rows, D);                                                    \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(GT) attention_backward_dq_generic_##SUFFIX(                         \
            T* dq, const T* q, const T* k, const T* v, const T* dout, const T* lse, const T* delta, const u8* mask,   \
            int Hq, int Hkv, int Tq, int Tk, int D, T scale, int causal, i64 seed, int dropout, int threshold,       \
            T keepScale) {                                                                                           \
        attention_backward_dq_generic<T>(dq, q, k, v, dout, lse, delta, mask, Hq, Hkv, Tq, Tk, D, scale, causal,   \
                                         seed, dropout, threshold, keepScale);                                      \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(GT) attention_backward_dkdv_generic_##SUFFIX(                       \
            T* dk, T* dv, const T* q, const T* k, const T* v, const T* dout, const T* lse, const T* delta,           \
            const u8* mask, int Hq, int Hkv, int Tq, int Tk, int D, T scale, int causal, i64 seed, int dropout,      \
            int threshold, T keepScale) {                                                                            \
        attention_backward_dkdv_generic<T>(dk, dv, q, k, v, dout, lse, delta, mask, Hq, Hkv, Tq, Tk, D, scale,     \
                                           causal, seed, dropout, threshold, keepScale);                            \
    }

GENERIC_ENTRIES(float, f32)
GENERIC_ENTRIES(double, f64)
