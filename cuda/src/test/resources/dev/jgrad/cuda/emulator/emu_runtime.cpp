// The fiber scheduler of the CPU emulator (see emu.h): runs one kernel launch, block by block; the threads of a
// block are ucontext fibers on the calling thread. A fiber runs until it finishes or meets a barrier:
// __syncthreads releases when every live thread of the block waits at it, __syncwarp (and each half of a shuffle)
// when every live thread of the warp does. Threads run in order 0, 1, 2, ... (or in reverse), so a thread that
// reads shared memory another writes later, without a barrier between, reads garbage. A barrier no schedule can
// release (divergence) and __trap() end the launch with an error instead of hanging.
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include <string>
#include <vector>

namespace jg_emu {

thread_local dim3 block_idx, block_dim, grid_dim;

namespace {

enum State { RUNNABLE, AT_BLOCK_BARRIER, AT_WARP_BARRIER, DONE };

struct Fiber {
    ucontext_t context;
    dim3 tid;
    int linear;
    State state;
};

constexpr size_t STACK_BYTES = 256 << 10;

struct Launch {
    void (*kernel)(void**);
    void** args;
    std::vector<Fiber> fibers;
    ucontext_t scheduler;
    int current = -1;
    std::vector<uint64_t> lanes;  // one shuffle slot per thread
    std::vector<unsigned char> shared;
    unsigned sharedBytes = 0;
    bool failed = false;
    std::string error;
};

thread_local Launch* L = nullptr;
thread_local std::vector<char*> stacks;  // reused across launches

Fiber& me() { return L->fibers[L->current]; }

void wait(State s) {
    Fiber& f = me();
    f.state = s;
    swapcontext(&f.context, &L->scheduler);
}

void fiber_main() {
    L->kernel(L->args);
    me().state = DONE;  // uc_link returns to the scheduler
}

std::string where() {
    char b[160];
    snprintf(b, sizeof b, "block (%u, %u, %u) thread (%u, %u, %u)", block_idx.x, block_idx.y, block_idx.z, me().tid.x,
             me().tid.y, me().tid.z);
    return b;
}

// Runs one block to completion; false with L->error set on a trap or a barrier that cannot be released.
bool run_block(bool reverse) {
    int n = (int) L->fibers.size();
    for (int i = 0; i < n; i++) {
        Fiber& f = L->fibers[i];
        getcontext(&f.context);
        f.context.uc_stack.ss_sp = stacks[i];
        f.context.uc_stack.ss_size = STACK_BYTES;
        f.context.uc_link = &L->scheduler;
        makecontext(&f.context, fiber_main, 0);
        f.state = RUNNABLE;
    }
    if (!L->shared.empty()) memset(L->shared.data(), 0xFF, L->shared.size());
    for (;;) {
        bool ran = false;
        for (int k = 0; k < n; k++) {
            int i = reverse ? n - 1 - k : k;
            if (L->fibers[i].state != RUNNABLE) continue;
            L->current = i;
            swapcontext(&L->scheduler, &L->fibers[i].context);
            ran = true;
            if (L->failed) return false;
        }
        int live = 0, atBlock = 0;
        for (Fiber& f : L->fibers) {
            if (f.state != DONE) live++;
            if (f.state == AT_BLOCK_BARRIER) atBlock++;
        }
        if (live == 0) return true;
        if (atBlock == live) {
            for (Fiber& f : L->fibers) f.state = RUNNABLE;
            continue;
        }
        bool released = false;
        for (int w = 0; w < n; w += 32) {
            int liveW = 0, atWarp = 0;
            for (int i = w; i < n && i < w + 32; i++) {
                if (L->fibers[i].state != DONE) liveW++;
                if (L->fibers[i].state == AT_WARP_BARRIER) atWarp++;
            }
            if (liveW > 0 && atWarp == liveW) {
                for (int i = w; i < n && i < w + 32; i++) L->fibers[i].state = RUNNABLE;
                released = true;
            }
        }
        if (!released && !ran) {
            char b[200];
            snprintf(b, sizeof b, "barrier divergence in block (%u, %u, %u): %d live threads, %d at __syncthreads, the"
                     " others at a warp barrier their warp cannot complete", block_idx.x, block_idx.y, block_idx.z,
                     live, atBlock);
            L->error = b;
            return false;
        }
    }
}

}  // namespace

const dim3& thread_idx() { return me().tid; }

void sync_block() { wait(AT_BLOCK_BARRIER); }

void sync_warp() { wait(AT_WARP_BARRIER); }

uint64_t shuffle_xor(uint64_t bits, int laneMask) {
    int self = me().linear;
    L->lanes[self] = bits;
    sync_warp();
    int partner = (self & ~31) | ((self & 31) ^ (laneMask & 31));
    uint64_t out = partner < (int) L->lanes.size() ? L->lanes[partner] : bits;
    sync_warp();
    return out;
}

void trap() {
    L->failed = true;
    L->error = "__trap() in " + where();
    me().state = DONE;
    swapcontext(&me().context, &L->scheduler);  // never resumed
}

void* dynamic_shared() { return L->shared.empty() ? nullptr : L->shared.data(); }

unsigned dynamic_shared_bytes() { return L->sharedBytes; }

}  // namespace jg_emu

// Runs kernel(args) on a (gx, gy, gz) grid of (bx, by, bz) blocks with sharedBytes of dynamic shared memory, to
// completion. Returns 0, or 1 with a message in error (at most errorCapacity bytes).
extern "C" int jg_emu_launch(void (*kernel)(void**), void** args, int gx, int gy, int gz, int bx, int by, int bz,
                             int sharedBytes, int reverse, char* error, int errorCapacity) {
    using namespace jg_emu;
    Launch launch;
    launch.kernel = kernel;
    launch.args = args;
    int n = bx * by * bz;
    launch.fibers.resize(n);
    for (int z = 0, i = 0; z < bz; z++)
        for (int y = 0; y < by; y++)
            for (int x = 0; x < bx; x++, i++) {
                launch.fibers[i].tid = {(unsigned) x, (unsigned) y, (unsigned) z};
                launch.fibers[i].linear = i;
            }
    launch.lanes.assign(n, 0);
    launch.shared.assign((size_t) sharedBytes, 0xFF);
    launch.sharedBytes = (unsigned) sharedBytes;
    while ((int) stacks.size() < n) stacks.push_back((char*) malloc(STACK_BYTES));
    Launch* previous = L;
    L = &launch;
    grid_dim = {(unsigned) gx, (unsigned) gy, (unsigned) gz};
    block_dim = {(unsigned) bx, (unsigned) by, (unsigned) bz};
    int status = 0;
    for (int z = 0; z < gz && status == 0; z++)
        for (int y = 0; y < gy && status == 0; y++)
            for (int x = 0; x < gx && status == 0; x++) {
                block_idx = {(unsigned) x, (unsigned) y, (unsigned) z};
                if (!run_block(reverse != 0)) status = 1;
            }
    if (status != 0) snprintf(error, (size_t) errorCapacity, "%s", launch.error.c_str());
    L = previous;
    return status;
}
