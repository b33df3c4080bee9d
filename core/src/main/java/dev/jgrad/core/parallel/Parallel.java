package dev.jgrad.core.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.stream.Stream;

/**
 * The one thread pool every jgrad kernel shares.
 *
 * <p>The pool has one worker per <em>physical</em> core (hyper-threads share FMA units, so a second
 * thread per core only adds contention to compute-bound kernels). Override with
 * {@code -Djgrad.threads=N}.
 *
 * <p>Work is split into chunks whose boundaries depend only on the problem size and the grain, never
 * on the number of threads, so a kernel that combines per-chunk partial results in chunk order gives
 * bit-identical answers on 1 thread and on 16.
 */
public final class Parallel {

    /** A body that processes the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = configuredThreads();
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    private Parallel() {}

    /** Number of worker threads kernels may use. */
    public static int threads() {
        return THREADS;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into contiguous chunks of at least {@code grain}
     * indices. Small problems (fewer than two chunks) run on the calling thread.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        grain = Math.max(1, grain);
        int chunks = chunkCount(n, grain);
        if (chunks <= 1 || POOL == null || inWorker()) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new Chunks(n, chunks, 0, chunks, body));
    }

    /**
     * Runs {@code body(chunk)} for every chunk index in {@code [0, chunks)}, in parallel. Callers that
     * reduce use a chunk count that depends only on the problem size, then combine partials in order.
     */
    public static void forChunks(int chunks, RangeBody body) {
        forRange(chunks, 1, body);
    }

    /**
     * Number of chunks to split {@code n} items into with at least {@code grain} items each: a few per
     * thread for load balance. Depends on {@link #threads()}: use only where partition does not matter.
     */
    static int chunkCount(int n, int grain) {
        long byGrain = Math.max(1, n / grain);
        return (int) Math.min(byGrain, (long) THREADS * 4);
    }

    /** True on a pool worker: nested parallel calls then run inline instead of oversubscribing. */
    public static boolean inWorker() {
        return POOL != null && ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == POOL;
    }

    private static final class Chunks extends RecursiveAction {
        private final int n, chunks, lo, hi;
        private final RangeBody body;

        Chunks(int n, int chunks, int lo, int hi, RangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                long from = (long) n * lo / chunks, to = (long) n * (lo + 1) / chunks;
                body.run((int) from, (int) to);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunks(n, chunks, lo, mid, body), new Chunks(n, chunks, mid, hi, body));
        }
    }

    private static int configuredThreads() {
        String prop = System.getProperty("jgrad.threads");
        if (prop != null && !prop.isBlank()) {
            try {
                int t = Integer.parseInt(prop.trim());
                if (t >= 1) return t;
            } catch (NumberFormatException ignored) {
                // fall through to the warning
            }
            System.err.println("jgrad: ignoring -Djgrad.threads=" + prop + " (expected a positive integer)");
        }
        return physicalCores();
    }

    /** Physical cores from Linux sysfs (unique thread-sibling sets), else the logical processor count. */
    static int physicalCores() {
        int logical = Runtime.getRuntime().availableProcessors();
        Path cpus = Path.of("/sys/devices/system/cpu");
        if (!Files.isDirectory(cpus)) return logical;
        Set<String> cores = new HashSet<>();
        try (Stream<Path> entries = Files.list(cpus)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!name.matches("cpu\\d+")) continue;
                Path siblings = p.resolve("topology/thread_siblings_list");
                if (Files.isReadable(siblings)) cores.add(Files.readString(siblings).trim());
            }
        } catch (IOException | RuntimeException e) {
            return logical;
        }
        // A container may restrict us to fewer CPUs than the host has.
        return cores.isEmpty() ? logical : Math.max(1, Math.min(cores.size(), logical));
    }
}
