package dev.jgrad.core.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes a directory all at once, so that a crash (kill -9, power loss) at any moment leaves either the old
 * directory or the new one, never a mixture. Every writer of a multi-file artifact (training checkpoints,
 * Hugging Face exports, PEFT adapters) goes through here.
 *
 * <p><b>Protocol.</b> For a target {@code dir}:
 * <ol>
 *   <li>{@link #recover} (below) cleans up after any earlier interrupted write;</li>
 *   <li>the body fills the fresh sibling {@code dir.tmp}; every file in it and the directory itself are forced to
 *       disk ({@code fsync}), so the renames below can never expose a directory whose data is still in flight;</li>
 *   <li>{@code dir → dir.old} (if there was one), then {@code dir.tmp → dir}: the commit point; the parent
 *       directory is forced so the renames are durable;</li>
 *   <li>{@code dir.old} is deleted.</li>
 * </ol>
 * Both renames must be atomic: a file system that cannot rename atomically (the sibling on another mount) is an
 * error, never a silent copy, since a copy interrupted half-way is exactly the torn state this class exists to
 * prevent.
 *
 * <p><b>Recovery.</b> A crash before the commit leaves the previous directory authoritative: still at {@code dir},
 * or at {@code dir.old} when the crash fell between the two renames. {@link #recover} renames a lone
 * {@code dir.old} back, deletes a stale {@code dir.old} beside a committed {@code dir}, and deletes a half-built
 * {@code dir.tmp}. Readers call it before reading; {@link #write} calls it before writing.
 */
public final class AtomicDirectory {

    /** What fills the temporary directory. */
    @FunctionalInterface
    public interface Body {
        void write(Path tmp) throws IOException;
    }

    private AtomicDirectory() {}

    /** Writes {@code dir} with {@code body}, atomically replacing any directory already there. */
    public static void write(Path dir, Body body) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        if (Files.exists(target) && !Files.isDirectory(target))
            throw new IOException(target + " exists and is not a directory");
        recover(target);
        Path tmp = tempSibling(target), old = backupSibling(target);
        Files.createDirectory(tmp);
        try {
            body.write(tmp);
            forceTree(tmp);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        boolean hadOld = Files.exists(target);
        if (hadOld) move(target, old);
        move(tmp, target);                      // the commit point
        forceDirectory(target.getParent());
        if (hadOld) deleteRecursively(old);
    }

    /**
     * Brings {@code dir} back to a consistent state after an interrupted {@link #write}: restores {@code dir.old}
     * if {@code dir} is missing, deletes a stale {@code dir.old} beside a committed {@code dir}, and deletes an
     * unfinished {@code dir.tmp}.
     */
    public static void recover(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize(), old = backupSibling(target), tmp = tempSibling(target);
        if (Files.exists(old)) {
            if (Files.exists(target)) deleteRecursively(old);
            else {
                move(old, target);
                forceDirectory(target.getParent());
            }
        }
        deleteRecursively(tmp);
    }

    /** {@code dir.tmp}: where a write is built. */
    public static Path tempSibling(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".tmp");
    }

    /** {@code dir.old}: where the previous directory waits during the commit. */
    public static Path backupSibling(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".old");
    }

    /** Deletes {@code p} and everything under it (nothing if it does not exist). */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException ignored) {
            // recover() removes it on the next write or read
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
        }
    }

    /** fsync of every regular file under {@code dir}, then of the directories (deepest first). */
    private static void forceTree(Path dir) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(dir)) {
            all = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : all) {
            if (Files.isRegularFile(p)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        }
        for (Path p : all) if (Files.isDirectory(p)) forceDirectory(p);
    }

    /** fsync of a directory, so that renames and new entries in it are durable (best effort off Linux). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some platforms cannot open or sync directories; the renames are still atomic there.
        }
    }
}
