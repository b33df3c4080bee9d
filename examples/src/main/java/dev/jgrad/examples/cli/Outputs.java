package dev.jgrad.examples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The rules every command follows for what it writes:
 * <ul>
 *   <li>an existing non-empty output is refused unless the user says {@code --overwrite} (or {@code --resume});</li>
 *   <li>an output that is, or holds, one of the command's inputs is refused always;</li>
 *   <li>a command that fails removes what it created, and nothing else: a run directory it made goes (unless training
 *       got as far as a checkpoint, which {@code --resume} can continue); a file or folder is first written beside its
 *       target under a name that says so ({@code .NAME.jgrad-partial}) and renamed into place at the end, and a
 *       partial one left by a killed run is removed by the next.</li>
 * </ul>
 */
final class Outputs {

    private Outputs() {}

    /** Refuses an output path with no name of its own ({@code /}): nothing can be written beside it. */
    static Path checkWritable(Path out, String option) {
        Path abs = out.toAbsolutePath().normalize();
        if (abs.getParent() == null || abs.getFileName() == null)
            throw new IllegalArgumentException(option + " " + out + " is a file system root: give a new directory, e.g. "
                    + option + " runs/mine");
        return abs;
    }

    /** True when {@code dir} does not exist or is an empty directory. */
    static boolean absentOrEmpty(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return true;
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
    }

    /** The real path of {@code p} when it exists, else its absolute normal form (so links and {@code ..} compare equal). */
    static Path real(Path p) {
        try {
            return Files.exists(p) ? p.toRealPath() : p.toAbsolutePath().normalize();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * Refuses {@code out} when it is {@code input} or a folder that holds it (writing there would destroy it);
     * {@code inOption} names the input in the message ({@code --adapter}), or is null for an input without one.
     */
    static void refuseInput(Path out, String outOption, Path input, String inOption) {
        Path o = real(out), i = real(input);
        String what = "the input " + (inOption == null ? "" : inOption + " ") + input;
        if (i.equals(o))
            throw new IllegalArgumentException(outOption + " " + out + " is " + what + ": write somewhere else");
        if (i.startsWith(o))
            throw new IllegalArgumentException(outOption + " " + out + " holds " + what + ": write somewhere else");
    }

    /** The sibling where {@code target} is built before it is renamed into place. */
    static Path partial(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + ".jgrad-partial");
    }

    /** Moves the finished {@code staging} onto {@code target}, replacing what is there (the caller checked it may). */
    static void replace(Path staging, Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            move(staging, abs);
            return;
        }
        Path old = abs.resolveSibling("." + abs.getFileName() + ".jgrad-old");
        deleteRecursively(old);
        move(abs, old);
        move(staging, abs);
        deleteRecursively(old);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes {@code p} and everything under it, following no links. */
    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /**
     * A run directory a command writes into ({@code train}, {@code finetune}, {@code search}, {@code demo}). Opening
     * refuses an existing non-empty directory unless {@code overwrite}, and then only a jgrad run directory (one with
     * {@code config.json}, {@code metrics.csv} or {@code results.csv}), whose contents are removed first. Closing without {@link #completed}
     * (the command failed) removes the directory if this command created it, unless it holds a checkpoint.
     */
    static final class RunDirectory implements AutoCloseable {
        private final Path dir;
        private final boolean created;
        private final PrintStream err;
        private boolean completed;

        private RunDirectory(Path dir, boolean created, PrintStream err) {
            this.dir = dir;
            this.created = created;
            this.err = err;
        }

        /** Claims {@code dir} for a new run (see the class comment) that reads {@code inputs} (null: none); creates it. */
        static RunDirectory create(Path dir, boolean overwrite, PrintStream err, Path... inputs) throws IOException {
            Path abs = checkWritable(dir, "--out");
            for (Path input : inputs) if (input != null) refuseInput(abs, "--out", input, null);
            boolean existed = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
            if (existed && !Files.isDirectory(abs)) throw new IllegalArgumentException("--out " + dir + " is a file, not a directory");
            if (!absentOrEmpty(abs)) {
                if (!overwrite)
                    throw new IllegalArgumentException("--out " + dir + " already exists and is not empty: give --overwrite to"
                            + " replace it, --resume " + dir + " to continue a run there, or another --out");
                if (Stream.of("config.json", "metrics.csv", "results.csv").noneMatch(f -> Files.isRegularFile(abs.resolve(f))))
                    throw new IllegalArgumentException("--overwrite replaces only a jgrad run directory (one holding"
                            + " config.json, metrics.csv or results.csv): " + dir + " is not one");
                try (Stream<Path> s = Files.list(abs)) {
                    for (Path p : s.toList()) deleteRecursively(p);
                }
            }
            Files.createDirectories(abs);
            return new RunDirectory(abs, !existed, err);
        }

        /** An existing run directory that {@code --resume} continues: never removed. */
        static RunDirectory existing(Path dir, PrintStream err) {
            return new RunDirectory(dir.toAbsolutePath().normalize(), false, err);
        }

        Path path() {
            return dir;
        }

        /** The command finished: keep everything. */
        void completed() {
            completed = true;
        }

        @Override
        public void close() throws IOException {
            if (completed || !created || !Files.exists(dir)) return;
            if (Files.exists(dir.resolve("checkpoints/last"))) {
                err.println("kept " + dir + ": it holds a checkpoint (--resume " + dir + " continues it)");
                return;
            }
            deleteRecursively(dir);
        }
    }
}
