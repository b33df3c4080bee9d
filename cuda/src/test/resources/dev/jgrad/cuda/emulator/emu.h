// The CPU emulator of jgrad's CUDA kernels (tests only). Force-included before every kernel file
// (g++ -DJG_EMULATOR -include emu.h), it defines the CUDA keywords and built-ins the kernels use, so that the very
// sources NVRTC compiles for the GPU run on the CPU: the threads of a block are fibers on one OS thread
// (emu_runtime.cpp), switched at __syncthreads, __syncwarp and warp shuffles; blocks run one after another.
// __shared__ variables become function statics (one block at a time uses them); dynamic shared memory is a
// buffer filled with 0xFF bytes (NaN) before every block, so a read before a write shows.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(n)
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
    unsigned x, y, z;
};

namespace jg_emu {
const dim3& thread_idx();
extern thread_local dim3 block_idx, block_dim, grid_dim;
void sync_block();
void sync_warp();
uint64_t shuffle_xor(uint64_t bits, int laneMask);
void trap();
void* dynamic_shared();
unsigned dynamic_shared_bytes();
}  // namespace jg_emu

#define threadIdx (jg_emu::thread_idx())
#define blockIdx (jg_emu::block_idx)
#define blockDim (jg_emu::block_dim)
#define gridDim (jg_emu::grid_dim)

inline void __syncthreads() { jg_emu::sync_block(); }
inline void __syncwarp(unsigned = 0xffffffffu) { jg_emu::sync_warp(); }
inline void __trap() { jg_emu::trap(); }

// Every lane of the warp stores its value, the warp meets, each reads its partner's, the warp meets again.
template <typename T>
inline T __shfl_xor_sync(unsigned, T value, int laneMask) {
    static_assert(sizeof(T) <= 8, "shuffles of at most 64 bits");
    uint64_t bits = 0;
    memcpy(&bits, &value, sizeof(T));
    uint64_t other = jg_emu::shuffle_xor(bits, laneMask);
    T out;
    memcpy(&out, &other, sizeof(T));
    return out;
}

inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
inline float __uint_as_float(unsigned u) { float f; memcpy(&f, &u, 4); return f; }
inline unsigned __float_as_uint(float f) { unsigned u; memcpy(&u, &f, 4); return u; }

// Host forms of the lines jgrad.cuh writes in PTX (see JG_EMULATOR there).
inline float jg_emu_f16_to_float(unsigned short h) { _Float16 x; memcpy(&x, &h, 2); return (float) x; }
inline unsigned short jg_emu_float_to_f16(float f) { _Float16 x = (_Float16) f; unsigned short h; memcpy(&h, &x, 2); return h; }
inline void* jg_emu_dynamic_shared() { return jg_emu::dynamic_shared(); }
inline unsigned jg_emu_dynamic_shared_bytes() { return jg_emu::dynamic_shared_bytes(); }
