package dev.jgrad.core.kernels;

import dev.jgrad.core.parallel.Parallel;

import static dev.jgrad.core.kernels.SgemmMicroKernels.AS;
import static dev.jgrad.core.kernels.SgemmMicroKernels.L;
import static dev.jgrad.core.kernels.SgemmMicroKernels.MAX_KC;
import static dev.jgrad.core.kernels.SgemmMicroKernels.NR;

/**
 * Fast SGEMM on the Vector API: packed panels, cache blocking and a register-tiled FMA micro-kernel
 * (the Goto/BLIS algorithm), multi-threaded on {@link Parallel}'s pool.
 *
 * <h2>Algorithm</h2>
 * <pre>
 * for jc in 0..n step NC:                        B block: columns jc..jc+NC
 *   for pc in 0..k step KC:                      k block (k cut into equal blocks of &lt;= KC)
 *     pack op(B)[pc:+KC, jc:+NC] into KC×NR micro-panels   (shared by all threads; L2/L3)
 *     for ic in 0..m step MC:                    (runs of rows split across threads)
 *       pack op(A)[ic:+MC, pc:+KC] into MR×KC micro-panels (one block per thread)
 *       for ir in 0..MC step MR:                 one A micro-panel (MR×KC), stays in L1
 *         for jr in 0..NC step NR:               B micro-panels stream past it
 *           tile = Apanel(ir) · Bpanel(jr)       micro-kernel, MR×NR accumulators in registers
 *           C[ic+ir:+MR, jc+jr:+NR] = alpha·tile + (pc == 0 ? beta·C : C)
 * </pre>
 * The two inner loops are the BLIS ones swapped: here the MR×KC panel that is read by broadcasts is
 * the one kept in L1, and the wide KC×NR panels (two vector loads per k step) stream from L2/L3;
 * consecutive tiles then walk along the rows of C, which the hardware prefetcher follows. On the
 * Zen 4 this was tuned on (32 KiB L1d, 1 MiB L2 per core) it measured a few percent faster than the
 * BLIS order, and large KC (512: fewer passes over C) beat small.
 *
 * <p>The transposes are absorbed by packing ({@link SgemmPacking}); edge tiles are zero-padded there
 * and clipped on write-back. The micro-kernels are in {@link SgemmMicroKernels}: {@code 8×32} for
 * 512-bit vectors, {@code 4×16} when the preferred species is 256-bit (AVX2 has only 16 vector
 * registers); that class also says why these shapes.
 *
 * <h2>Direct path</h2>
 * When op(B) is small ({@code k <= KC} and {@code k·n <= 64K} floats, so B stays in L2: attention
 * heads, projections with a small k or n), packing would cost a large share of the product, so the
 * operands are read in place by strided kernels; see {@link #multiplyDirect}. It measured 5-10% faster
 * than the packed path on such shapes, and slower once B outgrows L2 (strided rows of a large B
 * thrash the caches).
 *
 * <h2>Determinism</h2>
 * Each C element is computed by exactly one thread: an FMA chain over p in increasing order inside a
 * k block, then {@code alpha·acc + beta·C} for the first k block and {@code alpha·acc + C} for the
 * next ones. Nothing in that sequence depends on the thread count, the partition, the tile shape,
 * MC/NC or the path (packed or direct), so results are bit-identical on 1 thread and on many. Only
 * the k blocks, which depend on k and KC alone, set the k order.
 *
 * <h2>Threads</h2>
 * Within one call the rows of C are split into contiguous runs of MR-row panels (or, when C is
 * short and wide, the columns into NR panels), a few runs per thread for load balance, and runs
 * smaller than about a million multiply-adds are not split off: small problems stay on the calling
 * thread. {@link #sgemmBatched} multiplies small matrices in parallel across the batch (one thread
 * per matrix: many attention heads) and large ones one after another, each split across the threads.
 * Called from inside a pool task, everything runs on that task's thread.
 *
 * <p>Pack buffers are per thread ({@link ThreadLocal}) and grow to the largest block seen, so a
 * steady stream of calls allocates nothing large.
 */
public final class VectorSgemm implements Sgemm {

    /**
     * Largest k block: an MR×KC A micro-panel (8·512 floats = 16 KiB) stays in L1 while B streams
     * past. k is cut into equal blocks of at most KC.
     */
    static final int DEFAULT_KC = MAX_KC;
    /** m block: rows of A packed at a time by one thread (one MC×KC block, 0.7 MiB, in L2). */
    static final int DEFAULT_MC = 336;
    /** n block: a KC×NC packed B block (8 MiB at most) lives in L3; packed once per k block. */
    static final int DEFAULT_NC = 4096;
    /** Multiply-adds below which a run of work is not worth handing to another thread. */
    static final long MIN_WORK_PER_PART = 1L << 20;
    /** Multiply-adds per matrix below which a batch is split across matrices rather than within. */
    static final long BATCH_SPLIT_WORK = 1L << 23;

    /**
     * Size of op(B), in floats, up to which a product with {@code k <= KC} skips packing (the direct
     * path): 64K floats, a quarter of L2, so B stays in L2 however its rows are strided.
     */
    static final long DEFAULT_DIRECT_MAX_B = 1L << 16;

    private final int mr, kc, mc, nc, forcedParts;
    private final long directMaxB;

    /** The tuned kernel for this machine's preferred vector species. */
    public VectorSgemm() {
        this(L >= 16 ? 8 : 4, DEFAULT_KC, DEFAULT_MC, DEFAULT_NC, 0, DEFAULT_DIRECT_MAX_B);
    }

    /**
     * A kernel with explicit blocking, for tests and tuning. {@code mr} is 8 or 4; {@code mc} is
     * rounded down to a multiple of mr and {@code nc} to a multiple of NR; {@code forcedParts > 0}
     * fixes how many runs each parallel step is split into (0: chosen from the thread count);
     * products with {@code k <= kc} and op(B) of at most {@code directMaxB} floats take the direct path.
     */
    VectorSgemm(int mr, int kc, int mc, int nc, int forcedParts, long directMaxB) {
        if (mr != 8 && mr != 4) throw new IllegalArgumentException("mr must be 8 or 4, got " + mr);
        if (kc < 1 || kc > MAX_KC || mc < mr || nc < NR || forcedParts < 0) {
            throw new IllegalArgumentException("bad blocking kc=" + kc + " mc=" + mc + " nc=" + nc
                    + " parts=" + forcedParts);
        }
        this.mr = mr;
        this.kc = kc;
        this.mc = mc / mr * mr;
        this.nc = nc / NR * NR;
        this.forcedParts = forcedParts;
        this.directMaxB = directMaxB;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      float[] a, int aOffset, int lda,
                      float[] b, int bOffset, int ldb,
                      float beta, float[] c, int cOffset, int ldc) {
        checkShape(m, n, k);
        checkOperands(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        multiply(new Operands(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                beta, c, cOffset, ldc));
    }

    @Override
    public void sgemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, long strideA,
                             float[] b, int bOffset, int ldb, long strideB,
                             float beta, float[] c, int cOffset, int ldc, long strideC) {
        if (batch < 0) throw new IllegalArgumentException("negative batch " + batch);
        if (strideA < 0 || strideB < 0 || strideC < 0) {
            throw new IllegalArgumentException("negative batch stride: strideA=" + strideA
                    + " strideB=" + strideB + " strideC=" + strideC);
        }
        checkShape(m, n, k);
        if (batch == 0) return;
        // Strides are non-negative, so the first and the last matrix bound all the others.
        checkOperands(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        long last = batch - 1L;
        checkOperands(transA, transB, m, n, k, a, index(aOffset + last * strideA, "A"), lda,
                b, index(bOffset + last * strideB, "B"), ldb, c, index(cOffset + last * strideC, "C"), ldc);

        long workPerMatrix = (long) m * n * k;
        long cFootprint = m == 0 ? 0 : (long) (m - 1) * ldc + n;
        boolean disjointC = strideC >= cFootprint;
        if (batch > 1 && Parallel.threads() > 1 && disjointC && workPerMatrix < BATCH_SPLIT_WORK) {
            // Many small matrices: one thread per matrix (the inner call then stays single-threaded).
            int grain = (int) Math.max(1, MIN_WORK_PER_PART / Math.max(1, workPerMatrix));
            Parallel.forRange(batch, grain, (from, to) -> {
                for (int i = from; i < to; i++) {
                    multiply(new Operands(transA, transB, m, n, k, alpha,
                            a, (int) (aOffset + i * strideA), lda, b, (int) (bOffset + i * strideB), ldb,
                            beta, c, (int) (cOffset + i * strideC), ldc));
                }
            });
        } else {
            for (int i = 0; i < batch; i++) {
                multiply(new Operands(transA, transB, m, n, k, alpha,
                        a, (int) (aOffset + i * strideA), lda, b, (int) (bOffset + i * strideB), ldb,
                        beta, c, (int) (cOffset + i * strideC), ldc));
            }
        }
    }

    /** One call's operands, so the blocked loops can hand them around in one piece. */
    private record Operands(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                            float beta, float[] c, int cOffset, int ldc) {}

    /** Per-thread scratch: packed A and B blocks and the micro-kernel's tile, grown on demand. */
    private static final class Workspace {
        float[] aPack = new float[0];
        float[] bPack = new float[0];
        final float[] tile = new float[8 * NR];

        float[] aPack(int size) {
            if (aPack.length < size) aPack = new float[size];
            return aPack;
        }

        float[] bPack(int size) {
            if (bPack.length < size) bPack = new float[size];
            return bPack;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private void multiply(Operands op) {
        int m = op.m, n = op.n, k = op.k;
        if (m == 0 || n == 0) return;
        if (k == 0 || op.alpha == 0f) {
            scaleC(op);
            return;
        }
        if (k <= kc && (long) k * n <= directMaxB) {
            multiplyDirect(op);
            return;
        }
        Workspace caller = WORKSPACE.get();
        int mPanels = ceilDiv(m, mr);
        // k blocks of equal depth (k = 768 as 2 × 384, not 512 + 256): a thin last block runs slowly.
        int kBlock = ceilDiv(k, ceilDiv(k, kc));
        for (int jc = 0; jc < n; jc += nc) {
            int cols = Math.min(nc, n - jc);
            int nPanels = ceilDiv(cols, NR);
            for (int pc = 0; pc < k; pc += kBlock) {
                int depth = Math.min(kBlock, k - pc);
                float beta = pc == 0 ? op.beta : 1f;
                float[] bPack = caller.bPack(nPanels * NR * depth);
                packBlockOfB(op, pc, depth, jc, cols, nPanels, bPack);

                long work = (long) m * cols * depth;
                if (mPanels >= nPanels) {
                    int parts = parts(work, mPanels);
                    int jcBlock = jc, pcBlock = pc;
                    Parallel.forChunks(parts, (from, to) -> {
                        int firstPanel = (int) ((long) mPanels * from / parts);
                        int endPanel = (int) ((long) mPanels * to / parts);
                        rowPanels(op, firstPanel, endPanel, pcBlock, depth, jcBlock, cols, bPack, beta);
                    });
                } else {
                    columnSplit(op, caller, pc, depth, jc, cols, nPanels, bPack, beta, work);
                }
            }
        }
    }

    /**
     * The direct path, for products whose B fits in L2 (one k block, {@code k·n <= 64K}: attention
     * heads, and projections with a small k or n). Packing would cost a large share of the product, so
     * operands are read in place: the strided kernel broadcasts A straight from its storage (either
     * orientation), and B stored {@code (k, n)} supplies its vector rows directly. Only what cannot be
     * read in place is packed: B stored {@code (n, k)} (it must be transposed anyway), a last partial
     * panel of B columns, and in each thread a last partial panel of A rows (zero-padded). Rows of C
     * are split across threads as on the packed path; per element the arithmetic is the same as there,
     * so both paths give the same bits.
     */
    private void multiplyDirect(Operands op) {
        int m = op.m, n = op.n, k = op.k;
        int nPanels = ceilDiv(n, NR);
        int packedFrom = op.transB ? 0 : n / NR;    // B panels from here on are packed
        float[] bPack = WORKSPACE.get().bPack(nPanels * NR * k);
        SgemmPacking.packB(op.transB, op.b, op.bOffset, op.ldb, 0, k, 0, n, packedFrom, nPanels, bPack);
        int mPanels = ceilDiv(m, mr);
        int parts = parts((long) m * n * k, mPanels);
        Parallel.forChunks(parts, (from, to) -> {
            int firstPanel = (int) ((long) mPanels * from / parts);
            int endPanel = (int) ((long) mPanels * to / parts);
            directRows(op, firstPanel, endPanel, bPack, packedFrom);
        });
    }

    /** Direct path over A panels {@code [firstPanel, endPanel)}: every B panel for each, unpacked. */
    private void directRows(Operands op, int firstPanel, int endPanel, float[] bPack, int packedFrom) {
        Workspace ws = WORKSPACE.get();
        int n = op.n, k = op.k;
        int nPanels = ceilDiv(n, NR);
        for (int ip = firstPanel; ip < endPanel; ip++) {
            int i0 = ip * mr;
            int rows = Math.min(mr, op.m - i0);
            float[] a;
            int aIndex, aRow, aStep;
            if (rows < mr) {
                a = ws.aPack(mr * AS);
                SgemmPacking.packA(op.transA, op.a, op.aOffset, op.lda, i0, rows, 0, k, mr, a);
                aIndex = 0; aRow = AS; aStep = 1;
            } else if (op.transA) {
                a = op.a; aIndex = op.aOffset + i0; aRow = 1; aStep = op.lda;
            } else {
                a = op.a; aIndex = op.aOffset + i0 * op.lda; aRow = op.lda; aStep = 1;
            }
            int cRow = op.cOffset + i0 * op.ldc;
            for (int jp = 0; jp < nPanels; jp++) {
                int j0 = jp * NR;
                if (jp < packedFrom) {
                    SgemmMicroKernels.multiplyDirect(mr, k, a, aIndex, aRow, aStep,
                            op.b, op.bOffset + j0, op.ldb, ws.tile);
                } else {
                    SgemmMicroKernels.multiplyDirect(mr, k, a, aIndex, aRow, aStep, bPack, j0 * k, NR, ws.tile);
                }
                SgemmMicroKernels.writeBack(ws.tile, rows, Math.min(NR, n - j0), op.alpha, op.beta,
                        op.c, cRow + j0, op.ldc);
            }
        }
    }

    /** Packs the B block, in parallel over its micro-panels when it is large. */
    private void packBlockOfB(Operands op, int pc, int depth, int jc, int cols, int nPanels, float[] bPack) {
        int parts = forcedParts > 0 ? Math.min(forcedParts, nPanels)
                : (long) depth * cols >= (1 << 16) ? Math.min(nPanels, Parallel.threads()) : 1;
        if (parts <= 1) {
            SgemmPacking.packB(op.transB, op.b, op.bOffset, op.ldb, pc, depth, jc, cols, 0, nPanels, bPack);
            return;
        }
        Parallel.forChunks(parts, (from, to) -> SgemmPacking.packB(op.transB, op.b, op.bOffset, op.ldb,
                pc, depth, jc, cols, (int) ((long) nPanels * from / parts), (int) ((long) nPanels * to / parts),
                bPack));
    }

    /** Rows split: A panels {@code [firstPanel, endPanel)} in MC blocks, each packed by this thread. */
    private void rowPanels(Operands op, int firstPanel, int endPanel, int pc, int depth, int jc, int cols,
                           float[] bPack, float beta) {
        Workspace ws = WORKSPACE.get();
        int mcPanels = mc / mr;
        int nPanels = ceilDiv(cols, NR);
        for (int ib = firstPanel; ib < endPanel; ib += mcPanels) {
            int i0 = ib * mr;
            int rows = Math.min(op.m, Math.min(endPanel, ib + mcPanels) * mr) - i0;
            float[] aPack = ws.aPack(ceilDiv(rows, mr) * mr * AS);
            SgemmPacking.packA(op.transA, op.a, op.aOffset, op.lda, i0, rows, pc, depth, mr, aPack);
            macroKernel(op, aPack, i0, rows, bPack, 0, nPanels, jc, cols, depth, beta, ws.tile);
        }
    }

    /** Columns split (C short and wide): each MC block of A is packed once and shared. */
    private void columnSplit(Operands op, Workspace caller, int pc, int depth, int jc, int cols, int nPanels,
                             float[] bPack, float beta, long work) {
        int parts = parts(work, nPanels);
        for (int i0 = 0; i0 < op.m; i0 += mc) {
            int rows = Math.min(mc, op.m - i0);
            float[] aPack = caller.aPack(ceilDiv(rows, mr) * mr * AS);
            SgemmPacking.packA(op.transA, op.a, op.aOffset, op.lda, i0, rows, pc, depth, mr, aPack);
            int rowStart = i0;
            Parallel.forChunks(parts, (from, to) -> macroKernel(op, aPack, rowStart, rows, bPack,
                    (int) ((long) nPanels * from / parts), (int) ((long) nPanels * to / parts),
                    jc, cols, depth, beta, WORKSPACE.get().tile));
        }
    }

    /** Every (B panel, A panel) pair of one packed block: micro-kernel, then write-back into C. */
    private void macroKernel(Operands op, float[] aPack, int i0, int rows, float[] bPack,
                             int firstBPanel, int endBPanel, int jc, int cols, int depth, float beta,
                             float[] tile) {
        int aPanels = ceilDiv(rows, mr);
        for (int ip = 0; ip < aPanels; ip++) {
            int liveRows = Math.min(mr, rows - ip * mr);
            int aIndex = ip * mr * AS;
            int cRow = op.cOffset + (i0 + ip * mr) * op.ldc + jc;
            for (int jp = firstBPanel; jp < endBPanel; jp++) {
                int j0 = jp * NR;
                SgemmMicroKernels.multiply(mr, depth, aPack, aIndex, bPack, j0 * depth, tile);
                SgemmMicroKernels.writeBack(tile, liveRows, Math.min(NR, cols - j0), op.alpha, beta,
                        op.c, cRow + j0, op.ldc);
            }
        }
    }

    /** How many runs to split {@code panels} into: a few per thread, none smaller than a minimum of work. */
    private int parts(long work, int panels) {
        if (forcedParts > 0) return Math.min(forcedParts, panels);
        int threads = Parallel.threads();
        if (threads == 1 || Parallel.inWorker()) return 1;
        long byWork = Math.max(1, work / MIN_WORK_PER_PART);
        return (int) Math.min(Math.min(panels, byWork), 4L * threads);
    }

    /** {@code C = beta·C} (zeros when beta is 0): what is left of the product when k or alpha is 0. */
    private static void scaleC(Operands op) {
        for (int i = 0; i < op.m; i++) {
            int row = op.cOffset + i * op.ldc;
            for (int j = 0; j < op.n; j++) op.c[row + j] = op.beta == 0f ? 0f : op.beta * op.c[row + j];
        }
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static void checkShape(int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative sgemm size m=" + m + " n=" + n + " k=" + k);
        }
    }

    private static int index(long offset, String name) {
        if (offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("batch offset of " + name + " overflows an int: " + offset);
        }
        return (int) offset;
    }

    private static void checkOperands(boolean transA, boolean transB, int m, int n, int k,
                                      float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                      float[] c, int cOffset, int ldc) {
        if (k > 0) {
            checkMatrix("A", a, aOffset, lda, transA ? k : m, transA ? m : k);
            checkMatrix("B", b, bOffset, ldb, transB ? n : k, transB ? k : n);
        }
        checkMatrix("C", c, cOffset, ldc, m, n);
    }

    /** A stored {@code (rows, cols)} matrix at {@code offset} with row stride {@code ld} must fit. */
    private static void checkMatrix(String name, float[] array, int offset, int ld, int rows, int cols) {
        if (rows == 0 || cols == 0) return;
        if (array == null) throw new NullPointerException(name + " is null");
        if (ld < cols) {
            throw new IllegalArgumentException("ld" + name.toLowerCase() + "=" + ld + " is less than the "
                    + cols + " columns of " + name + " stored as (" + rows + ", " + cols + ")");
        }
        long last = (long) offset + (long) (rows - 1) * ld + cols - 1;
        if (offset < 0 || last >= array.length) {
            throw new IllegalArgumentException(name + " stored as (" + rows + ", " + cols + ") with ld"
                    + name.toLowerCase() + "=" + ld + " at offset " + offset + " needs indices up to " + last
                    + " but the array has length " + array.length);
        }
    }
}
