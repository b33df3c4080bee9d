package dev.jgrad.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one atomic directory writer: all or nothing, and recovery from each point a crash can interrupt it. */
class AtomicDirectoryTest {

    @TempDir
    Path tmp;

    private static void fill(Path dir, String text) throws IOException {
        Files.writeString(dir.resolve("a.txt"), text);
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/b.txt"), text + "!");
    }

    @Test
    void writeReplacesTheDirectoryWholeAndLeavesNoSiblings() throws Exception {
        Path dir = tmp.resolve("out");
        AtomicDirectory.write(dir, t -> fill(t, "one"));
        AtomicDirectory.write(dir, t -> fill(t, "two"));
        assertEquals("two", Files.readString(dir.resolve("a.txt")));
        assertEquals("two!", Files.readString(dir.resolve("sub/b.txt")));
        try (var files = Files.list(tmp)) {
            assertEquals(java.util.List.of(dir), files.toList(), "no .tmp or .old left behind");
        }
    }

    @Test
    void aFailingBodyLeavesThePreviousDirectory() throws Exception {
        Path dir = tmp.resolve("out");
        AtomicDirectory.write(dir, t -> fill(t, "one"));
        IOException e = assertThrows(IOException.class, () -> AtomicDirectory.write(dir, t -> {
            Files.writeString(t.resolve("a.txt"), "half");
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("one", Files.readString(dir.resolve("a.txt")));
        assertFalse(Files.exists(AtomicDirectory.tempSibling(dir)));
    }

    @Test
    void recoveryFromEachCrashPoint() throws Exception {
        Path dir = tmp.resolve("out"), old = AtomicDirectory.backupSibling(dir), tmpDir = AtomicDirectory.tempSibling(dir);
        // Crash while the body wrote: a half-built .tmp beside the committed directory.
        AtomicDirectory.write(dir, t -> fill(t, "one"));
        Files.createDirectories(tmpDir);
        Files.writeString(tmpDir.resolve("a.txt"), "ha");
        AtomicDirectory.recover(dir);
        assertFalse(Files.exists(tmpDir));
        assertEquals("one", Files.readString(dir.resolve("a.txt")));
        // Crash between the renames: only .old (the previous directory) and a complete .tmp exist.
        Files.move(dir, old);
        Files.createDirectories(tmpDir);
        fill(tmpDir, "two");
        AtomicDirectory.recover(dir);
        assertEquals("one", Files.readString(dir.resolve("a.txt")), "the previous directory is authoritative");
        assertFalse(Files.exists(old) || Files.exists(tmpDir));
        // Crash after the commit, before .old was deleted.
        Files.createDirectories(old);
        fill(old, "zero");
        AtomicDirectory.write(dir, t -> fill(t, "three"));
        assertEquals("three", Files.readString(dir.resolve("a.txt")));
        assertFalse(Files.exists(old));
    }

    @Test
    void aFileInTheWayIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("out"), "x");
        IOException e = assertThrows(IOException.class, () -> AtomicDirectory.write(file, t -> fill(t, "one")));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }
}
