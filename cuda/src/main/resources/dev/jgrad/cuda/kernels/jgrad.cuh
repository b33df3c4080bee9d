// jgrad.cuh: definitions shared by every jgrad kernel file.
//
// NVRTC compiles each .cu file at run time with this header passed in memory (no include path, no system
// headers), so nothing here or in the kernels may include <...> headers. The Java side mirrors every constant
// and struct below (CudaDTypes, OpCodes, DeviceLayout); KernelSourcesTest checks that the two agree.
#ifndef JGRAD_CUH
#define JGRAD_CUH

// The test suite also compiles these sources as host C++ (g++ with -DJG_EMULATOR and its shim header, which
// defines the CUDA keywords and built-ins) and runs the kernels on CPU fibers, one per GPU thread: the few lines
// with inline PTX or extern shared memory have a host form under JG_EMULATOR. NVRTC never defines it.

typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

// ---- dtype codes (Java: CudaDTypes.code) ------------------------------------------------------------
#define DT_F64 0
#define DT_F32 1
#define DT_F16 2
#define DT_BF16 3
#define DT_I64 4
#define DT_I32 5
#define DT_I16 6
#define DT_I8 7
#define DT_U8 8
#define DT_BOOL 9

// ---- strided operands (Java: DeviceLayout) ----------------------------------------------------------
// Up to JG_MAX_OPS same-shaped operands over JG_MAX_RANK coalesced dims. Element number `linear` (row-major
// over `shape`) of operand k sits at storage index sum_d coord_d * strides[k][d], relative to the operand's
// base pointer (the host folds the tensor offset into the pointer). Passed to kernels by value.
#define JG_MAX_RANK 8
#define JG_MAX_OPS 4
struct Strided {
    int rank;
    int numel;
    int shape[JG_MAX_RANK];
    int strides[JG_MAX_OPS][JG_MAX_RANK];
};

// Storage index of element `linear` for operand k: unravel from the last dim (the same loop as
// DeviceLayout.offsetOf on the host).
__device__ __forceinline__ i64 jg_offset(const Strided& L, int k, int linear) {
    if (L.rank == 1) return (i64) linear * L.strides[k][0];
    i64 pos = 0;
    for (int d = L.rank - 1; d >= 0; d--) {
        int size = L.shape[d];
        pos += (i64) (linear % size) * L.strides[k][d];
        linear /= size;
    }
    return pos;
}

// Offsets of several operands at once (one unravel).
template <int N>
__device__ __forceinline__ void jg_offsets(const Strided& L, int linear, i64* out) {
    if (L.rank == 1) {
        for (int k = 0; k < N; k++) out[k] = (i64) linear * L.strides[k][0];
        return;
    }
    for (int k = 0; k < N; k++) out[k] = 0;
    for (int d = L.rank - 1; d >= 0; d--) {
        int size = L.shape[d];
        int c = linear % size;
        linear /= size;
        for (int k = 0; k < N; k++) out[k] += (i64) c * L.strides[k][d];
    }
}

// Grid-stride loop over [0, n): every thread visits i = global id, id + total threads, ... The step is taken in
// 64 bits, so n close to 2^31 cannot overflow the index.
__device__ __forceinline__ int jg_grid_next(int i, int n) {
    i64 j = (i64) i + (i64) blockDim.x * gridDim.x;
    return j < n ? (int) j : n;
}
#define JG_GRID_LOOP(i, n) \
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i = jg_grid_next(i, (n)))

// ---- 16-bit float conversions (no cuda_fp16.h under NVRTC without include paths) ----------------------
__device__ __forceinline__ float jg_bf16_to_float(u16 b) { return __uint_as_float(((u32) b) << 16); }

// Round to nearest even; NaN stays a quiet NaN (the same rule as DType.floatToBf16).
__device__ __forceinline__ u16 jg_float_to_bf16(float f) {
    u32 u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (u16) ((u >> 16) | 0x0040u);
    return (u16) ((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ float jg_f16_to_float(u16 h) {
#ifdef JG_EMULATOR
    return jg_emu_f16_to_float(h);
#else
    float f;
    asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
    return f;
#endif
}

__device__ __forceinline__ u16 jg_float_to_f16(float f) {
#ifdef JG_EMULATOR
    return jg_emu_float_to_f16(f);
#else
    u16 h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
    return h;
#endif
}

__device__ __forceinline__ float jg_inf() { return __int_as_float(0x7f800000); }
__device__ __forceinline__ float jg_nan() { return __int_as_float(0x7fc00000); }

// ---- loads and stores of any dtype (the semantics of Storage.getDouble / setDouble) -----------------
__device__ __forceinline__ double jg_load_double(const void* p, int dt, i64 i) {
    switch (dt) {
        case DT_F64: return ((const double*) p)[i];
        case DT_F32: return ((const float*) p)[i];
        case DT_F16: return jg_f16_to_float(((const u16*) p)[i]);
        case DT_BF16: return jg_bf16_to_float(((const u16*) p)[i]);
        case DT_I64: return (double) ((const i64*) p)[i];
        case DT_I32: return ((const int*) p)[i];
        case DT_I16: return ((const short*) p)[i];
        case DT_I8: return ((const signed char*) p)[i];
        case DT_U8: return ((const u8*) p)[i];
        default: return ((const signed char*) p)[i]; // BOOL
    }
}

// Integers: (int) and (long) casts of a double saturate and send NaN to 0, as Java's casts do; the narrow
// types wrap from a 64-bit value, as Java's (short)(long) / (byte)(long) do; BOOL stores v != 0.
__device__ __forceinline__ void jg_store_double(void* p, int dt, i64 i, double v) {
    switch (dt) {
        case DT_F64: ((double*) p)[i] = v; break;
        case DT_F32: ((float*) p)[i] = (float) v; break;
        case DT_F16: ((u16*) p)[i] = jg_float_to_f16((float) v); break;
        case DT_BF16: ((u16*) p)[i] = jg_float_to_bf16((float) v); break;
        case DT_I64: ((i64*) p)[i] = (i64) v; break;
        case DT_I32: ((int*) p)[i] = (int) v; break;
        case DT_I16: ((short*) p)[i] = (short) (i64) v; break;
        case DT_I8: ((signed char*) p)[i] = (signed char) (i64) v; break;
        case DT_U8: ((u8*) p)[i] = (u8) (i64) v; break;
        default: ((u8*) p)[i] = v != 0.0 ? 1 : 0; break; // BOOL (NaN != 0: true)
    }
}

// Exact integer path (Storage.getLong / setLong) for integer-to-integer copies.
__device__ __forceinline__ i64 jg_load_long(const void* p, int dt, i64 i) {
    switch (dt) {
        case DT_I64: return ((const i64*) p)[i];
        case DT_I32: return ((const int*) p)[i];
        case DT_I16: return ((const short*) p)[i];
        case DT_I8: return ((const signed char*) p)[i];
        case DT_U8: return ((const u8*) p)[i];
        default: return ((const signed char*) p)[i]; // BOOL
    }
}

__device__ __forceinline__ void jg_store_long(void* p, int dt, i64 i, i64 v) {
    switch (dt) {
        case DT_I64: ((i64*) p)[i] = v; break;
        case DT_I32: ((int*) p)[i] = (int) v; break;
        case DT_I16: ((short*) p)[i] = (short) v; break;
        case DT_I8: ((signed char*) p)[i] = (signed char) v; break;
        case DT_U8: ((u8*) p)[i] = (u8) v; break;
        default: ((u8*) p)[i] = v != 0 ? 1 : 0; break; // BOOL
    }
}

// An index element (I32 or I64) as a 64-bit integer.
__device__ __forceinline__ i64 jg_load_index(const void* p, int dt, i64 i) {
    return dt == DT_I32 ? (i64) ((const int*) p)[i] : ((const i64*) p)[i];
}

// ---- dynamic shared memory ------------------------------------------------------------------------------
// JG_DYNAMIC_SHARED(float, smem); declares the block's dynamic shared memory as `float* smem` (16-byte aligned);
// jg_dynamic_smem_bytes() is its size as launched.
#ifdef JG_EMULATOR
#define JG_DYNAMIC_SHARED(type, name) type* name = (type*) jg_emu_dynamic_shared()
__device__ __forceinline__ unsigned jg_dynamic_smem_bytes() { return jg_emu_dynamic_shared_bytes(); }
#else
#define JG_DYNAMIC_SHARED(type, name) extern __shared__ __align__(16) type name[]
__device__ __forceinline__ unsigned jg_dynamic_smem_bytes() {
    unsigned r;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(r));
    return r;
}
#endif

// ---- integer min / max (own, so nothing depends on which helpers a compiler predefines) -------------
__device__ __forceinline__ int jg_min(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int jg_max(int a, int b) { return a > b ? a : b; }

// ---- math overloads for float and double (NVRTC has no <cmath>) --------------------------------------
__device__ __forceinline__ float jg_exp(float x) { return expf(x); }
__device__ __forceinline__ double jg_exp(double x) { return exp(x); }
__device__ __forceinline__ float jg_log(float x) { return logf(x); }
__device__ __forceinline__ double jg_log(double x) { return log(x); }
__device__ __forceinline__ float jg_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double jg_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float jg_sin(float x) { return sinf(x); }
__device__ __forceinline__ double jg_sin(double x) { return sin(x); }
__device__ __forceinline__ float jg_cos(float x) { return cosf(x); }
__device__ __forceinline__ double jg_cos(double x) { return cos(x); }
__device__ __forceinline__ float jg_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double jg_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float jg_erfc(float x) { return erfcf(x); }
__device__ __forceinline__ double jg_erfc(double x) { return erfc(x); }
__device__ __forceinline__ float jg_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double jg_pow(double a, double b) { return pow(a, b); }
__device__ __forceinline__ bool jg_isnan(float x) { return x != x; }
__device__ __forceinline__ bool jg_isnan(double x) { return x != x; }

// ---- block reductions in a fixed order ----------------------------------------------------------------
// Tree sum over the block (blockDim.x a power of two, at most 1024) through `scratch` (blockDim.x slots):
// pairs (i, i + s) for s = blockDim/2, ..., 1. The order depends only on blockDim, so results are the same
// on every run. Every thread gets the total. Ends with a barrier, so `scratch` may be reused at once.
template <typename T>
__device__ __forceinline__ T jg_block_sum(T v, T* scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x >> 1; s > 0; s >>= 1) {
        if (threadIdx.x < s) scratch[threadIdx.x] += scratch[threadIdx.x + s];
        __syncthreads();
    }
    T total = scratch[0];
    __syncthreads();
    return total;
}

// Tree maximum (NaN wins, like the CPU kernels' max of a row).
template <typename T>
__device__ __forceinline__ T jg_block_max(T v, T* scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = blockDim.x >> 1; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            T a = scratch[threadIdx.x], b = scratch[threadIdx.x + s];
            scratch[threadIdx.x] = (jg_isnan(a) || a >= b) ? a : b;
        }
        __syncthreads();
    }
    T total = scratch[0];
    __syncthreads();
    return total;
}

// Java's Math.max / Math.min on doubles: NaN if either is NaN (fmax would return the other operand).
__device__ __forceinline__ double jg_max_nan(double a, double b) { return (a != a || b != b) ? a + b : (a > b ? a : b); }

// ---- the dropout mask of fused attention (Java: dev.jgrad.core.backend.AttentionDropout) ---------------
// Keep/drop of weight (b, h, i, j) is a pure function of those coordinates and a 64-bit seed, so the backward
// regenerates the forward's mask and the GPU draws exactly the CPU's mask. __host__ too: a host-compiled test
// checks these bits against the Java implementation.
__host__ __device__ __forceinline__ u64 jg_mix64(u64 z) {        // SplitMix64's finaliser
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The 32-bit key of query row (batch, head, i): Java's rowKey, with its int-to-long sign extensions.
__host__ __device__ __forceinline__ u32 jg_dropout_row_key(u64 seed, int batch, int head, int i) {
    u64 z = jg_mix64(seed + 0x9E3779B97F4A7C15ull);
    z = jg_mix64(z ^ (u64) (i64) batch);
    z = jg_mix64(z ^ (((u64) (i64) head << 32) | (u64) (u32) i));
    return (u32) (z ^ (z >> 32));
}

// 32 mixed bits for key j of a row: x = rowKey + j·0x9E3779B9, then Wellons' lowbias32 (wrapping u32 maths).
__host__ __device__ __forceinline__ u32 jg_dropout_bits(u32 rowKey, int j) {
    u32 x = rowKey + (u32) j * 0x9E3779B9u;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

// Kept when the top 24 bits, a uniform integer in [0, 2^24), reach threshold = round(p · 2^24).
__host__ __device__ __forceinline__ bool jg_dropout_keep(u32 rowKey, int j, int threshold) {
    return (int) (jg_dropout_bits(rowKey, j) >> 8) >= threshold;
}

#endif
