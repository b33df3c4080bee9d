package dev.jgrad.examples.fuzz;

import dev.jgrad.nn.data.CorpusException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What every fuzz harness of this package shares: the rule that decides whether a parser's reaction to some bytes
 * is acceptable, an allocation budget, and temporary files.
 *
 * <p><b>The rule.</b> A parser given arbitrary bytes may succeed, or fail with one of the errors it documents for bad
 * input — an {@link IOException} (the project's {@code SafetensorsFormatException}, {@code CheckpointFormatException}
 * and {@code TokenizerFormatException} are ones), an {@link IllegalArgumentException}, an {@link UncheckedIOException}
 * or a {@link CorpusException} — carrying a non-empty message, since that message is what the command line prints.
 * Anything else is a bug: an {@code ArrayIndexOutOfBoundsException}, {@code NullPointerException},
 * {@code ClassCastException}, {@code ArithmeticException}, {@code NegativeArraySizeException}, an
 * {@code IllegalStateException} from an internal check, a {@link NumberFormatException} (whose message names
 * neither the file nor the field), {@link OutOfMemoryError} or {@link StackOverflowError}.
 *
 * <p><b>Allocation budget.</b> The inputs are a few kilobytes, so reading one must not allocate much either: a
 * header that claims a huge tensor, vocabulary or model must be refused before anything of that size exists. The
 * bytes the calling thread allocates (HotSpot's per-thread counter) are measured around the parse and must stay
 * under {@link #ALLOCATION_BUDGET}; a claim large enough to exhaust the heap fails as an {@link OutOfMemoryError}
 * anyway. Hangs are caught by the {@code @Timeout} on each fuzz test, which Jazzer also applies to each input while
 * fuzzing.
 */
final class FuzzSupport {

    /** Bytes one parse of a fuzzed input (at most a few KiB, plus its fixed companion files) may allocate. */
    static final long ALLOCATION_BUDGET = 64L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** A parse under test. */
    @FunctionalInterface
    interface Parse {
        void run() throws Exception;
    }

    /** Something to do with a scratch directory. */
    @FunctionalInterface
    interface InDirectory {
        void run(Path dir) throws Exception;
    }

    private FuzzSupport() {}

    /**
     * Runs {@code parse} and fails (with an {@link AssertionError} that keeps the cause) unless it returns, or throws
     * a documented error with a message, within the allocation budget. A parse over the budget is run a second time
     * and judged by that run: the first use of a class loads it, and Jazzer's agent instruments it, on the calling
     * thread, which can cost more than the budget once. So a parse must be repeatable (each builds its own objects).
     */
    static void expectCleanOutcome(Parse parse) {
        long allocated = allocatedBy(parse);
        if (allocated > ALLOCATION_BUDGET) allocated = allocatedBy(parse);
        if (allocated > ALLOCATION_BUDGET)
            throw new AssertionError("the parse allocated " + allocated + " bytes, over the budget of "
                    + ALLOCATION_BUDGET);
    }

    /** Bytes allocated by the calling thread while {@code parse} ran, after checking how it ended. */
    private static long allocatedBy(Parse parse) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        try {
            parse.run();
        } catch (Throwable t) {
            if (!isDocumentedError(t)) throw new AssertionError("the parser failed with an undocumented " + t, t);
            if (t.getMessage() == null || t.getMessage().isBlank())
                throw new AssertionError("the parser failed with " + t.getClass().getName() + " without a message", t);
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /** True for the errors the parsers document for bad input (see the class comment). */
    static boolean isDocumentedError(Throwable t) {
        if (t instanceof NumberFormatException) return false;
        return t instanceof IOException || t instanceof IllegalArgumentException || t instanceof UncheckedIOException
                || t instanceof CorpusException;
    }

    /** Runs {@code body} with a fresh temporary directory, deleted afterwards whatever happens. */
    static void inTempDirectory(InDirectory body) throws Exception {
        Path dir = Files.createTempDirectory("jgrad-fuzz");
        try {
            body.run(dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    /** Writes {@code data} to {@code dir/name} and returns the path. */
    static Path write(Path dir, String name, byte[] data) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, data);
        return file;
    }

    /** The bytes of a fixture under {@code /dev/jgrad/examples/fuzz/fixtures/} on the test class path. */
    static byte[] fixture(String name) {
        try (var in = FuzzSupport.class.getResourceAsStream("fixtures/" + name)) {
            if (in == null) throw new IllegalStateException("missing fuzz fixture " + name + " (run FuzzSeeds)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        }
    }
}
