package dev.jgrad.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code ./jgrad} launcher script, run through {@link ProcessBuilder} from a working directory outside the
 * repository and through a symlink. The script is copied into a temporary "repository" whose
 * {@code examples/target/jgrad.jar} is a manifest-only jar pointing at this test's class path, so the launcher finds
 * nothing to build (no Maven inside a test) and runs the commands compiled for this test run.
 */
class LauncherTest {

    @TempDir
    static Path tmp;
    static Path home, launcher;

    @BeforeAll
    static void fakeRepository() throws IOException {
        Path script = Path.of("").toAbsolutePath().getParent().resolve("jgrad");   // surefire runs in examples/
        assertTrue(Files.isRegularFile(script), "the launcher at " + script);
        home = tmp.resolve("jgrad-home");
        Files.createDirectories(home.resolve("examples/target"));
        launcher = home.resolve("jgrad");
        Files.copy(script, launcher);
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        StringBuilder urls = new StringBuilder();
        for (String entry : classPath.split(File.pathSeparator))
            if (!entry.isBlank()) urls.append(Path.of(entry).toUri()).append(' ');
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        m.getMainAttributes().put(Attributes.Name.CLASS_PATH, urls.toString().trim());
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(home.resolve("examples/target/jgrad.jar")), m)) {
            jar.flush();
        }
    }

    record Run(int code, String out, String err) {}

    static Run launch(Path cwd, Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        Map<String, String> env = pb.environment();
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JGRAD_JAVA_OPTS", "-Xmx1g");
        Path out = Files.createTempFile(tmp, "out", ".txt"), err = Files.createTempFile(tmp, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the launcher finished");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    static void clean(Run r) {
        assertFalse(r.err().contains("WARNING: Using incubator modules"), "the incubator warning is filtered: " + r.err());
        assertFalse((r.out() + r.err()).contains("\u001b["), "no escape codes");
    }

    @Test
    void runsInTheCallersDirectory() throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("work"));
        CliTest.corpus(cwd);
        Run r = launch(cwd, launcher, CliTest.args("train", Path.of("corpus.txt"), Path.of("runs/m"), "--steps", "3"));
        assertEquals(0, r.code(), r.out() + r.err());
        clean(r);
        assertTrue(Files.isRegularFile(cwd.resolve("runs/m/checkpoints/last/model.safetensors")), r.out());
        assertFalse(Files.exists(home.resolve("runs")), "nothing written into the launcher's folder");
    }

    @Test
    void aSymlinkedLauncherFindsItsRepository() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path link = bin.resolve("jgrad");
        if (!Files.exists(link)) Files.createSymbolicLink(link, launcher);
        Path cwd = Files.createDirectories(tmp.resolve("elsewhere"));
        Run r = launch(cwd, link, "--version");
        assertEquals(0, r.code(), r.err());
        assertEquals("jgrad 0.1.0-SNAPSHOT", r.out().strip());
        clean(r);
        r = launch(cwd, link, "help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("  test ") && r.out().contains("  bench "), "help lists the launcher's commands: " + r.out());
    }

    @Test
    void errorsAndExitCodesPassThrough() throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("errors"));
        Run r = launch(cwd, launcher, "train", "--data", "missing.txt", "--out", "r");
        assertEquals(2, r.code());
        clean(r);
        assertEquals("jgrad train: no such file or directory: " + cwd.toRealPath().resolve("missing.txt"), r.err().strip());
        assertFalse(Files.exists(cwd.resolve("r")));
        r = launch(cwd, launcher, "no-such-command");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("jgrad: Unmatched argument at index 0: 'no-such-command' (see jgrad --help)"), r.err());
    }
}
