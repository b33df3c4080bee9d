package dev.jgrad.transformer.checkpoint;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a directory all at once: the files go into a fresh sibling {@code .name.tmp-*}, which then replaces the
 * target by renames ({@code target → .name.old-*}, {@code tmp → target}, delete the old one). A failure while
 * writing deletes the temporary directory and leaves the target as it was.
 */
public final class AtomicDirectory {

    /** What fills the temporary directory. */
    @FunctionalInterface
    public interface Body {
        void write(Path tmp) throws IOException;
    }

    private AtomicDirectory() {}

    public static void write(Path dir, Body body) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        if (Files.exists(target) && !Files.isDirectory(target))
            throw new IOException(target + " exists and is not a directory");
        String stamp = Long.toHexString(System.nanoTime());
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + stamp);
        Path old = parent.resolve("." + target.getFileName() + ".old-" + stamp);
        Files.createDirectory(tmp);
        try {
            body.write(tmp);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
        boolean hadOld = Files.exists(target);
        if (hadOld) move(target, old);
        move(tmp, target);
        if (hadOld) deleteRecursively(old);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
