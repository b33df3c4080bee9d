// 4-bit (NF4 / FP4) weights in the bitsandbytes layout: the flattened weight is packed two codes per byte,
// the even-indexed element in the HIGH nibble; element f decodes to codebook[nibble(f)] · absmax[f / blocksize]
// (blocks of `blocksize` elements, usually 64, over the row-major flattened weight). The 16-entry code book
// (QuantType.codebook(): NF4 or FP4) is passed by value. A weight W is (rows, cols) = (out, in).
//
// Products are deterministic: every output is summed by one thread (or one warp, with a fixed shuffle tree).
// They serve Backend.matmul4bit (gemv for one row, gemm for more) and Backend.matmul4bitInputGradient (the
// transposed gemm below); x, y, gy, gx are contiguous float32.
#include "jgrad.cuh"

struct Codebook {
    float v[16];
};

// Copies the code book into shared memory (a parameter indexed at run time would be spilled to local memory).
// Every thread of the block must call it.
__device__ __forceinline__ void load_codebook(float* code, const Codebook& cb) {
    if (threadIdx.x == 0 && threadIdx.y == 0) {
#pragma unroll
        for (int i = 0; i < 16; i++) code[i] = cb.v[i]; // constant indices: read straight from the parameters
    }
    __syncthreads();
}

__device__ __forceinline__ float decode4(const u8* packed, const float* absmax, i64 f, int blocksize,
                                         const float* code) {
    u8 byte = packed[f >> 1];
    int nibble = (f & 1) == 0 ? (byte >> 4) & 0xf : byte & 0xf;
    return code[nibble] * absmax[f / blocksize];
}

// out (n) = the decoded weight, float32. One thread per byte (two elements).
extern "C" __global__ void dequantize_4bit_f32(float* out, const u8* packed, const float* absmax, int n,
                                               int blocksize, Codebook cb) {
    __shared__ float code[16];
    load_codebook(code, cb);
    JG_GRID_LOOP(j, (int) (((i64) n + 1) / 2)) {
        u8 byte = packed[j];
        i64 f = 2 * (i64) j;
        float scale = absmax[f / blocksize];
        out[f] = code[(byte >> 4) & 0xf] * scale;
        if (f + 1 < n) out[f + 1] = code[byte & 0xf] * absmax[(f + 1) / blocksize];
    }
}

// y (rows) = W · x (cols): one warp per output row, lanes over the row, a fixed shuffle tree at the end.
// When cols and blocksize are multiples of 8 (and packed is 4-byte aligned), each lane reads whole 32-bit words (8 codes of one block);
// otherwise it decodes element by element. Block: 32 × warpsPerBlock threads (x = lane, y = warp).
extern "C" __global__ void gemv_4bit_f32(float* y, const u8* packed, const float* absmax, const float* x, int rows,
                                         int cols, int blocksize, Codebook cb) {
    __shared__ float code[16];
    load_codebook(code, cb);
    int lane = threadIdx.x;
    bool words = (cols & 7) == 0 && (blocksize & 7) == 0 && ((u64) packed & 3) == 0;
    for (int o = blockIdx.x * blockDim.y + threadIdx.y; o < rows; o += gridDim.x * blockDim.y) {
        i64 rowStart = (i64) o * cols;
        float acc = 0.0f;
        if (words) {
            const u32* w = (const u32*) (packed + rowStart / 2);
            int nWords = cols / 8;
            for (int i = lane; i < nWords; i += 32) {
                u32 word = w[i];
                int k = i * 8;
                float scale = absmax[(rowStart + k) / blocksize];
                float part = 0.0f;
#pragma unroll
                for (int e = 0; e < 8; e++) {
                    int shift = (e >> 1) * 8 + ((e & 1) == 0 ? 4 : 0);
                    part += code[(word >> shift) & 0xf] * x[k + e];
                }
                acc += part * scale;
            }
        } else {
            for (int k = lane; k < cols; k += 32) acc += decode4(packed, absmax, rowStart + k, blocksize, code) * x[k];
        }
        for (int s = 16; s > 0; s >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, s);
        if (lane == 0) y[o] = acc;
    }
}

// Y (m, rows) = X (m, cols) · Wᵀ: a shared-memory tiled product that decodes W tiles on load.
// Block 16 × 16 threads computes a 64 × 64 tile of Y, each thread a 4 × 4 micro-tile, over k-tiles of 16.
// Grid: (ceil(rows / 64), ceil(m / 64)).
#define TM 64
#define TN 64
#define TK 16
extern "C" __global__ void __launch_bounds__(256) gemm_4bit_f32(float* Y, const float* X, const u8* packed,
                                                                const float* absmax, int m, int rows, int cols,
                                                                int blocksize, Codebook cb) {
    __shared__ float Xs[TK][TM + 1];  // Xs[k][i] = X[i0 + i][k0 + k]
    __shared__ float Ws[TK][TN + 1];  // Ws[k][o] = W[o0 + o][k0 + k]
    __shared__ float code[16];
    load_codebook(code, cb);
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    int o0 = blockIdx.x * TN, i0 = blockIdx.y * TM;
    float acc[4][4];
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) acc[a][b] = 0.0f;
    for (int k0 = 0; k0 < cols; k0 += TK) {
        for (int idx = tid; idx < TM * TK; idx += 256) {
            int i = idx / TK, k = idx % TK;
            int gi = i0 + i, gk = k0 + k;
            Xs[k][i] = gi < m && gk < cols ? X[(i64) gi * cols + gk] : 0.0f;
            int go = o0 + i;
            Ws[k][i] = go < rows && gk < cols ? decode4(packed, absmax, (i64) go * cols + gk, blocksize, code) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TK; k++) {
            float xv[4], wv[4];
#pragma unroll
            for (int a = 0; a < 4; a++) xv[a] = Xs[k][ty + 16 * a];
#pragma unroll
            for (int b = 0; b < 4; b++) wv[b] = Ws[k][tx + 16 * b];
#pragma unroll
            for (int a = 0; a < 4; a++)
#pragma unroll
                for (int b = 0; b < 4; b++) acc[a][b] += xv[a] * wv[b];
        }
        __syncthreads();
    }
#pragma unroll
    for (int a = 0; a < 4; a++) {
        int gi = i0 + ty + 16 * a;
        if (gi >= m) continue;
#pragma unroll
        for (int b = 0; b < 4; b++) {
            int go = o0 + tx + 16 * b;
            if (go < rows) Y[(i64) gi * rows + go] = acc[a][b];
        }
    }
}

// GX (m, cols) = GY (m, rows) · W: the input gradient of Y = X · Wᵀ. The tiling of gemm_4bit_f32 with the sum running
// over W's rows instead of its columns: a block of 16 × 16 threads computes a 64 × 64 tile of GX (64 rows of GY
// against 64 columns of W), each thread a 4 × 4 micro-tile, over tiles of 16 rows of W, decoded on load. Every
// output is summed by one thread, rows of W in increasing order. Grid: (ceil(cols / 64), ceil(m / 64)).
extern "C" __global__ void __launch_bounds__(256) gemm_4bit_input_grad_f32(float* GX, const float* GY, const u8* packed,
                                                                           const float* absmax, int m, int rows,
                                                                           int cols, int blocksize, Codebook cb) {
    __shared__ float Gs[TK][TM + 1];  // Gs[o][i] = GY[i0 + i][o0 + o]
    __shared__ float Ws[TK][TN + 1];  // Ws[o][k] = W[o0 + o][k0 + k]
    __shared__ float code[16];
    load_codebook(code, cb);
    int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    int k0 = blockIdx.x * TN, i0 = blockIdx.y * TM;
    float acc[4][4];
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) acc[a][b] = 0.0f;
    for (int o0 = 0; o0 < rows; o0 += TK) {
        for (int idx = tid; idx < TM * TK; idx += 256) {
            int i = idx / TK, o = idx % TK;        // GY: neighbouring threads read neighbouring columns of a row
            int gi = i0 + i, go = o0 + o;
            Gs[o][i] = gi < m && go < rows ? GY[(i64) gi * rows + go] : 0.0f;
            int wo = idx / TN, wk = idx % TN;      // W: neighbouring threads decode neighbouring elements of a row
            int gwo = o0 + wo, gk = k0 + wk;
            Ws[wo][wk] = gwo < rows && gk < cols ? decode4(packed, absmax, (i64) gwo * cols + gk, blocksize, code) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int o = 0; o < TK; o++) {
            float gv[4], wv[4];
#pragma unroll
            for (int a = 0; a < 4; a++) gv[a] = Gs[o][ty + 16 * a];
#pragma unroll
            for (int b = 0; b < 4; b++) wv[b] = Ws[o][tx + 16 * b];
#pragma unroll
            for (int a = 0; a < 4; a++)
#pragma unroll
                for (int b = 0; b < 4; b++) acc[a][b] += gv[a] * wv[b];
        }
        __syncthreads();
    }
#pragma unroll
    for (int a = 0; a < 4; a++) {
        int gi = i0 + ty + 16 * a;
        if (gi >= m) continue;
#pragma unroll
        for (int b = 0; b < 4; b++) {
            int gk = k0 + tx + 16 * b;
            if (gk < cols) GX[(i64) gi * cols + gk] = acc[a][b];
        }
    }
}
