package dev.jgrad.core.parallel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * The team of threads every jgrad kernel shares.
 *
 * <p>One thread per <em>physical</em> core works on each parallel loop: the calling thread plus
 * {@code threads() − 1} daemon workers (hyper-threads share FMA units, so a second thread per core only adds
 * contention to compute-bound kernels). Override with {@code -Djgrad.threads=N} (a value that is not a positive
 * integer is ignored with a warning through this class's {@link System.Logger}).
 *
 * <p>Why not a {@code ForkJoinPool}: a training step of a small model runs hundreds of parallel loops of a
 * fraction of a millisecond each. Handing each one to parked pool threads and waiting costs tens of
 * microseconds per loop and leaves the caller idle. Here the caller takes chunks itself, and workers spin for a
 * short while after a loop before they park, so the next loop starts at once — the policy of OpenMP runtimes.
 *
 * <p>Chunk boundaries depend only on the problem size and the chunk count; a kernel that combines per-chunk
 * partial results in chunk order gives bit-identical answers on 1 thread and on 16. Loops started inside a
 * loop, or while another thread's loop holds the team, run on the calling thread.
 */
public final class Parallel {

    /** A body that processes the half-open index range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = configuredThreads();
    /** Spins (~100 ns each) a worker waits for the next loop before parking. */
    private static final int SPINS = 20_000;

    private static final ReentrantLock TEAM_LOCK = new ReentrantLock();
    private static final ThreadLocal<boolean[]> IN_LOOP = ThreadLocal.withInitial(() -> new boolean[1]);
    private static final Worker[] WORKERS = startWorkers();
    private static volatile Job current;
    private static volatile long epoch;

    private Parallel() {}

    /** Number of threads that work on a parallel loop (the caller included). */
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
        if (chunks <= 1 || WORKERS.length == 0 || inWorker() || !TEAM_LOCK.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            run(new Job(n, chunks, body));
        } finally {
            TEAM_LOCK.unlock();
        }
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

    /** True inside a parallel loop: nested loops then run inline instead of oversubscribing. */
    public static boolean inWorker() {
        return IN_LOOP.get()[0];
    }

    // ---- the team -------------------------------------------------------------------------------

    /** One parallel loop: chunks are claimed from a counter by whichever thread is free. */
    private static final class Job {
        final int n, chunks;
        final RangeBody body;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger finished = new AtomicInteger();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        Job(int n, int chunks, RangeBody body) {
            this.n = n;
            this.chunks = chunks;
            this.body = body;
        }

        /** Claims and runs chunks until none is left. */
        void work() {
            boolean[] flag = IN_LOOP.get();
            flag[0] = true;
            try {
                int c;
                while ((c = next.getAndIncrement()) < chunks) {
                    try {
                        if (error.get() == null) {
                            long from = (long) n * c / chunks, to = (long) n * (c + 1) / chunks;
                            body.run((int) from, (int) to);
                        }
                    } catch (Throwable t) {
                        error.compareAndSet(null, t);
                    } finally {
                        finished.incrementAndGet();
                    }
                }
            } finally {
                flag[0] = false;
            }
        }
    }

    private static void run(Job job) {
        current = job;
        epoch++;                                   // publishes the job (volatile write after it)
        for (Worker w : WORKERS) if (w.parked) LockSupport.unpark(w);
        job.work();
        while (job.finished.get() < job.chunks) Thread.onSpinWait();
        current = null;
        Throwable t = job.error.get();
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException(t);
    }

    private static final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("jgrad-worker-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                int spins = 0;
                while (epoch == seen) {
                    if (spins++ < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        parked = true;
                        if (epoch == seen) LockSupport.park(this);
                        parked = false;
                    }
                }
                seen = epoch;
                Job job = current;
                if (job != null) job.work();
            }
        }
    }

    private static Worker[] startWorkers() {
        Worker[] workers = new Worker[Math.max(0, THREADS - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
        return workers;
    }

    private static int configuredThreads() {
        return configuredThreads(System.getProperty("jgrad.threads"));
    }

    /** The thread count for a {@code jgrad.threads} property value (null when unset). */
    static int configuredThreads(String prop) {
        if (prop != null && !prop.isBlank()) {
            try {
                int t = Integer.parseInt(prop.trim());
                if (t >= 1) return t;
            } catch (NumberFormatException ignored) {
                // fall through to the warning
            }
            System.getLogger(Parallel.class.getName()).log(System.Logger.Level.WARNING,
                    "jgrad: ignoring -Djgrad.threads=" + prop + " (expected a positive integer)");
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
