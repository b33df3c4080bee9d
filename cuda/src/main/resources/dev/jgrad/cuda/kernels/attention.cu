// Flash-style scaled dot-product attention (Backend.attentionForward / attentionBackward), float32, head dims
// 32, 64, 96 and 128, in the manner of FlashAttention-2 (Dao, 2023): tiles of queries and keys in shared memory,
// an online softmax, and no (T, T) matrix in global memory. Deterministic: no atomics (dK/dV and dQ are computed
// by separate kernels, each output tile owned by one block that loops over the other side in a fixed order).
// Other head dims and float64 run attention_generic.cu.
//
// Layout: q, dq, out, dout (B, Hq, Tq, D); k, v, dk, dv (B, Hkv, Tk, D); lse, delta (B, Hq, Tq); all contiguous.
// GQA: query head h reads kv head h / (Hq / Hkv); dK/dV of a kv head sum over its group of query heads.
// Masks: key j is visible to query i when it is not padded (mask null, or mask[b·Tk + j] == 0: a BOOL (B, Tk)
// key-padding mask, nonzero = ignore) and, if causal, j ≤ i + (Tk − Tq) (aligned to the end: Tq = Tk gives
// j ≤ i; one new query against a KV cache sees every key). A row that sees no key gets out 0 and lse −∞.
// Dropout (dropout != 0): weight (b, h, i, j) is kept, times keepScale = 1/(1 − p), when
// jg_dropout_keep(jg_dropout_row_key(seed, b, h, i), j, threshold): the CPU's counter-based mask, bit for bit,
// regenerated in the backward. lse is that of the scores before dropout.
//
// Forward: S = scale·Q·Kᵀ per tile; per row the running max m and sum l: m' = max(m, rowmax S),
// l ← l·e^(m − m') + Σ e^(S − m'), O ← O·e^(m − m') + (Z ⊙ e^(S − m'))·V (Z the dropout factors); finally
// O /= l, lse = m + ln l.
// Backward (with P = e^(S − lse), delta_i = Σ_d dO_i·O_i, which equals Σ_j P_ij·Z_ij·(dO_i·v_j) also with
// dropout): dV = (P ⊙ Z)ᵀ·dO, dP = Z ⊙ (dO·Vᵀ), dS = P ⊙ (dP − delta), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
//
// Thread layout: 128 threads; tiles of BR = BC = 32 rows; thread t owns row t/4 of its tile and the head-dim
// columns d ≡ t (mod 4), so the 4 threads of a row are adjacent lanes and combine with shuffles.
// Dynamic shared memory: the host passes AttentionShape's sizes and every kernel traps if given less.
#include "jgrad.cuh"

#define BR 32
#define BC 32
#define THREADS 128
#define PARTS 4

// Shared floats of each kernel. AttentionShape sizes the launches with the same formulas; a kernel given less
// traps (the emulated-device tests launch every kernel with AttentionShape's sizes).
#define FORWARD_SMEM_FLOATS(D) (3 * 32 * ((D) + 1) + BR * (BC + 1) + BC)
#define DKDV_SMEM_FLOATS(D) (4 * 32 * ((D) + 1) + 2 * BR * (BC + 1) + 3 * BR + BC)
#define DQ_SMEM_FLOATS(D) (4 * 32 * ((D) + 1) + BR * (BC + 1) + 2 * BR + BC)

__device__ __forceinline__ void require_smem(unsigned need) {
    if (jg_dynamic_smem_bytes() < need) __trap();
}

// The causal rule for query qi and key kj (range and padding are checked through keyOk).
__device__ __forceinline__ bool causal_ok(int qi, int kj, int Tq, int Tk, int causal) {
    return !causal || kj <= qi + (Tk - Tq);
}

// Loads rows [row0, row0 + 32) of a (T, D) matrix into a (32, D + 1) tile, zero past T, times `scale`.
template <int D>
__device__ __forceinline__ void load_tile(float* tile, const float* src, int row0, int T, float scale) {
    for (int idx = threadIdx.x; idx < BR * D; idx += THREADS) {
        int r = idx / D, d = idx % D;
        tile[r * (D + 1) + d] = row0 + r < T ? src[(i64) (row0 + r) * D + d] * scale : 0.0f;
    }
}

// keyOk[c] = key k0 + c exists and is not padded (maskRow: the batch's row of the padding mask, or null).
__device__ __forceinline__ void load_key_flags(int* keyOk, const u8* maskRow, int k0, int Tk) {
    if (threadIdx.x < BC) {
        int j = k0 + threadIdx.x;
        keyOk[threadIdx.x] = j < Tk && !(maskRow && maskRow[j]);
    }
}

// The dropout factor of weight (row key rk, key j): 1 without dropout, else keepScale or 0.
__device__ __forceinline__ float drop_factor(int dropout, u32 rk, int j, int threshold, float keepScale) {
    return !dropout ? 1.0f : (jg_dropout_keep(rk, j, threshold) ? keepScale : 0.0f);
}

// The number of key tiles the query tile starting at q0 needs (causal: up to its last visible key).
__device__ __forceinline__ int key_tiles_for(int q0, int Tq, int Tk, int causal) {
    int all = (Tk + BC - 1) / BC;
    if (!causal) return all;
    int lastKey = jg_min(q0 + BR - 1, Tq - 1) + (Tk - Tq);
    if (lastKey < 0) return 0;
    return jg_min(all, lastKey / BC + 1);
}

// ---- forward --------------------------------------------------------------------------------------------
// Grid: (ceil(Tq / 32), Hq, B). Shared: Q, K, V tiles 3·32·(D+1), S tile 32·(32+1), key flags 32.
template <int D>
__device__ void attention_forward(float* out, float* lse, const float* q, const float* k, const float* v,
                                  const u8* mask, int Hq, int Hkv, int Tq, int Tk, float scale, int causal, i64 seed,
                                  int dropout, int threshold, float keepScale) {
    constexpr int DP = D + 1, SP = BC + 1, COLS = D / PARTS;
    require_smem(FORWARD_SMEM_FLOATS(D) * 4);
    JG_DYNAMIC_SHARED(float, smem);
    float* Qs = smem;
    float* Ks = Qs + BR * DP;
    float* Vs = Ks + BC * DP;
    float* Ss = Vs + BC * DP;
    int* keyOk = (int*) (Ss + BR * SP);
    int qt = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int hk = h / (Hq / Hkv);
    const float* qh = q + ((i64) b * Hq + h) * Tq * D;
    const float* kh = k + ((i64) b * Hkv + hk) * Tk * D;
    const float* vh = v + ((i64) b * Hkv + hk) * Tk * D;
    const u8* maskRow = mask ? mask + (i64) b * Tk : 0;
    int q0 = qt * BR;
    int r = threadIdx.x / PARTS, part = threadIdx.x % PARTS;
    int qi = q0 + r;
    u32 rowKey = dropout ? jg_dropout_row_key((u64) seed, b, h, qi) : 0u;

    load_tile<D>(Qs, qh, q0, Tq, scale);
    float acc[COLS];
    #pragma unroll
    for (int c = 0; c < COLS; c++) acc[c] = 0.0f;
    float m = -jg_inf(), l = 0.0f;
    int tiles = key_tiles_for(q0, Tq, Tk, causal);
    for (int kt = 0; kt < tiles; kt++) {
        int k0 = kt * BC;
        __syncthreads(); // the previous tile's K, V, S and flags are no longer read
        load_tile<D>(Ks, kh, k0, Tk, 1.0f);
        load_tile<D>(Vs, vh, k0, Tk, 1.0f);
        load_key_flags(keyOk, maskRow, k0, Tk);
        __syncthreads();
        // S[r][c] for the columns c ≡ part (mod 4).
        float rowMax = -jg_inf();
        for (int c = part; c < BC; c += PARTS) {
            float s = 0.0f;
            for (int d = 0; d < D; d++) s += Qs[r * DP + d] * Ks[c * DP + d];
            s = qi < Tq && keyOk[c] && causal_ok(qi, k0 + c, Tq, Tk, causal) ? s : -jg_inf();
            Ss[r * SP + c] = s;
            rowMax = fmaxf(rowMax, s);
        }
        rowMax = fmaxf(rowMax, __shfl_xor_sync(0xffffffffu, rowMax, 1));
        rowMax = fmaxf(rowMax, __shfl_xor_sync(0xffffffffu, rowMax, 2));
        float mNew = fmaxf(m, rowMax);
        float alpha = mNew == -jg_inf() ? 1.0f : expf(m - mNew);
        __syncwarp();
        float psum = 0.0f;
        for (int c = part; c < BC; c += PARTS) {
            float p = mNew == -jg_inf() ? 0.0f : expf(Ss[r * SP + c] - mNew);
            Ss[r * SP + c] = p * drop_factor(dropout, rowKey, k0 + c, threshold, keepScale);
            psum += p;
        }
        psum += __shfl_xor_sync(0xffffffffu, psum, 1);
        psum += __shfl_xor_sync(0xffffffffu, psum, 2);
        __syncwarp(); // the row's P values written by its 4 lanes are visible to all of them
        l = l * alpha + psum;
        m = mNew;
        #pragma unroll
        for (int j = 0; j < COLS; j++) {
            int d = part + j * PARTS;
            float o = acc[j] * alpha;
            for (int c = 0; c < BC; c++) o += Ss[r * SP + c] * Vs[c * DP + d];
            acc[j] = o;
        }
    }
    if (qi < Tq) {
        float* orow = out + (((i64) b * Hq + h) * Tq + qi) * D;
        float inv = l > 0.0f ? 1.0f / l : 0.0f;
        #pragma unroll
        for (int j = 0; j < COLS; j++) orow[part + j * PARTS] = acc[j] * inv;
        if (part == 0) lse[((i64) b * Hq + h) * Tq + qi] = l > 0.0f ? m + logf(l) : -jg_inf();
    }
}

// ---- backward ---------------------------------------------------------------------------------------------
// (delta = rowwise dO·O is attention_backward_delta_f32 in attention_generic.cu.)

// dK, dV for one tile of 32 keys of kv head hk, summed over the query heads of its group and their query tiles.
// Grid: (ceil(Tk / 32), Hkv, B). Thread t owns key row t/4 and columns ≡ t (mod 4) of dK and dV.
// Shared: K, V, Q, dO tiles 4·32·(D+1), P⊙Z and dS tiles 2·32·(32+1), lse, delta and row keys 3·32, key flags 32.
template <int D>
__device__ void attention_backward_dkdv(float* dk, float* dv, const float* q, const float* k, const float* v,
                                        const float* dout, const float* lse, const float* delta, const u8* mask,
                                        int Hq, int Hkv, int Tq, int Tk, float scale, int causal, i64 seed,
                                        int dropout, int threshold, float keepScale) {
    constexpr int DP = D + 1, SP = BC + 1, COLS = D / PARTS;
    require_smem(DKDV_SMEM_FLOATS(D) * 4);
    JG_DYNAMIC_SHARED(float, smem);
    float* Ks = smem;
    float* Vs = Ks + BC * DP;
    float* Qs = Vs + BC * DP;
    float* dOs = Qs + BR * DP;
    float* Ps = dOs + BR * DP;
    float* dSs = Ps + BR * SP;
    float* lseS = dSs + BR * SP;
    float* deltaS = lseS + BR;
    u32* rowKeyS = (u32*) (deltaS + BR);
    int* keyOk = (int*) (rowKeyS + BR);
    int kt = blockIdx.x, hk = blockIdx.y, b = blockIdx.z;
    int group = Hq / Hkv;
    int k0 = kt * BC;
    int c = threadIdx.x / PARTS, part = threadIdx.x % PARTS;
    const float* kh = k + ((i64) b * Hkv + hk) * Tk * D;
    const float* vh = v + ((i64) b * Hkv + hk) * Tk * D;
    load_tile<D>(Ks, kh, k0, Tk, 1.0f);
    load_tile<D>(Vs, vh, k0, Tk, 1.0f);
    load_key_flags(keyOk, mask ? mask + (i64) b * Tk : 0, k0, Tk);
    float dK[COLS], dV[COLS];
    #pragma unroll
    for (int j = 0; j < COLS; j++) dK[j] = dV[j] = 0.0f;
    // The first query tile that can see key k0: queries i ≥ k0 − (Tk − Tq) (causal), else 0.
    int firstQuery = causal ? jg_max(0, k0 - (Tk - Tq)) : 0;
    int qTiles = (Tq + BR - 1) / BR;
    for (int g = 0; g < group; g++) {
        int h = hk * group + g;
        const float* qh = q + ((i64) b * Hq + h) * Tq * D;
        const float* dOh = dout + ((i64) b * Hq + h) * Tq * D;
        const float* lseH = lse + ((i64) b * Hq + h) * Tq;
        const float* deltaH = delta + ((i64) b * Hq + h) * Tq;
        for (int qt = firstQuery / BR; qt < qTiles; qt++) {
            int q0 = qt * BR;
            __syncthreads(); // the previous Q, dO, P, dS are no longer read
            load_tile<D>(Qs, qh, q0, Tq, 1.0f);
            load_tile<D>(dOs, dOh, q0, Tq, 1.0f);
            if (threadIdx.x < BR) {
                int qi = q0 + threadIdx.x;
                lseS[threadIdx.x] = qi < Tq ? lseH[qi] : 0.0f;
                deltaS[threadIdx.x] = qi < Tq ? deltaH[qi] : 0.0f;
                rowKeyS[threadIdx.x] = dropout && qi < Tq ? jg_dropout_row_key((u64) seed, b, h, qi) : 0u;
            }
            __syncthreads();
            // P⊙Z[r][c] and dS[r][c] for this thread's key c and rows r ≡ part (mod 4).
            for (int r = part; r < BR; r += PARTS) {
                float pz = 0.0f, ds = 0.0f;
                int qi = q0 + r;
                if (qi < Tq && keyOk[c] && causal_ok(qi, k0 + c, Tq, Tk, causal) && lseS[r] != -jg_inf()) {
                    float s = 0.0f, dp = 0.0f;
                    for (int d = 0; d < D; d++) {
                        s += Qs[r * DP + d] * Ks[c * DP + d];
                        dp += dOs[r * DP + d] * Vs[c * DP + d];
                    }
                    float p = expf(s * scale - lseS[r]);
                    float z = drop_factor(dropout, rowKeyS[r], k0 + c, threshold, keepScale);
                    pz = p * z;
                    ds = p * (z * dp - deltaS[r]);
                }
                Ps[r * SP + c] = pz;
                dSs[r * SP + c] = ds;
            }
            __syncwarp(); // the 4 lanes of key c wrote its P and dS column
            #pragma unroll
            for (int j = 0; j < COLS; j++) {
                int d = part + j * PARTS;
                float av = 0.0f, ak = 0.0f;
                for (int r = 0; r < BR; r++) {
                    av += Ps[r * SP + c] * dOs[r * DP + d];
                    ak += dSs[r * SP + c] * Qs[r * DP + d];
                }
                dV[j] += av;
                dK[j] += ak * scale;
            }
        }
    }
    if (k0 + c < Tk) {
        i64 rowBase = (((i64) b * Hkv + hk) * Tk + k0 + c) * D;
        #pragma unroll
        for (int j = 0; j < COLS; j++) {
            dk[rowBase + part + j * PARTS] = dK[j];
            dv[rowBase + part + j * PARTS] = dV[j];
        }
    }
}

// dQ for one tile of 32 query rows of head h, looping over its visible key tiles in order.
// Grid: (ceil(Tq / 32), Hq, B). Thread t owns query row t/4 and columns ≡ t (mod 4) of dQ.
// Shared: Q, dO, K, V tiles 4·32·(D+1), a dS tile 32·(32+1), lse and delta 2·32, key flags 32.
template <int D>
__device__ void attention_backward_dq(float* dq, const float* q, const float* k, const float* v, const float* dout,
                                      const float* lse, const float* delta, const u8* mask, int Hq, int Hkv, int Tq,
                                      int Tk, float scale, int causal, i64 seed, int dropout, int threshold,
                                      float keepScale) {
    constexpr int DP = D + 1, SP = BC + 1, COLS = D / PARTS;
    require_smem(DQ_SMEM_FLOATS(D) * 4);
    JG_DYNAMIC_SHARED(float, smem);
    float* Qs = smem;
    float* dOs = Qs + BR * DP;
    float* Ks = dOs + BR * DP;
    float* Vs = Ks + BC * DP;
    float* dSs = Vs + BC * DP;
    float* lseS = dSs + BR * SP;
    float* deltaS = lseS + BR;
    int* keyOk = (int*) (deltaS + BR);
    int qt = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int hk = h / (Hq / Hkv);
    int q0 = qt * BR;
    int r = threadIdx.x / PARTS, part = threadIdx.x % PARTS;
    int qi = q0 + r;
    const float* qh = q + ((i64) b * Hq + h) * Tq * D;
    const float* dOh = dout + ((i64) b * Hq + h) * Tq * D;
    const float* kh = k + ((i64) b * Hkv + hk) * Tk * D;
    const float* vh = v + ((i64) b * Hkv + hk) * Tk * D;
    const u8* maskRow = mask ? mask + (i64) b * Tk : 0;
    u32 rowKey = dropout && qi < Tq ? jg_dropout_row_key((u64) seed, b, h, qi) : 0u;
    load_tile<D>(Qs, qh, q0, Tq, 1.0f);
    load_tile<D>(dOs, dOh, q0, Tq, 1.0f);
    if (threadIdx.x < BR) {
        int row = q0 + threadIdx.x;
        lseS[threadIdx.x] = row < Tq ? lse[((i64) b * Hq + h) * Tq + row] : 0.0f;
        deltaS[threadIdx.x] = row < Tq ? delta[((i64) b * Hq + h) * Tq + row] : 0.0f;
    }
    float dQ[COLS];
    #pragma unroll
    for (int j = 0; j < COLS; j++) dQ[j] = 0.0f;
    int tiles = key_tiles_for(q0, Tq, Tk, causal);
    for (int kt = 0; kt < tiles; kt++) {
        int k0 = kt * BC;
        __syncthreads(); // Q/dO/lse loaded (first pass) or the previous K, V, dS and flags no longer read
        load_tile<D>(Ks, kh, k0, Tk, 1.0f);
        load_tile<D>(Vs, vh, k0, Tk, 1.0f);
        load_key_flags(keyOk, maskRow, k0, Tk);
        __syncthreads();
        for (int c = part; c < BC; c += PARTS) {
            float ds = 0.0f;
            if (qi < Tq && keyOk[c] && causal_ok(qi, k0 + c, Tq, Tk, causal) && lseS[r] != -jg_inf()) {
                float s = 0.0f, dp = 0.0f;
                for (int d = 0; d < D; d++) {
                    s += Qs[r * DP + d] * Ks[c * DP + d];
                    dp += dOs[r * DP + d] * Vs[c * DP + d];
                }
                float p = expf(s * scale - lseS[r]);
                float z = drop_factor(dropout, rowKey, k0 + c, threshold, keepScale);
                ds = p * (z * dp - deltaS[r]);
            }
            dSs[r * SP + c] = ds;
        }
        __syncwarp();
        #pragma unroll
        for (int j = 0; j < COLS; j++) {
            int d = part + j * PARTS;
            float a = 0.0f;
            for (int c = 0; c < BC; c++) a += dSs[r * SP + c] * Ks[c * DP + d];
            dQ[j] += a * scale;
        }
    }
    if (qi < Tq) {
        i64 rowBase = (((i64) b * Hq + h) * Tq + qi) * D;
        #pragma unroll
        for (int j = 0; j < COLS; j++) dq[rowBase + part + j * PARTS] = dQ[j];
    }
}

// ---- entry points, one per supported head dim -------------------------------------------------------------
#define ATTENTION_ENTRIES(D)                                                                                        \
    extern "C" __global__ void __launch_bounds__(THREADS) attention_forward_d##D##_f32(                              \
            float* out, float* lse, const float* q, const float* k, const float* v, const u8* mask, int Hq, int Hkv, \
            int Tq, int Tk, float scale, int causal, i64 seed, int dropout, int threshold, float keepScale) {        \
        attention_forward<D>(out, lse, q, k, v, mask, Hq, Hkv, Tq, Tk, scale, causal, seed, dropout, threshold,    \
                             keepScale);                                                                            \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(THREADS) attention_backward_dkdv_d##D##_f32(                        \
            float* dk, float* dv, const float* q, const float* k, const float* v, const float* dout,                 \
            const float* lse, const float* delta, const u8* mask, int Hq, int Hkv, int Tq, int Tk, float scale,      \
            int causal, i64 seed, int dropout, int threshold, float keepScale) {                                     \
        attention_backward_dkdv<D>(dk, dv, q, k, v, dout, lse, delta, mask, Hq, Hkv, Tq, Tk, scale, causal, seed,  \
                                   dropout, threshold, keepScale);                                                  \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(THREADS) attention_backward_dq_d##D##_f32(                          \
            float* dq, const float* q, const float* k, const float* v, const float* dout, const float* lse,          \
            const float* delta, const u8* mask, int Hq, int Hkv, int Tq, int Tk, float scale, int causal, i64 seed,  \
            int dropout, int threshold, float keepScale) {                                                           \
        attention_backward_dq<D>(dq, q, k, v, dout, lse, delta, mask, Hq, Hkv, Tq, Tk, scale, causal, seed,        \
                                 dropout, threshold, keepScale);                                                    \
    }

ATTENTION_ENTRIES(32)
ATTENTION_ENTRIES(64)
ATTENTION_ENTRIES(96)
ATTENTION_ENTRIES(128)
