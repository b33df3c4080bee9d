package dev.jgrad.cuda;

/**
 * A kernel launch shape: grid and block dimensions and dynamic shared memory, with the policies that choose
 * them. Every policy picks the <em>block</em> size from the problem size alone, never from the device, and the
 * kernels assign each output to one thread or one block independently of the grid size, so a result does not
 * depend on the GPU model or on how many blocks run at once.
 *
 * <ul>
 *   <li>{@link #elementwise}: 256 threads, one grid-stride loop, at most 32 blocks per multiprocessor.</li>
 *   <li>{@link #rows}: one block per row (grid-stride over rows), the block a power of two between 32 and 1024
 *       giving each thread about 4 elements of the row (tree reductions need a power of two).</li>
 *   <li>{@link #reduction}: one thread per output for reduced lengths below {@link #BLOCK_REDUCE_MIN}, else
 *       one block per output, sized like {@link #rows}.</li>
 * </ul>
 */
record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {

    static final int ELEMENTWISE_THREADS = 256;
    static final int MAX_THREADS = 1024;
    static final int MAX_GRID_X = Integer.MAX_VALUE;
    static final int MAX_GRID_YZ = 65535;
    /** Reduced lengths from which one block (not one thread) produces each output. */
    static final int BLOCK_REDUCE_MIN = 512;

    LaunchConfig {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ)
            throw new IllegalArgumentException("grid (" + gridX + ", " + gridY + ", " + gridZ + ") is out of range");
        long threads = (long) blockX * blockY * blockZ;
        if (blockX < 1 || blockY < 1 || blockZ < 1 || threads > MAX_THREADS || blockZ > 64)
            throw new IllegalArgumentException("block (" + blockX + ", " + blockY + ", " + blockZ + ") is out of range");
        if (sharedBytes < 0) throw new IllegalArgumentException("shared memory " + sharedBytes + " < 0");
    }

    static LaunchConfig of1d(int grid, int block) {
        return new LaunchConfig(grid, 1, 1, block, 1, 1, 0);
    }

    /** A grid-stride loop over {@code n} elements: 256 threads, enough blocks to cover n, at most 32 per SM. */
    static LaunchConfig elementwise(long n, int multiprocessors) {
        long blocks = (n + ELEMENTWISE_THREADS - 1) / ELEMENTWISE_THREADS;
        long cap = 32L * Math.max(1, multiprocessors);
        return of1d((int) Math.max(1, Math.min(blocks, cap)), ELEMENTWISE_THREADS);
    }

    /** One block per row of {@code cols} elements, grid-stride over {@code rows}. */
    static LaunchConfig rows(int rows, int cols, int multiprocessors) {
        long cap = 64L * Math.max(1, multiprocessors);
        return of1d((int) Math.max(1, Math.min(rows, cap)), rowThreads(cols));
    }

    /** The power-of-two block size for rows of {@code cols}: about 4 elements per thread, in [32, 1024]. */
    static int rowThreads(int cols) {
        int want = (cols + 3) / 4;
        int t = 32;
        while (t < want && t < MAX_THREADS) t <<= 1;
        return t;
    }

    /** True when {@link #reduction} uses one block per output. */
    static boolean blockPerOutput(int reducedLength) {
        return reducedLength >= BLOCK_REDUCE_MIN;
    }

    /** The launch for {@code outputs} reductions of {@code reducedLength} elements each. */
    static LaunchConfig reduction(int outputs, int reducedLength, int multiprocessors) {
        if (blockPerOutput(reducedLength)) return rows(outputs, reducedLength, multiprocessors);
        return elementwise(outputs, multiprocessors);
    }

    /** A 2-D grid: x blocks of {@code threadsX} threads cover {@code nx}; y covers {@code ny} up to 65535 (grid-stride beyond). */
    static LaunchConfig columnsByRows(int nx, int ny, int threadsX) {
        int gx = Math.max(1, (nx + threadsX - 1) / threadsX);
        int gy = Math.max(1, Math.min(ny, MAX_GRID_YZ));
        return new LaunchConfig(gx, gy, 1, threadsX, 1, 1, 0);
    }

    LaunchConfig withSharedBytes(int bytes) {
        return new LaunchConfig(gridX, gridY, gridZ, blockX, blockY, blockZ, bytes);
    }

    int threadsPerBlock() {
        return blockX * blockY * blockZ;
    }
}
