// Indexing: index_select, index_add, gather, scatter_add, and the embedding forward/backward pair.
//
// None of these use atomics. The adding kernels give every destination element a single owner thread that
// adds its contributions in index order, so results are bit-identical on every run:
//  - index_add / scatter_add: one thread per position of all the OTHER dims; it walks the indexed dim in order.
//    Two threads never share a destination element, because they differ in some other coordinate.
//  - embedding_backward: the host sorts token positions by id (a stable counting sort, EmbeddingBackwardPlan);
//    one thread per (distinct id, column) sums its positions in ascending order.
#include "jgrad.cuh"

__device__ __forceinline__ void copy_element(void* dst, i64 d, const void* src, i64 s, int elemBytes) {
    switch (elemBytes) {
        case 8: ((u64*) dst)[d] = ((const u64*) src)[s]; break;
        case 4: ((u32*) dst)[d] = ((const u32*) src)[s]; break;
        case 2: ((u16*) dst)[d] = ((const u16*) src)[s]; break;
        default: ((u8*) dst)[d] = ((const u8*) src)[s]; break;
    }
}

// out = the slices of x along dim at index. L over out's shape with operands (out, x with the dim's stride
// zeroed, coordinate) where the coordinate operand has stride 1 on dim and 0 elsewhere, so its offset IS the
// position j along dim. x's element is then at off[1] + index[j] * xDimStride.
extern "C" __global__ void index_select(Strided L, void* out, const void* x, int elemBytes, const void* index,
                                        int indexDtype, int indexStride, int xDimStride) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[3];
        jg_offsets<3>(L, i, off);
        i64 row = jg_load_index(index, indexDtype, off[2] * indexStride);
        copy_element(out, off[0], x, off[1] + row * xDimStride, elemBytes);
    }
}

// dst[..., index[i], ...] += src[..., i, ...]. L over src's shape with dim removed, operands (src, dst), both
// without dim; the thread walks i = 0 .. n-1 in order.
template <typename T>
__device__ void index_add_impl(const Strided& L, T* dst, int dstDimStride, const T* src, int srcDimStride,
                               const void* index, int indexDtype, int indexStride, int n) {
    JG_GRID_LOOP(o, L.numel) {
        i64 off[2];
        jg_offsets<2>(L, o, off);
        for (int i = 0; i < n; i++) {
            i64 row = jg_load_index(index, indexDtype, (i64) i * indexStride);
            dst[off[1] + row * dstDimStride] += src[off[0] + (i64) i * srcDimStride];
        }
    }
}

extern "C" __global__ void index_add_f32(Strided L, float* dst, int dstDimStride, const float* src, int srcDimStride,
                                         const void* index, int indexDtype, int indexStride, int n) {
    index_add_impl<float>(L, dst, dstDimStride, src, srcDimStride, index, indexDtype, indexStride, n);
}
extern "C" __global__ void index_add_f64(Strided L, double* dst, int dstDimStride, const double* src,
                                         int srcDimStride, const void* index, int indexDtype, int indexStride, int n) {
    index_add_impl<double>(L, dst, dstDimStride, src, srcDimStride, index, indexDtype, indexStride, n);
}

// out[i][j][k] = x[i][index[i][j][k]][k] (any dim). L over out's shape with operands (out, index, x with the
// dim's stride zeroed).
extern "C" __global__ void gather(Strided L, void* out, const void* x, int elemBytes, int xDimStride,
                                  const void* index, int indexDtype) {
    JG_GRID_LOOP(i, L.numel) {
        i64 off[3];
        jg_offsets<3>(L, i, off);
        i64 row = jg_load_index(index, indexDtype, off[1]);
        copy_element(out, off[0], x, off[2] + row * xDimStride, elemBytes);
    }
}

// dst[i][index[i][j][k]][k] += src[i][j][k] (any dim). L over index's shape with dim removed, operands (index,
// src, dst) without dim; the thread walks j = 0 .. n-1 along dim in order.
template <typename T>
__device__ void scatter_add_impl(const Strided& L, T* dst, int dstDimStride, const T* src, int srcDimStride,
                                 const void* index, int indexDtype, int indexDimStride, int n) {
    JG_GRID_LOOP(o, L.numel) {
        i64 off[3];
        jg_offsets<3>(L, o, off);
        for (int j = 0; j < n; j++) {
            i64 row = jg_load_index(index, indexDtype, off[0] + (i64) j * indexDimStride);
            dst[off[2] + row * dstDimStride] += src[off[1] + (i64) j * srcDimStride];
        }
    }
}

extern "C" __global__ void scatter_add_f32(Strided L, float* dst, int dstDimStride, const float* src,
                                           int srcDimStride, const void* index, int indexDtype, int indexDimStride,
                                           int n) {
    scatter_add_impl<float>(L, dst, dstDimStride, src, srcDimStride, index, indexDtype, indexDimStride, n);
}
extern "C" __global__ void scatter_add_f64(Strided L, double* dst, int dstDimStride, const double* src,
                                           int srcDimStride, const void* index, int indexDtype, int indexDimStride,
                                           int n) {
    scatter_add_impl<double>(L, dst, dstDimStride, src, srcDimStride, index, indexDtype, indexDimStride, n);
}

// ---- embedding ------------------------------------------------------------------------------------------

// out (n, cols) row i = weight row ids[i]; weight rows are weightRowStride apart. Grid: x over columns,
// y over rows (grid-stride).
extern "C" __global__ void embedding_forward_f32(float* out, const float* weight, int weightRowStride,
                                                 const void* ids, int idsDtype, int n, int cols) {
    for (int i = blockIdx.y; i < n; i += gridDim.y) {
        i64 row = jg_load_index(ids, idsDtype, i);
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += blockDim.x * gridDim.x)
            out[(i64) i * cols + c] = weight[row * weightRowStride + c];
    }
}

// dWeight (vocab, cols) += Σ over the positions of each id of dOut (n, cols). The plan (host-built):
// rows[u] is the u-th distinct id, its positions are positions[starts[u] .. starts[u+1]) in ascending order.
// Grid: x over columns, y over distinct ids (grid-stride).
extern "C" __global__ void embedding_backward_f32(float* dWeight, const float* dOut, const int* rows,
                                                  const int* starts, const int* positions, int distinct, int cols) {
    for (int u = blockIdx.y; u < distinct; u += gridDim.y) {
        int row = rows[u], from = starts[u], to = starts[u + 1];
        for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += blockDim.x * gridDim.x) {
            float acc = 0.0f;
            for (int p = from; p < to; p++) acc += dOut[(i64) positions[p] * cols + c];
            dWeight[(i64) row * cols + c] += acc;
        }
    }
}
