// Element-wise kernels: fill, copy with dtype conversion, unary and binary functions, where.
//
// Every kernel walks a Strided layout (see jgrad.cuh) with a grid-stride loop: operands are arbitrary strided
// views, broadcast operands have stride 0. float32 is computed in float, float64 in double, and every other
// dtype through double (the reference backend's rule).
#include "jgrad.cuh"

// Op codes: the ordinals of dev.jgrad.core.backend.UnaryOp / BinaryOp (checked by KernelSourcesTest).
#define UOP_NEG 0
#define UOP_EXP 1
#define UOP_LOG 2
#define UOP_SQRT 3
#define UOP_RSQRT 4
#define UOP_ABS 5
#define UOP_SIGN 6
#define UOP_RECIPROCAL 7
#define UOP_SQUARE 8
#define UOP_SIN 9
#define UOP_COS 10
#define UOP_TANH 11
#define UOP_SIGMOID 12
#define UOP_RELU 13
#define UOP_GELU 14
#define UOP_GELU_TANH 15
#define UOP_SILU 16

#define BOP_ADD 0
#define BOP_SUB 1
#define BOP_MUL 2
#define BOP_DIV 3
#define BOP_POW 4
#define BOP_MAXIMUM 5
#define BOP_MINIMUM 6
#define BOP_EQ 7
#define BOP_NE 8
#define BOP_LT 9
#define BOP_LE 10
#define BOP_GT 11
#define BOP_GE 12
#define BOP_RELU_BACKWARD 13
#define BOP_GELU_BACKWARD 14
#define BOP_GELU_TANH_BACKWARD 15
#define BOP_SILU_BACKWARD 16
#define BOP_SIGMOID_BACKWARD 17
#define BOP_TANH_BACKWARD 18

#define SQRT1_2 0.7071067811865476
#define SQRT_2_OVER_PI 0.7978845608028654
#define INV_SQRT_2PI 0.3989422804014327

// The definitions of UnaryOp, in T = float or double.
template <typename T>
__device__ __forceinline__ T unary_apply(int op, T x) {
    const T one = (T) 1, half = (T) 0.5, zero = (T) 0;
    switch (op) {
        case UOP_NEG: return -x;
        case UOP_EXP: return jg_exp(x);
        case UOP_LOG: return jg_log(x);
        case UOP_SQRT: return jg_sqrt(x);
        case UOP_RSQRT: return one / jg_sqrt(x);
        case UOP_ABS: return x < zero ? -x : (x == zero ? zero : x);
        case UOP_SIGN: return x > zero ? one : (x < zero ? -one : x); // keeps ±0 and NaN, as Math.signum
        case UOP_RECIPROCAL: return one / x;
        case UOP_SQUARE: return x * x;
        case UOP_SIN: return jg_sin(x);
        case UOP_COS: return jg_cos(x);
        case UOP_TANH: return jg_tanh(x);
        case UOP_SIGMOID: return one / (one + jg_exp(-x));
        case UOP_RELU: return x > zero ? x : zero;
        // x·Φ(x) = x/2 · erfc(−x/√2): erfc keeps full relative accuracy for negative x, where 1 + erf cancels.
        case UOP_GELU: return half * x * jg_erfc(-x * (T) SQRT1_2);
        case UOP_GELU_TANH: return half * x * (one + jg_tanh((T) SQRT_2_OVER_PI * (x + (T) 0.044715 * x * x * x)));
        case UOP_SILU: return x / (one + jg_exp(-x));
        default: return jg_nan();
    }
}

// The definitions of BinaryOp (comparisons give 1 or 0).
template <typename T>
__device__ __forceinline__ T binary_apply(int op, T a, T b) {
    const T one = (T) 1, half = (T) 0.5, zero = (T) 0;
    switch (op) {
        case BOP_ADD: return a + b;
        case BOP_SUB: return a - b;
        case BOP_MUL: return a * b;
        case BOP_DIV: return a / b;
        case BOP_POW: return jg_pow(a, b);
        case BOP_MAXIMUM: return (jg_isnan(a) || jg_isnan(b)) ? (T) jg_nan() : (a > b ? a : b);
        case BOP_MINIMUM: return (jg_isnan(a) || jg_isnan(b)) ? (T) jg_nan() : (a < b ? a : b);
        case BOP_EQ: return a == b ? one : zero;
        case BOP_NE: return a != b ? one : zero;
        case BOP_LT: return a < b ? one : zero;
        case BOP_LE: return a <= b ? one : zero;
        case BOP_GT: return a > b ? one : zero;
        case BOP_GE: return a >= b ? one : zero;
        case BOP_RELU_BACKWARD: return a > zero ? b : zero;
        case BOP_GELU_BACKWARD: {
            T cdf = half * jg_erfc(-a * (T) SQRT1_2);
            T pdf = jg_exp(-half * a * a) * (T) INV_SQRT_2PI;
            return b * (cdf + a * pdf);
        }
        case BOP_GELU_TANH_BACKWARD: {
            T k = (T) SQRT_2_OVER_PI;
            T t = jg_tanh(k * (a + (T) 0.044715 * a * a * a));
            T dInner = k * (one + (T) (3 * 0.044715) * a * a);
            return b * (half * (one + t) + half * a * (one - t * t) * dInner);
        }
        case BOP_SILU_BACKWARD: {
            T s = one / (one + jg_exp(-a));
            return b * s * (one + a * (one - s));
        }
        case BOP_SIGMOID_BACKWARD: return b * a * (one - a);
        case BOP_TANH_BACKWARD: return b * (one - a * a);
        default: return jg_nan();
    }
}

// ---- data movement -------------------------------------------------------------------------------------

// dst[i] = value for every element of the view. L: one operand (dst).
extern "C" __global__ void fill(Strided L, void* dst, int dtype, double value) {
    JG_GRID_LOOP(i, L.numel) jg_store_double(dst, dtype, jg_offset(L, 0, i), value);
}

// dst[i] = src[i] converting dtypes. L: operands (src, dst). Same dtype: the bytes are copied (elemBytes);
// integer to integer: exactly through 64 bits; otherwise through double.
extern "C" __global__ void copy(Strided L, const void* src, int srcDtype, void* dst, int dstDtype, int elemBytes) {
    bool integral = srcDtype >= DT_I64 && dstDtype >= DT_I64;
    JG_GRID_LOOP(i, L.numel) {
        i64 off[2];
        jg_offsets<2>(L, i, off);
        if (srcDtype == dstDtype) {
            switch (elemBytes) {
                case 8: ((u64*) dst)[off[1]] = ((const u64*) src)[off[0]]; break;
                case 4: ((u32*) dst)[off[1]] = ((const u32*) src)[off[0]]; break;
                case 2: ((u16*) dst)[off[1]] = ((const u16*) src)[off[0]]; break;
                default: ((u8*) dst)[off[1]] = ((const u8*) src)[off[0]]; break;
            }
        } else if (integral) {
            jg_store_long(dst, dstDtype, off[1], jg_load_long(src, srcDtype, off[0]));
        } else {
            jg_store_double(dst, dstDtype, off[1], jg_load_double(src, srcDtype, off[0]));
        }
    }
}

// ---- unary ----------------------------------------------------------------------------------------------

// out = op(x), float32. L: operands (x, out).
extern "C" __global__ void unary_f32(Strided L, int op, const float* x, float* out) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[2];
        jg_offsets<2>(L, i, off);
        out[off[1]] = unary_apply<float>(op, x[off[0]]);
    }
}

// out = op(x) computed in double for any dtypes (float64 and the rare others). L: operands (x, out).
extern "C" __global__ void unary_generic(Strided L, int op, const void* x, int xDtype, void* out, int outDtype) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[2];
        jg_offsets<2>(L, i, off);
        jg_store_double(out, outDtype, off[1], unary_apply<double>(op, jg_load_double(x, xDtype, off[0])));
    }
}

// ---- binary ---------------------------------------------------------------------------------------------

// out = op(a, b), float32 operands; out is float32, or BOOL bytes when outBool != 0. L: (a, b, out).
extern "C" __global__ void binary_f32(Strided L, int op, const float* a, const float* b, void* out, int outBool) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[3];
        jg_offsets<3>(L, i, off);
        float r = binary_apply<float>(op, a[off[0]], b[off[1]]);
        if (outBool) ((u8*) out)[off[2]] = r != 0.0f ? 1 : 0;
        else ((float*) out)[off[2]] = r;
    }
}

// out = op(a, b) computed in double for any dtypes. L: (a, b, out).
extern "C" __global__ void binary_generic(Strided L, int op, const void* a, int aDtype, const void* b, int bDtype,
                                          void* out, int outDtype) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[3];
        jg_offsets<3>(L, i, off);
        double r = binary_apply<double>(op, jg_load_double(a, aDtype, off[0]), jg_load_double(b, bDtype, off[1]));
        jg_store_double(out, outDtype, off[2], r);
    }
}

// out = cond ? a : b; a, b and out share one dtype of elemBytes bytes; cond is read as nonzero-is-true.
// L: (cond, a, b, out).
extern "C" __global__ void where_select(Strided L, const void* cond, int condDtype, const void* a, const void* b,
                                        void* out, int elemBytes) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[4];
        jg_offsets<4>(L, i, off);
        bool c = jg_load_double(cond, condDtype, off[0]) != 0.0;
        const void* s = c ? a : b;
        i64 so = c ? off[1] : off[2];
        switch (elemBytes) {
            case 8: ((u64*) out)[off[3]] = ((const u64*) s)[so]; break;
            case 4: ((u32*) out)[off[3]] = ((const u32*) s)[so]; break;
            case 2: ((u16*) out)[off[3]] = ((const u16*) s)[so]; break;
            default: ((u8*) out)[off[3]] = ((const u8*) s)[so]; break;
        }
    }
}
